package osv

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source/sourcetest"
)

func convertJSON(t *testing.T, doc string) ([]model.Advisory, Stats) {
	t.Helper()
	var got []model.Advisory
	st, err := Parse(context.Background(), strings.NewReader(doc), "doc.json", &Options{Source: "test", Mapping: testMapping},
		func(a model.Advisory) error {
			checkAdvisory(t, a)
			got = append(got, a)
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	return got, st
}

// TestConvertRealRecords: expectations written from the vendor files.
func TestConvertRealRecords(t *testing.T) {
	for _, tc := range []struct {
		file string
		want []model.Advisory
	}{
		// RLSA-2021:3891 "Important: java-11-openjdk security update",
		// related CVE-2021-35550 ... CVE-2021-35603 (10 ids), Rocky Linux:8
		// java-11-openjdk fixed "1:11.0.13.0.8-1.el8_4", modified
		// 2023-02-02T14:11:02.724098Z. The first and last records:
		{"RLSA-2021_3891.json", []model.Advisory{
			{Source: "test", OSGroup: "rocky:8", Package: "java-11-openjdk", CVE: "CVE-2021-35550",
				FixedVersion: "1:11.0.13.0.8-1.el8_4", Status: model.StatusFixed, Severity: "important",
				AdvisoryID: "RLSA-2021:3891", Description: "Important: java-11-openjdk security update",
				Published: time.Date(2023, 2, 2, 14, 11, 2, 724098000, time.UTC)},
			{Source: "test", OSGroup: "rocky:8", Package: "java-11-openjdk", CVE: "CVE-2021-35603",
				FixedVersion: "1:11.0.13.0.8-1.el8_4", Status: model.StatusFixed, Severity: "important",
				AdvisoryID: "RLSA-2021:3891", Description: "Important: java-11-openjdk security update",
				Published: time.Date(2023, 2, 2, 14, 11, 2, 724098000, time.UTC)},
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			got, _ := convertJSON(t, string(sourcetest.Testdata(t, tc.file)))
			if len(got) != 10 {
				t.Fatalf("%d records, want 10 (one per related CVE)", len(got))
			}
			if diff := cmp.Diff(tc.want, []model.Advisory{got[0], got[len(got)-1]}); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestConvertRules covers the rules with records CONSTRUCTED from the real
// RLSA-2023:0005 (bcel, Rocky Linux:9, CVE-2022-42920, fixed
// 0:6.4.1-9.el9_1): the real files have no withdrawn, unfixed,
// last_affected, introduced-not-0 or CVE-less case of this shape, so each
// case changes one field of that record.
func TestConvertRules(t *testing.T) {
	const base = `"summary":"Important: bcel security update","modified":"2023-01-02T00:00:00Z",`
	pkg := func(eco, events string) string {
		return `{"package":{"ecosystem":"` + eco + `","name":"bcel"},"ranges":[{"type":"ECOSYSTEM","events":[` + events + `]}]}`
	}
	fixed := pkg("Rocky Linux:9", `{"introduced":"0"},{"fixed":"0:6.4.1-9.el9_1"}`)
	rec := func(a model.Advisory) model.Advisory {
		a.Source, a.OSGroup, a.Package = "test", "rocky:9", "bcel"
		if a.Severity == "" {
			a.Severity = "important"
		}
		a.Description = "Important: bcel security update"
		a.Published = time.Date(2023, 1, 2, 0, 0, 0, 0, time.UTC)
		return a
	}
	for _, tc := range []struct {
		name, doc string
		want      []model.Advisory
		skipped   string
	}{
		{"as published", `{"id":"RLSA-2023:0005",` + base + `"related":["CVE-2022-42920"],"affected":[` + fixed + `]}`,
			[]model.Advisory{rec(model.Advisory{CVE: "CVE-2022-42920", FixedVersion: "0:6.4.1-9.el9_1", Status: model.StatusFixed, AdvisoryID: "RLSA-2023:0005"})}, ""},
		{"withdrawn", `{"id":"RLSA-2023:0005","withdrawn":"2023-02-01T00:00:00Z",` + base + `"related":["CVE-2022-42920"],"affected":[` + fixed + `]}`,
			nil, SkipWithdrawn},
		{"aliases win over related", `{"id":"RLSA-2023:0005",` + base + `"aliases":["CVE-2022-0001"],"related":["CVE-2022-42920"],"affected":[` + fixed + `]}`,
			[]model.Advisory{rec(model.Advisory{CVE: "CVE-2022-0001", FixedVersion: "0:6.4.1-9.el9_1", Status: model.StatusFixed, AdvisoryID: "RLSA-2023:0005"})}, ""},
		{"no CVE: the advisory id stands for it", `{"id":"RLSA-2023:0005",` + base + `"related":["RHSA-2023:0001"],"affected":[` + fixed + `]}`,
			[]model.Advisory{rec(model.Advisory{CVE: "RLSA-2023:0005", FixedVersion: "0:6.4.1-9.el9_1", Status: model.StatusFixed, AdvisoryID: "RLSA-2023:0005"})}, ""},
		{"per-CVE record has no advisory id", `{"id":"CVE-2022-42920",` + base + `"affected":[` + fixed + `]}`,
			[]model.Advisory{rec(model.Advisory{CVE: "CVE-2022-42920", FixedVersion: "0:6.4.1-9.el9_1", Status: model.StatusFixed})}, ""},
		{"unfixed", `{"id":"RLSA-2023:0005",` + base + `"related":["CVE-2022-42920"],"affected":[` + pkg("Rocky Linux:9", `{"introduced":"0"}`) + `]}`,
			[]model.Advisory{rec(model.Advisory{CVE: "CVE-2022-42920", Status: model.StatusAffected, AdvisoryID: "RLSA-2023:0005"})}, ""},
		{"last_affected", `{"id":"RLSA-2023:0005",` + base + `"related":["CVE-2022-42920"],"affected":[` + pkg("Rocky Linux:9", `{"introduced":"0"},{"last_affected":"0:6.4.1-8.el9"}`) + `]}`,
			[]model.Advisory{rec(model.Advisory{CVE: "CVE-2022-42920", Status: model.StatusAffected, AdvisoryID: "RLSA-2023:0005", Note: "last affected 0:6.4.1-8.el9"})}, ""},
		{"introduced kept in note", `{"id":"RLSA-2023:0005",` + base + `"related":["CVE-2022-42920"],"affected":[` + pkg("Rocky Linux:9", `{"introduced":"0:6.4.1-1.el9"},{"fixed":"0:6.4.1-9.el9_1"}`) + `]}`,
			[]model.Advisory{rec(model.Advisory{CVE: "CVE-2022-42920", FixedVersion: "0:6.4.1-9.el9_1", Status: model.StatusFixed, AdvisoryID: "RLSA-2023:0005", Note: "introduced 0:6.4.1-1.el9"})}, ""},
		{"re-opened range is affected", `{"id":"RLSA-2023:0005",` + base + `"related":["CVE-2022-42920"],"affected":[` + pkg("Rocky Linux:9", `{"introduced":"0"},{"fixed":"0:6.4.1-9.el9_1"},{"introduced":"0:6.5-1.el9"}`) + `]}`,
			[]model.Advisory{rec(model.Advisory{CVE: "CVE-2022-42920", Status: model.StatusAffected, AdvisoryID: "RLSA-2023:0005",
				Note: "fixed in 0:6.4.1-9.el9_1 for an earlier range only; introduced 0:6.5-1.el9"})}, ""},
		{"two fixed builds: the lowest, rpm order", `{"id":"RLSA-2023:0005",` + base + `"related":["CVE-2022-42920"],"affected":[` +
			pkg("Rocky Linux:9", `{"introduced":"0"},{"fixed":"0:6.4.1-9.el9_1.rocky"}`) + `,` + fixed + `]}`,
			[]model.Advisory{rec(model.Advisory{CVE: "CVE-2022-42920", FixedVersion: "0:6.4.1-9.el9_1", Status: model.StatusFixed, AdvisoryID: "RLSA-2023:0005",
				Note: "also fixed in 0:6.4.1-9.el9_1.rocky"})}, ""},
		{"unmapped ecosystem", `{"id":"RLSA-2023:0005",` + base + `"related":["CVE-2022-42920"],"affected":[` + pkg("Rocky Linux:7", `{"introduced":"0"},{"fixed":"0:6.4.1-9.el7"}`) + `]}`,
			nil, `unmapped ecosystem "Rocky Linux:7"`},
		{"severity word of a severity entry", `{"id":"RLSA-2023:0005",` + base + `"severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N"},{"type":"Ubuntu","score":"Medium"}],"related":["CVE-2022-42920"],"affected":[` + fixed + `]}`,
			[]model.Advisory{rec(model.Advisory{CVE: "CVE-2022-42920", FixedVersion: "0:6.4.1-9.el9_1", Status: model.StatusFixed, AdvisoryID: "RLSA-2023:0005", Severity: "medium"})}, ""},
		{"versions only", `{"id":"RLSA-2023:0005",` + base + `"related":["CVE-2022-42920"],"affected":[{"package":{"ecosystem":"Rocky Linux:9","name":"bcel"},"versions":["0:6.4.1-8.el9"]}]}`,
			nil, "affected entry with versions[] only"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, st := convertJSON(t, tc.doc)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if tc.skipped != "" && st.Skipped[tc.skipped] != 1 {
				t.Errorf("skipped %v, want one %q", st.Skipped, tc.skipped)
			}
		})
	}
}

func TestSummaryModule(t *testing.T) {
	for in, want := range map[string]string{
		"Important: squid:4 security update":                              "squid:4",                   // ALSA-2024:0046
		"Moderate: ruby:3.3 security, bug fix, and enhancement update":    "ruby:3.3",                  // RLSA-2024:3671
		"container-tools:rhel8 security, bug fix, and enhancement update": "container-tools:rhel8",     // ALEA-2022:0352
		"Important: javapackages-tools:201801 security update":            "javapackages-tools:201801", // RLSA-2025:9318
		"Moderate: virt:rhel and virt-devel:rhel security update":         "",                          // two streams
		"Important: kernel security update":                               "",
	} {
		if got := summaryModule(in); got != want {
			t.Errorf("summaryModule(%q) = %q, want %q", in, got, want)
		}
	}
}
