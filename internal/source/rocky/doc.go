// Package rocky is the Rocky Linux source ("rocky"): Rocky's OSV records
// (RLSA/RXSA, as errata.rockylinux.org and osv.dev publish them; osv.dev's
// "Rocky Linux" all.zip by default) read through internal/source/osv, and
// its repositories' updateinfo.xml files read through
// internal/source/updateinfo. Parse tells them apart by content.
//
// OS groups: rocky:8 and rocky:9, from the OSV ecosystems "Rocky Linux:8"
// and "Rocky Linux:9", and from an updateinfo's <release>Rocky Linux 9</release>
// (or, failing that, a collection named rocky-linux-9-...); a group given
// with the location (rocky:9=PATH) wins. Other ecosystems and releases are
// skipped and counted (OSV) or an error (updateinfo).
//
// Records are keyed by binary RPM name; fixed versions are kept as Rocky
// writes them, "E:V-R" with the epoch always present in OSV
// ("0:4.18.0-553.53.1.el8_10", "1:11.0.13.0.8-1.el8_4") and built from
// the epoch attribute in updateinfo. CVE ids come from related (older
// records) or upstream (OSV 1.7 records such as RLSA-2025:8056); the
// severity word from the title ("Important: ..."), the module stream from
// the title for module builds (OSV) or the collection's <module>
// (updateinfo). updateinfo records carry the arches the file lists.
//
// Affected entries from Rocky's SIG repositories (a purl whose distro
// qualifier names a "-sig-" repository, as RXSA-2023:0101's
// rocky-linux-8-sig-cloud kernel "4.18.0-425.10.1.el8_7.cloud") are
// skipped: their builds are not the base OS's, and their release suffix
// (".cloud") sorts above the base build of the same version, which would
// flag every base kernel of that version as unfixed.
//
// matcher.go is Rocky's driver (match.Driver); match.go holds the pure
// matcher rules (see internal/source/rpmmatch).
package rocky
