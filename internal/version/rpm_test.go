package version

import (
	"strings"
	"testing"
)

func TestRPMKnown(t *testing.T) {
	long := strings.Repeat("7", 30)
	checkKnown(t, RPM, []knownCase{
		// tilde and caret (rpm >= 4.15)
		{"1.0~rc1", "<", "1.0"},
		{"1.0~rc1", "<", "1.0~rc2"},
		{"1.0~~", "<", "1.0~"},
		{"1.0^git1", ">", "1.0"},
		{"1.0^git1", "<", "1.0.1"},
		{"1.0^git1", "<", "1.0a"},
		{"1.0^", ">", "1.0"},
		{"1.0^", ">", "1.0~"},
		{"1.0^git1", "<", "1.0^git2"},
		{"1.0~rc1^git1", ">", "1.0~rc1"},
		{"1.0~rc1^git1", "<", "1.0"},
		// epoch, version, release
		{"2:1", ">", "1:9"},
		{"1:1.0-1", ">", "0:9.9-9"},
		{"0:1.0-1", "=", "1.0-1"},
		{":1.0", "=", "0:1.0"},
		{"01:1", "=", "1:1"},
		{"1.0-1", "<", "1.0-2"},
		{"1.0-1.el8", "<", "1.0-1.el9"},
		{"1.0-2.el8", "<", "1.0-10.el8"},
		{"0:8.30-15.el8", ">", "0:8.30-4.el8"},
		{"1.0", "<", "1.0-1"}, // a present release beats a missing one
		{"1.0", "<", "1.0-"},
		{"1.0-", "<", "1.0-0"},
		{"1.0-1-2", ">", "1.0-1"}, // release after the last hyphen
		// alphanumeric runs
		{"1.0", "=", "1_0"},
		{"1.0", "=", "1..0"},
		{"1.0", "=", "1.0."},
		{"1.0a", ">", "1.0"},
		{"1.0a", "<", "1.0.1"}, // a number is newer than letters
		{"5.5p1", "<", "5.5p10"},
		{"10xyz", "<", "10.1xyz"},
		{"xyz10", "<", "xyz10.1"},
		{"1b.fc17", "<", "1.fc17"},
		{"a", "<", "b"},
		{"A", "<", "a"},
		{"1.0é", "=", "1.0"}, // non-ASCII bytes only separate runs
		// numbers: leading zeros, long runs
		{"0001", "=", "1"},
		{"1.01", "=", "1.1"},
		{"1.010", ">", "1.9"},
		{"1." + long, ">", "1." + long[1:] + "6"},
		{"1.1" + long, ">", "1." + long},
		{"18446744073709551616", ">", "18446744073709551615"},
		// the empty string, which rpm.vercmp rejects
		{"", "=", "0:"},
		{"", "<", "0"},
		{"", ">", "~"},
		{"a:1", "<", "0:1"}, // not an epoch: version "a:1"
		// C strings end at NUL
		{"1.0\x00x", "=", "1.0"},
	})
}

func FuzzCompareRpm(f *testing.F) {
	f.Add("0:1.0~rc1-1.el9", "0:1.0-1.el9")
	f.Add("1.0^git1", "1.0.1")
	f.Fuzz(func(t *testing.T, a, b string) { checkFuzzPair(t, RPM, a, b) })
}

func BenchmarkCompareRpm(b *testing.B) { benchCompare(b, RPM) }
