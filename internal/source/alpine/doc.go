// Package alpine turns the Alpine secdb (secdb.alpinelinux.org) into
// model.Advisory records, from its JSON files as served today
// (v3.NN/main.json, community.json) or its YAML files (the older form,
// as in the shared 2020 snapshot), and holds the pure helpers a matcher
// for Alpine hosts needs (PackageKey, Affects).
//
// The secdb lists, per branch and repository, each origin (source)
// package's "secfixes": a map from the version that fixed something to the
// ids it fixed. Records, one per (OS group, origin, id), map so:
//
//	distroversion "v3.20"    OSGroup "alpine:3.20"; "edge" gives "alpine:edge"
//	pkg.name                 Package (the origin, apk's o: field)
//	key "1.2.3-r0"           Status fixed, FixedVersion "1.2.3-r0" as written
//	key "0"                  Status not-affected (never affected Alpine's build)
//
// Source is "alpine-secdb". The secdb has no severities, dates or
// architecture restrictions: Severity, Published and Arch stay empty.
//
// A list item is an id, sometimes with more on its line. The real files
// have, and the readers read:
//
//	CVE-2019-14904                        one record
//	CVE-2017-5753 CVE-2017-5715 ...       one record per CVE of the line
//	CVE-2016-6258 XSA-182                 AdvisoryID XSA-182 (also TALOS-..., ZBX-...)
//	CVE-2018-14468 (FrameRelay)           Note "(FrameRelay)"; other trailing words go to Note too
//	XSA-207, wnpa-sec-2017-18, ZBX-11023  a record with that id, Temporary (not a CVE)
//	CVE-????-?????  XSA-295               a record for XSA-295 (no CVE assigned then)
//	CVE_2019-2426, CVE 2018-16859         read as CVE-2019-2426, CVE-2018-16859
//	CVE-2019-19451.patch                  read as CVE-2019-19451
//	CVE-2017-17434-1, CVE-2017-17434-2    read as CVE-2017-17434 (a fix in two patches)
//
// A repaired item keeps its original text in Note (`secdb writes "..."`).
// An item whose first word is no id is an error naming its line.
//
// An id listed twice for one package (secfixes keep the history of older
// branches, so wireshark's CVE-2017-15191 is under 2.4.2-r0 and 2.2.10-r0)
// gives one record, with the highest version (apk order; a fix beats "0"),
// the others named in Note ("also listed under 2.2.10-r0"). The higher
// version is the safe one: a host of a branch only has versions of that
// branch's line.
//
// Both readers stream: the YAML reader one line at a time, the JSON
// reader one token at a time, holding one package's ids (and, when
// distroversion comes after the packages, the records read before it, at
// most maxPending).
package alpine
