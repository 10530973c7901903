// Package localoval is the "oval" source: an OVAL definitions file a site
// writes or receives (Pakiti 3's "local OVAL"), loaded for the OS group
// the admin names with the location ("debian:11=/srv/oval/site.xml"),
// read and flattened into per-package records by internal/oval, the
// engine that reads Red Hat's OVAL.
//
// The admin's group decides which hosts a file is for, so the product
// tests of its definitions ("Debian GNU/Linux 11 is installed", "Red Hat
// Enterprise Linux 9 is installed") are not needed to place a record; a
// definition internal/oval cannot flatten (see oval.Flatten) is counted
// and left out, never guessed; for the same reason an extend_definition
// marked applicability_check (Ubuntu's "Ubuntu 18.04 LTS (bionic) is
// installed.") is dropped from a conjunction before flattening.
//
// Ubuntu's CVE OVAL (com.ubuntu.RELEASE.cve: dpkginfo tests; its OCI
// variant: textfilecontent54 tests on the image's ./manifest) names the
// binaries of one source package through a constant_variable commented
// "'tor' package binaries", every binary held to the state's "less than"
// version, the tracker's fix of the source. Its records are filed under
// that source package, the key the ubuntu driver meets a package by when
// its source is known (protocol 6, or the binary -> source map), and again
// under each listed binary, the key of a package whose source is not
// known (a protocol-5 report before any map): that one is compared at its
// own version, as the OVAL test compares it. A package has one key, so no
// host meets both. Ubuntu's USN OVAL names no source package in its
// variables and is not read.
package localoval
