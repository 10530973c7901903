// Package kev reads CISA's Known Exploited Vulnerabilities catalogue
// (https://www.cisa.gov/known-exploited-vulnerabilities-catalog), the
// JSON feed CISA publishes daily: the CVEs known to be exploited in the
// wild, with the day each was added, the remediation due date and
// whether it is known to be used in ransomware campaigns.
//
// It is a source of CVE attributes, not of vendor records: it names no
// package and no OS group, so it changes no host's verdicts or data
// state. The importer hands its one document to Source.Load (the
// source.Cataloguer contract), which checks the whole catalogue and then
// replaces the set in force in one transaction (store.ReplaceKEV): the
// catalogue is complete by definition, an entry absent from it was
// withdrawn. The listings read the set to mark and filter CVEs.
package kev
