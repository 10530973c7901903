package debian

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/jsontok"
	"github.com/pakiti-go/pakiti/internal/model"
)

// TestTrackerStatus checks the status mapping on release objects taken from
// the real excerpts in testdata (file, package, CVE and release named).
func TestTrackerStatus(t *testing.T) {
	type want struct {
		Status model.Status
		Fixed  string
		Note   string
		Skip   string
	}
	for _, tc := range []struct {
		origin string
		in     trackerRelease
		want   want
	}{
		{
			`vunnel_debian.json prototypejs CVE-2008-7220 stretch: "status": "resolved", "fixed_version": "1.6.0.2-1", "urgency": "high**"`,
			trackerRelease{Status: "resolved", FixedVersion: "1.6.0.2-1", Urgency: "high**"},
			want{Status: model.StatusFixed, Fixed: "1.6.0.2-1"},
		},
		{
			`vuls-data-update_advisory.json 389-ds-base CVE-2012-0833 bullseye: "status": "resolved", "fixed_version": "0", "urgency": "unimportant"`,
			trackerRelease{Status: "resolved", FixedVersion: "0", Urgency: "unimportant"},
			want{Status: model.StatusNotAffected},
		},
		{
			`vunnel_debian.json chromium CVE-2022-0456 buster: "status": "open", "urgency": "end-of-life"`,
			trackerRelease{Status: "open", Urgency: "end-of-life"},
			want{Status: model.StatusEndOfLife},
		},
		{
			`vulnerablecode_debian.json librsync CVE-2014-8242 jessie: "status": "open", "nodsa_reason": "", "nodsa": "Minor issue, too instrusive to backport", "urgency": "low"`,
			trackerRelease{Status: "open", NoDSA: "Minor issue, too instrusive to backport", Urgency: "low"},
			want{Status: model.StatusAffected, Note: "no-dsa: Minor issue, too instrusive to backport"},
		},
		{
			`vuls-data-update_advisory.json 389-ds-base CVE-2016-5416 bullseye: "status": "open", "nodsa": "Minor issue", "nodsa_reason": "ignored"`,
			trackerRelease{Status: "open", NoDSA: "Minor issue", NoDSAReason: "ignored", Urgency: "not yet assigned"},
			want{Status: model.StatusWillNotFix, Note: "ignored: Minor issue"},
		},
		{
			`vuls-data-update_advisory.json 389-ds-base CVE-2016-5416 sid: "status": "open", "urgency": "not yet assigned"`,
			trackerRelease{Status: "open", Urgency: "not yet assigned"},
			want{Status: model.StatusAffected},
		},
		{
			`vunnel_debian.json sope CVE-2025-53603 bullseye: fixed_version "5.0.1-2+deb11u1" (repositories also list bullseye-security)`,
			trackerRelease{Status: "resolved", FixedVersion: "5.0.1-2+deb11u1", Urgency: "not yet assigned"},
			want{Status: model.StatusFixed, Fixed: "5.0.1-2+deb11u1"},
		},
		// No excerpt has these two shapes; they are what the tracker writes
		// for a <postponed> line (nodsa_reason "postponed", e.g. the CVE
		// list's "[stretch] - libcaca <postponed> (Minor issue; can be fixed
		// in next update)") and for an issue not triaged yet.
		{
			`nodsa_reason "postponed" (CVE-2021-30499 libcaca stretch in the CVE list)`,
			trackerRelease{Status: "open", NoDSA: "Minor issue; can be fixed in next update", NoDSAReason: "postponed"},
			want{Status: model.StatusFixDeferred, Note: "postponed: Minor issue; can be fixed in next update"},
		},
		{
			`status "undetermined"`,
			trackerRelease{Status: "undetermined", Urgency: "not yet assigned"},
			want{Status: model.StatusUndetermined},
		},
		{
			`end-of-life wins over no-dsa`,
			trackerRelease{Status: "open", Urgency: "end-of-life", NoDSA: "Minor issue", NoDSAReason: "ignored"},
			want{Status: model.StatusEndOfLife},
		},
		{
			`resolved wins over an end-of-life urgency`,
			trackerRelease{Status: "resolved", FixedVersion: "1.0-1", Urgency: "end-of-life"},
			want{Status: model.StatusFixed, Fixed: "1.0-1"},
		},
		{`resolved without fixed_version`, trackerRelease{Status: "resolved"}, want{Skip: skipNoFixedVersion}},
		{`unknown status`, trackerRelease{Status: "fixed"}, want{Skip: `unknown status "fixed"`}},
		{`no status`, trackerRelease{}, want{Skip: `unknown status ""`}},
	} {
		status, fixed, note, skip := trackerStatus(tc.in)
		got := want{status, fixed, note, skip}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s:\n%s", tc.origin, diff)
		}
	}
}

