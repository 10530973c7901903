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
// and left out, never guessed.
package localoval
