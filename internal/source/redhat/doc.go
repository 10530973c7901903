// Package redhat is the "redhat" source: Red Hat's OVAL data turned into
// model.Advisory records, and the pure rules a matcher for RHEL and its
// rebuilds needs (record key, does a record affect an installed package,
// rebuild dist tags, host facts for oval.Eval).
//
// Formats, told apart by content: CSAF (JSON, below), OVAL v2 per release
// (rhel-9-including-unpatched.oval.xml, the default, fetched bzip2ed from
// security.access.redhat.com) and OVAL v1 (com.redhat.rhsa-RHEL8.xml, one
// file per release, or com.redhat.rhsa-YYYYNNNN.xml per advisory). Both are
// read with internal/oval in bounded memory; definitions are flattened
// (oval.Flatten) into one record per (OS group, binary package, CVE,
// arch restriction, module stream).
//
// OS groups: "rhel:N" from the definition's "Red Hat Enterprise Linux N is
// installed" test (N = 5..10); a stream file named for a minor release
// (rhel-9.2-eus.oval.xml, rhel-8.6-aus...) gives "rhel:9.2-eus",
// "rhel:8.6-aus" (also e4s, tus) for the branches of its own major.
//
// Statuses: patch definitions give fixed records (FixedVersion is the
// "less than" EVR exactly as written, epoch included: "0:91.9.1-1.el9_0");
// unpatched definitions (class vulnerability, oval:com.redhat.cve:def) give
// the resolution's status: Affected -> affected, Will not fix ->
// will-not-fix, Fix deferred -> fix-deferred, Under investigation ->
// undetermined, Out of support scope -> end-of-life; the
// oval:com.redhat.unaffected definitions give not-affected. Severity is Red
// Hat's word lower-cased (critical, important, moderate, low, none), the
// CVE's impact where the definition gives one, else the advisory's.
// Definitions marked deprecated are dropped (counted); definitions of
// another shape than oval.Flatten reads are counted in Stats.Unflattened
// and handed to ParseOptions.Unflattened for oval.Eval, never silently
// dropped.
//
// CSAF (vex.go, read with internal/csaf as a stream): Red Hat's VEX files
// (one CVE each, security.access.redhat.com/data/csaf/v2/vex/) and its
// CSAF advisories (one RHSA each). A product status names a product
// "PLATFORM:COMPONENT"; the platform's CPE gives the OS groups
// (cpe:/o:redhat:enterprise_linux:9::baseos -> rhel:9, rhel_eus:9.2 ->
// rhel:9.2-eus, likewise aus, e4s, tus; a main-stream fix also shipped to
// that minor's EUS, "AppStream-9.2.0.Z.MAIN.EUS", gives both; layered
// products and ELS none), the component's purl the binary name, epoch,
// arch and module stream (rpmmod). fixed -> fixed (the vendor_fix's
// RHSA), known_affected -> affected or what its none_available /
// no_fix_planned remediation says (Will not fix, Fix deferred, Out of
// support scope -> end-of-life), known_not_affected -> not-affected,
// under_investigation -> undetermined; severity from the impact threat.
// Its records carry the origin redhat-csaf-vex, which the driver ranks
// after OVAL's for one CVE (OVAL's per-release files are complete, a
// CSAF document covers one CVE: it is a part of its own and covers no
// group completely). Known limit: the newer CSAF Generator 2 format names
// fixed components by source RPM; those records reach only the binary of
// the same name. The documents Red Hat generated before 2024 name unfixed
// components without purls ("kernel"): the name is taken as it is. The
// bulk archive (csaf_vex_YYYY-MM-DD.tar.zst, archive.go) is read member by
// member as it streams; it is one part, "csaf archive".
//
// matcher.go holds the drivers (match.Driver): Driver for rhel groups,
// Rebuilds for centos, scientific and rhcos, which read rhel:N of their
// RHEL major and compare with the rebuild dist-tag rule (OlderThanFix).
package redhat
