// Package debian turns the Debian security tracker's data — its JSON export,
// the DSA and DLA lists, the CVE list — into model.Advisory records, and
// reads apt Packages indexes into the binary-to-source map that matching of
// source-less (protocol 5) reports needs.
//
// Its Driver (matcher.go, kernel.go) is Debian's match.Driver: records are
// keyed by source package, found from the report (protocol 6), the learned
// or indexed binary -> source map, or the binary itself (with a binNMU's
// "+bN" stripped); signed kernel images are matched as linux, and only the
// running image counts; origins rank tracker JSON, CVE list, DSA/DLA lists.
//
// Every parser streams: it reads its input once, emits one record at a
// time through a callback and keeps no more than one entry in memory, so a
// full-size tracker export (60–90 MB) costs a few megabytes. Parsers reject
// structurally broken input with an error that names where it broke, and
// count (in Stats) what they read but could not map, such as releases that
// are not in the codename table (see OSGroup).
//
// Records are what the source says, nothing inferred: the CVE list gives a
// release's status only where it has a line for that release (the tracker
// JSON is the source that has every release's status worked out).
//
// The package lines of the DSA, DLA and CVE lists map to statuses so:
//
//	[rel] - pkg VERSION      fixed in VERSION (VERSION "0": not-affected)
//	[rel] - pkg              affected (no version: the tracker reads it as unfixed)
//	<unfixed>                affected
//	<not-affected> (why)     not-affected, Note "not-affected: why"
//	<end-of-life> (why)      end-of-life, Note "end-of-life: why"
//	<removed>                end-of-life, Note "removed" (gone from the
//	                         archive: installed copies get no fix)
//	<no-dsa> (why)           affected, Note "no-dsa: why"
//	<ignored> (why)          will-not-fix, Note "ignored: why"
//	<postponed> (why)        fix-deferred, Note "postponed: why"
//	<undetermined>           undetermined
//	<itp>                    no record (the package is not in Debian yet)
//
// The parenthesised notes of a versioned, <unfixed> or <removed> line
// ("bug #332424; medium") give the record's Severity (the urgency word);
// for the other tags the parentheses hold the reason kept in Note.
package debian