func TestNormUrgency(t *testing.T) {
	for in, want := range map[string]string{
		"high**":           "high", // vunnel_debian.json prototypejs
		"low**":            "low",  // vunnel_debian.json txt2man
		"medium*":          "medium",
		"not yet assigned": "not yet assigned", // vulnerablecode_debian.json atomicparsley
		"unimportant":      "unimportant",
		"end-of-life":      "end-of-life",
		" High ":           "high",
		"":                 "",
	} {
		if got := normUrgency(in); got != want {
			t.Errorf("normUrgency(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestParseTrackerJSONErrors feeds input of the wrong shape: each must fail
// with an error that says where.
func TestParseTrackerJSONErrors(t *testing.T) {
	big := `"` + strings.Repeat("x", 2*maxJSONValue) + `"` // the bound allows one read (32 KiB) of slack
	for _, tc := range []struct{ name, in, want string }{
		{"empty", ``, "tracker JSON: empty input"},
		{"top-level array", `[]`, "the top level is not an object"},
		{"top-level string", `"x"`, "the top level is not an object"},
		{"package is a string", `{"x": "y"}`, `pkg "x" is not an object`},
		{"package is an array", `{"x": []}`, `pkg "x" is not an object`},
		{"CVE is a string", `{"x": {"y": "z"}}`, `pkg "x" CVE "y": is a string, not an object`},
		{"CVE is an array", `{"x": {"y": [1]}}`, `pkg "x" CVE "y": is an array, not an object`},
		{"description is a number", `{"x": {"y": {"description": 5}}}`, `pkg "x" CVE "y": description is a number, not a string`},
		{"releases is a string", `{"x": {"y": {"releases": "bookworm"}}}`, `tracker JSON: pkg "x" CVE "y": releases is not an object`},
		{"releases is a non-empty array", `{"x": {"y": {"releases": [{}]}}}`, `pkg "x" CVE "y": releases is not an object`},
		{"release is a string", `{"x": {"y": {"releases": {"bookworm": "open"}}}}`, `pkg "x" CVE "y": release "bookworm" is not an object`},
		{"release is null", `{"x": {"y": {"releases": {"bookworm": null}}}}`, `release "bookworm" is not an object`},
		{"status is a number", `{"x": {"y": {"releases": {"bookworm": {"status": 1}}}}}`, `release "bookworm": status is a number, not a string`},
		{"fixed_version is a number", `{"x": {"y": {"releases": {"bookworm": {"status": "resolved", "fixed_version": 1.2}}}}}`, `release "bookworm": fixed_version is a number, not a string`},
		{"fixed_version with a space", `{"x": {"y": {"releases": {"bookworm": {"status": "resolved", "fixed_version": "1 2"}}}}}`, `invalid fixed_version "1 2"`},
		{"empty package name", `{"": {}}`, `invalid package name ""`},
		{"package name with a newline", `{"a\nb": {}}`, `invalid package name "a\nb"`},
		{"empty CVE id", `{"x": {"": {}}}`, `pkg "x": invalid CVE id ""`},
		{"truncated", `{"x": {"y": {"releases": {"bookworm": {"status": "op`, `pkg "x" CVE "y": unexpected end of input`},
		{"truncated between packages", `{"x": {}, `, `unexpected end of input`},
		{"syntax error", `{"x": {"y": {"releases": {"bookworm": {"status" "open"}}}}}`, `pkg "x" CVE "y": byte`},
		{"trailing data", `{} {}`, "data after the top-level object"},
		{"trailing garbage", `{} x`, "tracker JSON: byte"},
		{"huge string value", `{"x": {"y": {"description": ` + big + `}}}`, `pkg "x" CVE "y": a value is larger than`},
		{"huge key", `{` + big + `: {}}`, `tracker JSON: a value is larger than`},
		{"huge status", `{"x": {"y": {"releases": {"bookworm": {"status": "` + strings.Repeat("o", 300) + `"}}}}}`, "longer than 256 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := 0
			_, err := ParseTrackerJSON(context.Background(), strings.NewReader(tc.in), func(model.Advisory) error {
				n++
				return nil
			})
			if err == nil {
				t.Fatalf("no error; want one containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q; want it to contain %q", err, tc.want)
			}
			if n != 0 {
				t.Errorf("emitted %d records before the error", n)
			}
		})
	}
}

// TestParseTrackerJSONLenient covers input that is odd but not wrong.
func TestParseTrackerJSONLenient(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		records  int
		skipped  map[string]int
	}{
		// vunnel_debian.json: chromium-browser CVE-2022-0358 "releases": [].
		{"releases is an empty array", `{"x": {"y": {"releases": []}}}`, 0, map[string]int{skipEmptyReleases: 1}},
		{"releases is empty", `{"x": {"y": {"releases": {}}}}`, 0, map[string]int{skipEmptyReleases: 1}},
		{"no releases", `{"x": {"y": {"description": "d"}}}`, 0, map[string]int{skipEmptyReleases: 1}},
		{"CVE is null", `{"x": {"y": null}}`, 0, map[string]int{skipEmptyReleases: 1}},
		{"unknown release", `{"x": {"y": {"releases": {"experimental": {"status": "open"}, "bookworm": {"status": "open"}}}}}`, 1,
			map[string]int{`unknown release "experimental"`: 1}},
		{"unknown fields and types ignored", `{"x": {"y": {"scope": 1, "debianbug": "n", "releases": {"sid": {"status": "open", "repositories": 7, "extra": []}}}}}`, 1, nil},
		{"empty top level", `{}`, 0, nil},
		{"white space around", " \n{ } \n", 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, err := ParseTrackerJSON(context.Background(), strings.NewReader(tc.in), func(a model.Advisory) error {
				checkAdvisory(t, a)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if st.Records != tc.records {
				t.Errorf("Records = %d, want %d", st.Records, tc.records)
			}
			if diff := cmp.Diff(tc.skipped, st.Skipped); diff != "" {
				t.Errorf("Skipped (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseTrackerJSONClipsDescription(t *testing.T) {
	desc := strings.Repeat("é", maxDescription) // 2 bytes a rune
	in := `{"x": {"CVE-2024-1": {"description": "` + desc + `", "releases": {"sid": {"status": "open"}}}}}`
	var got model.Advisory
	_, err := ParseTrackerJSON(context.Background(), strings.NewReader(in), func(a model.Advisory) error {
		got = a
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Description) != maxDescription || !strings.HasPrefix(desc, got.Description) {
		t.Errorf("description clipped to %d bytes, want %d on a rune boundary", len(got.Description), maxDescription)
	}
}

func TestParseTrackerJSONStops(t *testing.T) {
	data := readAll(t, openTestdata(t, "vunnel_debian.json"))
	stop := errors.New("stop")
	n := 0
	_, err := ParseTrackerJSON(context.Background(), bytes.NewReader(data), func(model.Advisory) error {
		n++
		if n == 3 {
			return stop
		}
		return nil
	})
	if err != stop || n != 3 {
		t.Errorf("emit error: got %v after %d records, want the emit error after 3", err, n)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = ParseTrackerJSON(ctx, bytes.NewReader(data), func(model.Advisory) error { return nil })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: got %v", err)
	}
}

// endlessReader yields a prefix, then the byte fill forever, counting what
// was read.
type endlessReader struct {
	prefix string
	fill   byte
	read   int
}

func (r *endlessReader) Read(p []byte) (int, error) {
	n := copy(p, r.prefix)
	r.prefix = r.prefix[n:]
	for i := n; i < len(p); i++ {
		p[i] = r.fill
	}
	r.read += len(p)
	return len(p), nil
}

// TestParseTrackerJSONBounded: a value that never ends is rejected after
// about maxJSONValue bytes, not read until memory runs out.
func TestParseTrackerJSONBounded(t *testing.T) {
	for _, tc := range []struct {
		name   string
		prefix string
		fill   byte
	}{
		{"endless string", `{"x": {"y": {"description": "`, 'x'},
		{"endless key", `{"`, 'x'},
		{"endless white space", `{"x": {"y": `, ' '},
		{"endless array", `{"x": {"y": {"releases": {"sid": {"repositories": [`, '['},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &endlessReader{prefix: tc.prefix, fill: tc.fill}
			_, err := ParseTrackerJSON(context.Background(), r, func(model.Advisory) error { return nil })
			if err == nil {
				t.Fatal("no error")
			}
			if r.read > maxJSONValue+2*jsontok.ReadChunk {
				t.Errorf("read %d bytes before failing (%v); want at most %d", r.read, err, maxJSONValue+2*jsontok.ReadChunk)
			}
			t.Logf("%v after %d bytes", err, r.read)
		})
	}
}
