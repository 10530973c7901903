package store

// An advisory that names no CVE (a DSA/DLA regression update, an OSV
// record with no CVE alias) is filed with its own id where the CVE would
// be (the record's CVE equals its AdvisoryID). Its findings are advisory
// findings: the findings writer counts them apart from CVEs
// (hosts.advisory_findings, findingsBatch.counters), so that a host's CVE
// count counts CVEs.
