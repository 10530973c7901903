// Package osv reads OSV (Open Source Vulnerability) records — the JSON
// format of osv.dev that AlmaLinux, Rocky Linux, Ubuntu and Debian publish
// their advisories in — and turns them into model.Advisory records for the
// OS groups an ecosystem mapping names.
//
// # Reading
//
// Read takes one stream and tells its form from its first bytes: a tar
// archive (the whole AlmaLinux OSV database, already un-gzipped by the
// fetcher, or still gzipped), a zip archive (osv.dev's all.zip exports), a
// JSON object (one record, or JSON lines of records) or a JSON array of
// records. ReadPath also walks a directory tree. Archives are read member by
// member and JSON record by record: memory holds one record at a time, each
// bounded by MaxRecordBytes, whatever the size of the whole (a zip given as
// a stream is first spooled to a temporary file, since a zip is read from
// its end).
//
// # Records
//
// Convert maps one OSV record to advisory records, one per (OS group,
// package, CVE):
//
//   - Withdrawn records are dropped (counted in Stats).
//   - CVE ids: the record's own id when it is a CVE id, then the CVE ids of
//     aliases and upstream; when these name none, the CVE ids of related.
//     AlmaLinux and Rocky list the CVEs an advisory fixes in related (not
//     aliases, as the OSV schema would have it), Ubuntu's USN records too,
//     and Rocky's newer records in upstream. Ids that are not CVE ids
//     (GHSA, UBUNTU-CVE, RHSA...) are not emitted as CVEs.
//   - A record that names no CVE at all keeps its own id in the CVE field,
//     with Temporary false: this is what the Debian DSA list parser does
//     for an advisory without CVE (DSA-5356-2). An advisory id is public
//     and permanent, unlike the tracker's TEMP- ids, which Temporary marks;
//     a consumer tells such records by CVE == AdvisoryID.
//   - AdvisoryID is the record's id when the record is an advisory, that
//     is when its id does not name a CVE (ALSA-, RLSA-, USN-, DSA-...);
//     per-CVE records (CVE-..., UBUNTU-CVE-..., DEBIAN-CVE-...) get none.
//   - The affected entries of a record are grouped by (ecosystem, package
//     name). ECOSYSTEM ranges give fixed versions; the record is fixed in
//     the lowest one under the OS group's version scheme, the others are
//     kept in Note ("also fixed in ..."). AlmaLinux lists one package
//     several times when the fix was built several ways (two module
//     contexts, an ".alma" and a plain build, "el8" and "el8_5.13"): an
//     installed version at or above any of them has the fix, which the
//     lowest expresses with the one FixedVersion the model has.
//   - An entry with no fixed event (an unfixed vulnerability) gives status
//     affected; a last_affected event gives affected too, with Note "last
//     affected V" (the model has no upper bound but a fix).
//   - introduced: "0" means from the beginning. Another introduced version
//     is kept in Note ("introduced V"): the model has no lower bound, so a
//     matcher treats versions below it as affected too; no OS record in
//     our data has one (all 71,329 AlmaLinux events are introduced "0").
//   - Severity is the vendor's word, lower-cased: an OSV severity entry of
//     a type that is a word scale (Ubuntu's "Ubuntu": "medium"), else
//     database_specific.severity, else the Red Hat style word that starts
//     the summary ("Important: squid:4 security update" gives "important").
//     CVSS vectors are not words and are not kept.
//   - Module: when a fixed version is a module build (".module+el8" or
//     ".module_el8" in its release) and the summary names exactly one
//     module stream ("squid:4", "ruby:3.3"), Module is that stream.
//   - Published is the record's modified time, else its published time.
//   - Arch: OSV gives none; records carry no arch restriction.
//
// Which ecosystem is which OS group is the caller's Mapping (an admin's
// "ecosystem = os_group" file, see ParseMapping); entries of unmapped
// ecosystems are skipped and counted.
package osv
