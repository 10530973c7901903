package model

import "testing"

func TestNormalizeID(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		advisory bool
	}{
		{"CVE-2023-0286", "CVE-2023-0286", false},
		{"cve-2023-0286", "CVE-2023-0286", false},
		{" CVE-2023-0286 ", "CVE-2023-0286", false},
		{"\tCve-2023-0286\n", "CVE-2023-0286", false},
		{"temp-1053115-9454e3", "TEMP-1053115-9454E3", false},
		{"dsa-5343-1", "DSA-5343-1", true},
		{" DLA-3380-1", "DLA-3380-1", true},
		{"usn-6000-1", "USN-6000-1", true},
		{"rhsa-2024:0811", "RHSA-2024:0811", true},
		{"alsa-2024:0811", "ALSA-2024:0811", true},
		{"GHSA-jfh8-c2jp-5v3q", "GHSA-jfh8-c2jp-5v3q", false}, // not ours to upper-case
		{"cve-", "cve-", false},
		{"", "", false},
	} {
		if got := NormalizeID(tc.in); got != tc.want {
			t.Errorf("NormalizeID(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := IsAdvisoryID(tc.in); got != tc.advisory {
			t.Errorf("IsAdvisoryID(%q) = %v, want %v", tc.in, got, tc.advisory)
		}
	}
}

func TestNormalizeIDPrefix(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"c", "C"},
		{"cve", "CVE"},
		{" cve-", "CVE-"},
		{"cve-2023-02", "CVE-2023-02"},
		{"Cve-2023-0286 ", "CVE-2023-0286"},
		{"temp-1053115-9454e", "TEMP-1053115-9454E"},
		{"dsa-53", "DSA-53"},
		{"rhsa-2024:08", "RHSA-2024:08"},
		// Not a known prefix: the scheme in upper case, the rest as typed
		// (GitHub's ids: GHSA-jfh8-c2jp-5v3q).
		{"ghsa-jfh8", "GHSA-jfh8"},
		{"GHSA-JFH8", "GHSA-JFH8"},
		{"ghsa", "GHSA"},
		{"pysec-2023-1", "PYSEC-2023-1"},
		{"", ""},
		{"  ", ""},
	} {
		if got := NormalizeIDPrefix(tc.in); got != tc.want {
			t.Errorf("NormalizeIDPrefix(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
