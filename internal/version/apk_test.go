package version

import "testing"

// TestAPKKnown holds the well-known cases and, marked "source", cases derived
// from reading apk-tools' src/version.c that no apk binary could confirm here.
func TestAPKKnown(t *testing.T) {
	checkKnown(t, APK, []knownCase{
		// revisions and suffixes
		{"1.0-r1", "<", "1.0-r2"},
		{"1.0-r9", "<", "1.0-r10"},
		{"1.0", "<", "1.0-r0"},
		{"1.0_rc1", "<", "1.0"},
		{"1.0_p1", ">", "1.0"},
		{"1.0_alpha", "<", "1.0_beta"},
		{"1.0_beta", "<", "1.0_pre"},
		{"1.0_pre", "<", "1.0_rc"},
		{"1.0_rc", "<", "1.0"},
		{"1.0", "<", "1.0_cvs"},
		{"1.0_cvs", "<", "1.0_svn"},
		{"1.0_svn", "<", "1.0_git"},
		{"1.0_git", "<", "1.0_hg"},
		{"1.0_hg", "<", "1.0_p"},
		{"1.0_alpha1", "<", "1.0_alpha2"},
		{"1.0_alpha", "<", "1.0_alpha1"},
		{"0.1.0_alpha_pre2", "<", "0.1.0_alpha"},
		{"1.3_pre1-r1", "<", "1.3.2"},
		{"1.0_p10-r0", ">", "1.0_p9-r0"},
		// letters and numbers
		{"1.0a", ">", "1.0"},
		{"1.0a", "<", "1.0b"},
		{"1.0a", ">", "1.0_p1"},
		{"1.0a", "<", "1.0.1"},
		{"1.0", "<", "1.0.1"},
		{"1.0.1", "<", "1.0.1-r1"},
		{"1.9", "<", "1.10"},
		{"006", ">", "1.0.0"},     // the first number is always numeric
		{"1.05", "<", "1.1"},      // later ones with a leading zero are strings
		{"1.010", "<", "1.9"},     //
		{"8.2.0", "<", "8.2.001"}, // apk-tools 3 test list
		{"8.2.0015", "<", "8.2.002"},
		{"1.0.0_pre20191002222144-r0", "<", "1.0.0_pre20210530193627-r0"},
		// commit hashes (apk-tools 3)
		{"1.0~1234", "<", "1.0~2345"},
		{"1.0~1234-r1", ">", "1.0~1234-r0"},
		{"1.0~abc", ">", "1.0"},       // source
		{"1.0.1~0a", ">", "1.0.1-r1"}, // source: a hash outranks a revision
		// invalid strings: compared up to the first bad byte (source)
		{"1.0", "<", "1.0bc"}, // test list: "invalid. do string sort"
		{"23_foo", ">", "4_beta"},
		{"1.0bc", "=", "1.0bd"},
		{"1.0", ">", "1.0-foo"},
		{"1.0", ">", "1.0_foo"},
		{"1.0", ">", "1.0-r"},
		{"1.0", ">", "1.0_"},
		{"1.0", ">", "1.0~"},
		{"1.0", ">", "1.0~ABC"},
		{"1.0", ">", "1.0+1"},
		{"1.0", ">", "1.0A"},
		{"", "=", "abc"},
		{"", "<", "0"},
		{"1.0-r1-r2", "<", "1.0-r1"},
		// numbers wrap modulo 2^64 as in apk-tools (source)
		{"18446744073709551615", ">", "18446744073709551614"},
		{"18446744073709551617", "=", "1"},
		{"1.18446744073709551616", "<", "1.1"},
		{"1.018446744073709551616", ">", "1.0"}, // leading zero: string order
		// C strings end at NUL
		{"1.0\x00-r1", "=", "1.0"},
	})
}

func FuzzCompareApk(f *testing.F) {
	f.Add("1.0_rc1-r0", "1.0-r0")
	f.Add("1.2.3_p4~abc-r5", "1.2.3a")
	f.Fuzz(func(t *testing.T, a, b string) { checkFuzzPair(t, APK, a, b) })
}

func BenchmarkCompareApk(b *testing.B) { benchCompare(b, APK) }
