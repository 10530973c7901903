// Package ubuntu turns the Ubuntu CVE tracker's text files
// (git.launchpad.net/ubuntu-cve-tracker: active/, retired/ and ignored/,
// one file per CVE) and Ubuntu's own OSV records (osv.go: UBUNTU-CVE, USN
// and LSN records, Pro and FIPS ecosystems) into model.Advisory records,
// reads apt Packages indexes of the Ubuntu archive into the
// binary-to-source map and the -security pocket's versions (archive.go:
// the default source set, a mirror URL or directory, the fleet's releases
// and arches; the index format through the neutral package apt), and
// holds Ubuntu's matching rules: the pure helpers (source keys, Pro
// channels, kernels) and Driver, the match.Driver of ubuntu:* OS groups
// (matcher.go, which says how Pro hosts are told apart).
//
// Input: a tarball of the tracker (the framework undoes gzip; members
// .../active/CVE-*, .../retired/CVE-*, .../ignored/CVE-* at any depth), a
// directory laid out so (ParseDir), or one CVE file. Retired and ignored
// CVEs count like active ones: a retired file is a finished one whose
// fixed versions still hold. Parsing streams: one CVE file (at most 4 MiB;
// real ones are under 60 KB) is in memory at a time.
//
// One record per status line "release_srcpkg: status (detail)": Package is
// the SOURCE package, CVE the file's Candidate, Published its PublicDate,
// Description its Description (else Ubuntu-Description), Severity the
// Priority word lower-cased (negligible, low, medium, high, critical,
// untriaged), Priority_pkg or Priority_pkg_release overriding it for
// that package. Notes, Patches_, Tags_, References and CVSS are not kept.
//
// OS groups: a codename gives "ubuntu:VERSION", LTS and interim releases
// alike (bionic ubuntu:18.04, eoan ubuntu:19.10, focal ubuntu:20.04, ...;
// see releases.go, warty 4.10 to resolute 26.04). Release keys and origins
// (the record's Source):
//
//	bionic_pkg               ubuntu:18.04, Source ubuntu-tracker
//	trusty/esm_pkg           ubuntu:14.04, Source ubuntu-esm-infra (2020 form)
//	esm-infra/xenial_pkg     ubuntu:16.04, Source ubuntu-esm-infra
//	esm-apps/focal_pkg       ubuntu:20.04, Source ubuntu-esm-apps
//	fips/, fips-updates/, fips-preview/, esm-infra-legacy/, ros-esm/
//	                         the release's group, Source ubuntu-CHANNEL
//	upstream, devel          no record (devel is the release under
//	                         development; the file does not say which)
//	product, snap,           no record (not apt releases a host reports)
//	vivid/ubuntu-core, vivid/stable-phone-overlay
//
// Ubuntu's OSV records (osv.go) take the same groups and origins by
// ecosystem (Ubuntu:18.04:LTS, Ubuntu:Pro:18.04:LTS, Ubuntu:Pro:FIPS:...),
// plus ubuntu-pro (a Pro channel the record does not name),
// ubuntu-livepatch (LSN records, applied to nothing) and
// ubuntu-without-esm-apps, ubuntu-without-esm-infra, ubuntu-without-pro
// (a Pro fix seen from a host without that service). The tracker's files
// give such a record too: for a Pro channel's fix (trusty/esm_pkg,
// esm-infra/xenial_pkg, esm-apps/focal_pkg: released) where the release's
// own line is no fix (ignored, needed, deferred, pending, needs-triage,
// or no line), the release's verdict is carried, FixedVersion the
// channel's fix, by a record of origin ubuntu-without-CHANNEL in place of
// the release's record (cvefile.go, trackerTwin). A Pro channel's fix
// later than the release's own fix of the CVE (one pair in the 2020
// snapshot, retired/CVE-2012-2372) gives a record of origin
// ubuntu-later-CHANNEL besides the release's (prolater.go).
//
// Pro (ESM) records share the release's OS group but not its origin: a
// fix published as 1.2-3ubuntu0.1~esm1 in esm-infra cannot be installed by a
// host without Pro, so a matcher must choose per host between a channel's
// record and the release's own (see PreferChannels). A separate OS group
// ("ubuntu:16.04+esm") was not chosen because a host has one OS group,
// and a Pro host still takes every update of the release's own archive.
//
// Statuses:
//
//	released (V)             fixed in V ("V1, V2": V1, the text in Note);
//	                         released without a readable version: no record
//	released-esm (V)         as released (not seen in the data so far)
//	not-affected [(V|why)]   not-affected, Note "not-affected: V" (the release
//	                         shipped V, which had the fix: no version of the
//	                         release is affected; V is not compared, as the
//	                         files have slips in it, see status.go) or
//	                         "not-affected: why"
//	needed [(why)]           affected
//	pending [(V)]            affected: a fix is prepared, not published
//	deferred [(date)]        fix-deferred
//	needs-triage             undetermined
//	ignored (why)            end-of-life when why says so ("reached
//	                         end-of-life", "out of standard support", "end of
//	                         standard support"), else will-not-fix
//	DNE                      no record: the package is not in that release
//
// The detail in brackets keeps the real files' slips readable: "[V]",
// "((V)", "(V))", "(V", "V)" all give V. Records are what the file says,
// nothing inferred but the without-Pro records above; lines left out are
// counted by reason in Stats.
package ubuntu
