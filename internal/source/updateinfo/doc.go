// Package updateinfo reads a yum/dnf repository's updateinfo
// (repodata/*-updateinfo.xml, gzipped or not) — what `dnf updateinfo
// --security` reads — into model.Advisory records, and is the
// "updateinfo" source for any RPM OS group an admin names.
//
// Every <update type="security"> gives one record per (package name, CVE):
// the CVE ids are the <reference type="cve"> ids (an update without any
// keeps its own id as the CVE, as internal/source/osv does); FixedVersion
// is the package's "epoch:version-release" (epoch "0" written when the
// file gives none); Arch the arches the update lists that name at that
// version ("x86_64|i686"), source RPMs (arch "src") left out; Module the
// collection's <module name stream> when the package is in a module
// collection; Severity the <severity> word lower-cased ("none" dropped);
// Published the <updated> date, else <issued> ("2023-06-27 00:00:00" or
// seconds since 1970, as SUSE writes them); AdvisoryID the <id>;
// Description the <title>. Updates of other types (bugfix, enhancement,
// newpackage) and updates without packages are skipped and counted.
//
// # OS group
//
// An updateinfo file does not say reliably which OS group it is for, so
// the "updateinfo" source takes it from the admin, written before the
// location as GROUP=LOCATION (see source.SplitGroup):
//
//	pakiti import --source updateinfo \
//	    rocky:9=/mirror/rocky/9/BaseOS/x86_64/os/repodata/1234-updateinfo.xml.gz \
//	    rocky:9=/mirror/rocky/9/AppStream/x86_64/os/repodata/5678-updateinfo.xml.gz \
//	    rocky:8=https://mirror.example.org/rocky/8/BaseOS/x86_64/os/repodata/9abc-updateinfo.xml.gz
//
// One import takes all the files of every group, since an import of a
// source replaces all its records. A location without a group is an
// error. The location is the updateinfo file itself: resolving it from
// repodata/repomd.xml is not done. Distro sources that know their group
// from the file (rocky, from <release>Rocky Linux 9</release>) use Parse
// with their own Options.Group.
//
// Parsing streams: an xml.Decoder token loop decodes one <update> at a
// time, each bounded by MaxUpdateBytes.
package updateinfo
