// Package suse is the "suse" source: SUSE's and openSUSE's OVAL
// (ftp.suse.com/pub/projects/security/oval) and CSAF VEX
// (ftp.suse.com/pub/projects/security/csaf-vex) turned into
// model.Advisory records, and the matching rules of SUSE Linux
// Enterprise and openSUSE hosts (Driver, a match.Driver).
//
// OVAL: one definition per CVE (class vulnerability), read with
// internal/oval in bounded memory and flattened (oval.Flatten) into one
// record per (OS group, binary package, CVE, arch restriction). The OS
// group comes from the branch's product test on a "*-release" package
// (releases.go): "sles-release is ==15.3", "SLES_SAP-release is ==15.3",
// "sle-module-basesystem-release is ==15.3", "sles-ltss-release is ==15.1"
// give sles:15.3 or sles:15.1 (the service pack kept: SUSE's fixes differ
// per service pack), "sled-release" sled:N.M, "openSUSE-release is ==15.2"
// opensuse-leap:15.2 (openSUSE 13.2 and older: opensuse:13.2). Other
// products (SUSE Manager, Enterprise Storage, Micro, Tumbleweed) give no
// group and are counted (Stats.NoGroup).
//
// Statuses: a "less than" branch is fixed (FixedVersion as written,
// "0:0.98-lp152.4.3.1"); an "is installed" branch without version (the
// -affected files) is affected; SUSE's "not affected" criterion (an
// rpminfo test on the package with the state version == 0, which no
// package has) becomes a not-affected record. The advisory id is the
// first SUSE-SU reference (openSUSE-SU for openSUSE groups); severity is
// SUSE's rating (the advisory's severity, or the impact of the cve element
// that is SUSE's own, never the NVD one's), lower-cased. Arch
// restrictions "(i586|x86_64)" are kept as "i586|x86_64".
//
// CSAF VEX (csaf.go): one JSON document per CVE; product ids
// "SUSE Linux Enterprise Server 15 SP3:samba-libs-4.13.13..." map to the
// same groups; statuses fixed (fixed, recommended: with the version of the
// product id), known_affected (affected), known_not_affected
// (not-affected), under_investigation (undetermined). Its records carry
// the origin suse-csaf-vex and rank after OVAL's for the same CVE.
//
// matcher.go: binary RPM names, rpm order, arch restrictions, SUSE's
// kernel flavours (kernel-default 5.3.18-59.37.2 runs as
// 5.3.18-59.37-default; only the running kernel counts), SUSE's severity
// words.
package suse
