// Package redhat is the "redhat" source: Red Hat's OVAL data turned into
// model.Advisory records, and the pure rules a matcher for RHEL and its
// rebuilds needs (record key, does a record affect an installed package,
// rebuild dist tags, host facts for oval.Eval).
//
// Formats, told apart by content: OVAL v2 per release
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
// matcher.go holds the drivers (match.Driver): Driver for rhel groups,
// Rebuilds for centos, scientific and rhcos, which read rhel:N of their
// RHEL major and compare with the rebuild dist-tag rule (OlderThanFix).
package redhat
