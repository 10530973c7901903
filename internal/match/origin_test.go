package match_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source/debian"
	"github.com/pakiti-go/pakiti/internal/store"
)

// parsed returns the records of a document the real Debian parsers emit
// for one CVE in one OS group.
func parsed(t *testing.T, parse func(context.Context, *strings.Reader, func(model.Advisory) error) error, text, cve, group string) []model.Advisory {
	t.Helper()
	var out []model.Advisory
	err := parse(context.Background(), strings.NewReader(text), func(a model.Advisory) error {
		if a.CVE == cve && a.OSGroup == group {
			a.Description = ""
			out = append(out, a)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 {
		t.Fatalf("%d records of %s in %s, want 1", len(out), cve, group)
	}
	return out
}

func trackerJSON(ctx context.Context, r *strings.Reader, emit func(model.Advisory) error) error {
	_, err := debian.ParseTrackerJSON(ctx, r, emit)
	return err
}

func dsaList(ctx context.Context, r *strings.Reader, emit func(model.Advisory) error) error {
	_, err := debian.ParseAdvisoryList(ctx, r, "DSA", emit)
	return err
}

func dlaList(ctx context.Context, r *strings.Reader, emit func(model.Advisory) error) error {
	_, err := debian.ParseAdvisoryList(ctx, r, "DLA", emit)
	return err
}

func cveList(ctx context.Context, r *strings.Reader, emit func(model.Advisory) error) error {
	_, err := debian.ParseCVEList(ctx, r, emit)
	return err
}

// TestOriginPrecedence checks, pair by pair, that for one CVE only the
// records of the best origin count: tracker JSON, then CVE list, then the
// DSA and DLA lists (equal). Each case runs with the records in both
// orders, so that two origins ranked equal (the first record kept) or the
// wrong way round fail.
func TestOriginPrecedence(t *testing.T) {
	const (
		chromiumFix = "98.0.4758.80-1~deb11u1"
		// bullseye's own chromium, per the tracker JSON's "repositories"
		chromiumInstalled = "90.0.4430.212-1"
		// DSA-5169-1 [buster] - openssl 1.1.1n-0+deb10u3
		opensslBuster = "1.1.1n-0+deb10u3"
	)
	// Real: tracker JSON (vunnel_debian.json) chromium CVE-2022-0456
	// bullseye resolved 98.0.4758.80-1~deb11u1, urgency "not yet assigned".
	tracker := parsed(t, trackerJSON, testdata(t, "vunnel_debian.json"), "CVE-2022-0456", bullseye)
	// Real: DSA-5068-1 chromium {... CVE-2022-0456 ...} [bullseye] - chromium 98.0.4758.80-1~deb11u1
	dsa := parsed(t, dsaList, dsaEntry(t, testdata(t, "DSA-list.excerpt.txt"), "DSA-5068-1"), "CVE-2022-0456", bullseye)
	// Constructed: no real CVE list entry of CVE-2022-0456 is in our data
	// (the salsa excerpt holds 7 other entries); the [bullseye] line says
	// what the tracker's JSON says.
	cveFixed := parsed(t, cveList, "CVE-2022-0456 (constructed entry, see the test)\n"+
		"\t{DSA-5068-1}\n\t- chromium 98.0.4758.80-1\n\t[bullseye] - chromium "+chromiumFix+"\n", "CVE-2022-0456", bullseye)
	// Constructed, disagreeing: bullseye never affected.
	cveNotAffected := parsed(t, cveList, "CVE-2022-0456 (constructed entry, see the test)\n"+
		"\t- chromium 98.0.4758.80-1\n\t[bullseye] - chromium <not-affected> (constructed)\n", "CVE-2022-0456", bullseye)
	// Real: DLA-3325-1 openssl {CVE-2022-2097 ...} [buster] - openssl 1.1.1n-0+deb10u4
	dla := parsed(t, dlaList, "[20 Feb 2023] DLA-3325-1 openssl - security update\n"+
		"\t{CVE-2022-2097 CVE-2022-4304 CVE-2022-4450 CVE-2023-0215 CVE-2023-0286}\n"+
		"\t[buster] - openssl 1.1.1n-0+deb10u4\n", "CVE-2022-2097", "debian:10")
	// Constructed buster counterparts of DLA-3325-1 (no tracker JSON or CVE
	// list record of CVE-2022-2097 is in our data; no DSA fixed it in buster,
	// so the DSA record, a later fix, has no advisory id).
	busterTracker := []model.Advisory{{Source: debian.SourceTracker, OSGroup: "debian:10", Package: "openssl",
		CVE: "CVE-2022-2097", FixedVersion: "1.1.1n-0+deb10u4", Status: model.StatusFixed, Severity: "low"}}
	busterCVEList := []model.Advisory{{Source: debian.SourceCVEList, OSGroup: "debian:10", Package: "openssl",
		CVE: "CVE-2022-2097", FixedVersion: "1.1.1n-0+deb10u4", Status: model.StatusFixed}}
	busterDSA := []model.Advisory{{Source: debian.SourceDSA, OSGroup: "debian:10", Package: "openssl",
		CVE: "CVE-2022-2097", FixedVersion: "1.1.1n-0+deb10u5", Status: model.StatusFixed}}

	trackerVerdict := store.Verdict{CVE: "CVE-2022-0456", Status: model.StatusFixed, FixedVersion: chromiumFix,
		Severity: "not yet assigned", Origin: "debian-tracker"}
	cveListVerdict := store.Verdict{CVE: "CVE-2022-0456", Status: model.StatusFixed, FixedVersion: chromiumFix,
		Origin: "debian-cve-list"}
	dlaVerdict := store.Verdict{CVE: "CVE-2022-2097", Status: model.StatusFixed, FixedVersion: "1.1.1n-0+deb10u4",
		AdvisoryID: "DLA-3325-1", Origin: "debian-dla"}

	tests := []struct {
		name      string
		installed string
		a, b      []model.Advisory
		want      []store.Verdict
	}{
		{"tracker JSON over DSA list", chromiumInstalled, tracker, dsa, []store.Verdict{trackerVerdict}},
		{"tracker JSON over CVE list", chromiumInstalled, tracker, cveFixed, []store.Verdict{trackerVerdict}},
		{"CVE list over DSA list", chromiumInstalled, cveFixed, dsa, []store.Verdict{cveListVerdict}},
		{"CVE list not-affected over DSA list fixed", chromiumInstalled, cveNotAffected, dsa, nil},
		{"tracker JSON fixed over CVE list not-affected", chromiumInstalled, tracker, cveNotAffected, []store.Verdict{trackerVerdict}},
		{"tracker JSON over DLA list", opensslBuster, busterTracker, dla, []store.Verdict{{CVE: "CVE-2022-2097",
			Status: model.StatusFixed, FixedVersion: "1.1.1n-0+deb10u4", Severity: "low", Origin: "debian-tracker"}}},
		{"CVE list over DLA list", opensslBuster, busterCVEList, dla, []store.Verdict{{CVE: "CVE-2022-2097",
			Status: model.StatusFixed, FixedVersion: "1.1.1n-0+deb10u4", Origin: "debian-cve-list"}}},
		// DSA and DLA lists rank the same: the later fix decides.
		{"DSA and DLA lists equal: the later fix", opensslBuster, busterDSA, dla, []store.Verdict{{CVE: "CVE-2022-2097",
			Status: model.StatusFixed, FixedVersion: "1.1.1n-0+deb10u5", Origin: "debian-dsa"}}},
		{"the DLA alone", opensslBuster, dla, nil, []store.Verdict{dlaVerdict}},
		{"fixed at the installed version", chromiumFix, tracker, dsa, nil},
	}
	for _, tt := range tests {
		for i, recs := range [][]model.Advisory{
			append(append([]model.Advisory(nil), tt.a...), tt.b...),
			append(append([]model.Advisory(nil), tt.b...), tt.a...),
		} {
			t.Run(fmt.Sprintf("%s/order%d", tt.name, i), func(t *testing.T) {
				got := match.Verdicts(debian.Driver{}, match.Key{Version: tt.installed}, recs)
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			})
		}
	}
}

// TestOriginPrecedenceThroughStore checks the same precedence end to end
// through an import: tracker JSON and DSA list records of CVE-2022-0456 in
// force together, the finding cites the tracker.
func TestOriginPrecedenceThroughStore(t *testing.T) {
	f := newFixture(t)
	f.importDebian(testdata(t, "vunnel_debian.json"), dsaEntry(t, testdata(t, "DSA-list.excerpt.txt"), "DSA-5068-1"))
	f.report("c1.example.org", "", []model.Package{pkg("chromium", "90.0.4430.212-1", "chromium", "90.0.4430.212-1")})
	var origins = map[string]string{}
	for _, fd := range f.findings("c1.example.org", false) {
		origins[fd.CVE] = fd.Origin + " " + fd.AdvisoryID + " " + fd.FixedVersion
	}
	// DSA-5068-1 lists 20 ids; the tracker excerpt knows only CVE-2022-0456
	// of them, so the other 19 come from the DSA list.
	if len(origins) != 20 {
		t.Errorf("%d CVEs, want 20 (DSA-5068-1): %v", len(origins), origins)
	}
	if got, want := origins["CVE-2022-0456"], "debian-tracker  98.0.4758.80-1~deb11u1"; got != want {
		t.Errorf("CVE-2022-0456: %q, want %q", got, want)
	}
	if got, want := origins["CVE-2022-0452"], "debian-dsa DSA-5068-1 98.0.4758.80-1~deb11u1"; got != want {
		t.Errorf("CVE-2022-0452: %q, want %q", got, want)
	}
}
