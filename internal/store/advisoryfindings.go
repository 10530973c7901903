package store

// An advisory that names no CVE (a DSA/DLA regression update, an OSV
// record with no CVE alias) is filed with its own id where the CVE would
// be (the record's CVE equals its AdvisoryID). Its findings are advisory
// findings: counted apart from CVEs (hosts.advisory_findings), so that a
// host's CVE count counts CVEs.

// advisoryOnlySQL holds for a finding f whose verdict is an advisory
// without CVE.
const advisoryOnlySQL = `EXISTS (SELECT 1 FROM verdicts av JOIN hosts ah ON ah.id = f.host_id
	WHERE av.os_group = ah.os_group AND av.package_id = f.package_id AND av.cve = f.cve AND av.advisory_id = f.cve)`

// hostCountersSQL sets the counters of host $1 from its open findings.
const hostCountersSQL = `UPDATE hosts SET
	cves = (SELECT COUNT(DISTINCT f.cve) FROM findings f WHERE f.host_id = $1 AND f.resolved_at IS NULL AND NOT ` + advisoryOnlySQL + `),
	advisory_findings = (SELECT COUNT(DISTINCT f.cve) FROM findings f WHERE f.host_id = $1 AND f.resolved_at IS NULL AND ` + advisoryOnlySQL + `),
	vulnerable_packages = (SELECT COUNT(DISTINCT package_id) FROM findings WHERE host_id = $1 AND resolved_at IS NULL)
	WHERE id = $1`
