package model

import "strings"

// idPrefixes are the prefixes of the ids people type in any case: CVE
// ids, Debian's temporary ids, and the vendors' advisory ids. Ids of
// other forms (GHSA-xxxx-..., whose tail is lower case) are kept as typed.
var idPrefixes = []string{"CVE-", "TEMP-", "DSA-", "DLA-", "DTSA-", "USN-", "RHSA-", "RHBA-", "RHEA-", "ALSA-", "ALBA-",
	"ALEA-", "RLSA-", "RLBA-", "RLEA-", "ELSA-", "ELBA-", "ELEA-", "XSA-"}

// NormalizeID is an identifier as it is stored, from what a person
// typed: spaces around it removed, and a CVE, TEMP- or advisory id in
// upper case, so that " cve-2023-0286 " and "CVE-2023-0286" are the same
// everywhere (URL, filters, CLI, API).
func NormalizeID(s string) string {
	s = strings.TrimSpace(s)
	for _, p := range idPrefixes {
		if len(s) > len(p) && strings.EqualFold(s[:len(p)], p) {
			return strings.ToUpper(s)
		}
	}
	return s
}

// IsAdvisoryID tells an advisory id (DSA-5343-1, USN-6000-1,
// RHSA-2024:0811, ALSA-2024:1234) from a vulnerability id (CVE-..., TEMP-...).
func IsAdvisoryID(s string) bool {
	s = NormalizeID(s)
	for _, p := range idPrefixes[2:] {
		if p != "XSA-" && strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// NormalizeIDPrefix is the beginning of an identifier as NormalizeID
// would store the whole: spaces around it removed, and in upper case when
// it begins one of the known prefixes or is begun by one ("cve", "cve-20",
// "dsa-53"). Otherwise its scheme, up to its first '-', is put in upper
// case and the rest kept as typed ("ghsa-jfh8" is "GHSA-jfh8": GitHub's
// ids are stored so). The CVE autocomplete matches stored ids from it.
func NormalizeIDPrefix(s string) string {
	s = strings.TrimSpace(s)
	up := strings.ToUpper(s)
	for _, p := range idPrefixes {
		if strings.HasPrefix(up, p) || strings.HasPrefix(p, up) {
			return up
		}
	}
	if i := strings.IndexByte(s, '-'); i >= 0 {
		return strings.ToUpper(s[:i+1]) + s[i+1:]
	}
	return up
}
