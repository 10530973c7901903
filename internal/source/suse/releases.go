package suse

import (
	"regexp"
	"strings"
)

var reRelease = regexp.MustCompile(`^[0-9]+(?:\.[0-9]+)?$`)

// ProductGroup maps a product test ("the *-release package NAME is of
// version VERSION") to the OS group whose hosts it describes; false for a
// product we keep no group for. The service pack stays in the group: SUSE
// ships different fixed versions per service pack.
//
//   - sles-release, SLES_SAP-release, SLE_HPC-release, their -ltss and
//     -espos variants, SLE_RT-release and the SLE modules and extensions
//     installed on them (sle-module-*-release, sle-ha-release,
//     sle-we-release, sle-sdk-release, sle-live-patching-release):
//     sles:VERSION;
//   - sled-release: sled:VERSION;
//   - openSUSE-release: opensuse-leap:VERSION from 15 (and 42.x), else
//     opensuse:VERSION; suse-release (openSUSE 10 and 11): opensuse:VERSION.
//     docName tells Leap Micro's and Tumbleweed's files apart, which use
//     openSUSE-release too: no group.
func ProductGroup(pkg, version, docName string) (string, bool) {
	if !reRelease.MatchString(version) {
		return "", false
	}
	name := strings.ToLower(strings.TrimSuffix(pkg, "-release"))
	doc := strings.ToLower(docName)
	switch {
	case name == "sles" || name == "sles_sap" || name == "sle_rt" ||
		strings.HasPrefix(name, "sles-") || strings.HasPrefix(name, "sle_hpc") || strings.HasPrefix(name, "sles_sap-") ||
		strings.HasPrefix(name, "sle-module-") || name == "sle-ha" || name == "sle-we" || name == "sle-sdk" || name == "sle-live-patching":
		return "sles:" + version, true
	case name == "sled":
		return "sled:" + version, true
	case name == "opensuse":
		if strings.Contains(doc, "micro") || strings.Contains(doc, "tumbleweed") {
			return "", false
		}
		major, _, _ := strings.Cut(version, ".")
		if len(major) == 2 && major >= "15" {
			return "opensuse-leap:" + version, true
		}
		return "opensuse:" + version, true
	case name == "suse":
		return "opensuse:" + version, true
	}
	return "", false
}

// Distros are the distros of the groups ProductGroup gives.
var Distros = []string{"sles", "sled", "opensuse-leap", "opensuse"}
