// Package alma is the AlmaLinux source ("alma"): the AlmaLinux OSV
// database (github.com/AlmaLinux/osv-database, advisories/almalinux8, 9
// and 10), read through internal/source/osv, whole as the repository's
// tarball by default, or as a local copy: the tarball, a zip, or JSON
// records (an import reads the files directly in a directory it is given,
// not its subdirectories: give advisories/almalinux9, or the tarball).
//
// OS groups: alma:8, alma:9 and alma:10, from the ecosystems AlmaLinux:8,
// AlmaLinux:9 and AlmaLinux:10; other ecosystems are skipped and counted.
//
// Records are keyed by binary RPM name, as AlmaLinux writes them; fixed
// versions are kept as AlmaLinux writes them: "E:V-R" when the epoch is not
// zero ("1:3.0.7-27.el9"), "V-R" otherwise (rpm order reads a missing epoch
// as 0). AlmaLinux lists the CVEs of an advisory in the records' related
// field, not in aliases; Severity is the word that starts the title
// ("Important: ..." gives "important"); Module is the stream the title
// names for module builds ("squid:4"). The advisory id (ALSA-2024:0046) is
// AdvisoryID.
//
// Bug-fix (ALBA) and enhancement (ALEA) advisories that name no CVE are
// not security data and are skipped (counted in Stats); the few that name a
// CVE are kept. Security advisories (ALSA) without a CVE keep their id as
// the CVE, as internal/source/osv lays out.
//
// matcher.go is AlmaLinux's driver (match.Driver); match.go holds the pure
// rules it shares with Rocky (see internal/source/rpmmatch).
package alma
