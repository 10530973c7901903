package ubuntu

import (
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/testenv"
)

// snapshotPath is the whole 2020 tracker snapshot in the shared data.
func snapshotPath(t testing.TB) string {
	t.Helper()
	return filepath.Join(testenv.SharedDir(t), "data/feeds/ubuntu/uct-2020-04-active-retired-ignored.tar.gz")
}

// parseSnapshot parses the whole snapshot, handing every record to emit.
func parseSnapshot(t testing.TB, emit func(model.Advisory) error) Stats {
	t.Helper()
	f, err := os.Open(snapshotPath(t))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	st, err := ParseTar(context.Background(), zr, emit)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestWholeSnapshot parses the whole 2020 snapshot. The expected counts
// come from the files, not from this parser: `tar tzf` lists 6,509 +
// 26,422 + 195 CVE-* files in active/, retired/ and ignored/, 9 of them
// placeholders (retired/CVE-2006-NNN0...) without a real Candidate; and
// grep '^bionic_' over all of them counts, by status word, 7,434 released,
// 11,403 not-affected, 2,067 needed, 87 pending, 513 deferred, 3,455
// needs-triage, 999 ignored and 18,303 DNE. One released line has no
// readable version: "bionic_wesnoth-1.12: released
// (1:1.12_1.12.6-1+deb9u1build0.18.04.1)" (active/CVE-2018-1999023; "_"
// is not a version character), so 7,433 fixed records.
//
// Pro twins (trackerTwin): a script over the files (not this parser)
// pairs each "trusty/esm_PKG: released (...)" and "precise/esm_PKG:
// released (...)" line with the file's trusty_PKG / precise_PKG line:
// trusty's is ignored 412 times, needed once, absent 49 times; precise's
// ignored 129 times, absent 678 times (fixed or not-affected otherwise).
// So 412+1+49+129+678 = 1,269 ubuntu-without-esm-infra records, and the
// 412+1+129 = 542 release lines they carry are not records of their own.
// The same script finds one precise/esm_ fix later than precise's own
// fix (retired/CVE-2012-2372, linux: 3.2.0-29.46 then 3.2.0-60.91; every
// other pair repeats the release's version or is older), so one
// ubuntu-later-esm-infra record (prolater.go).
func TestWholeSnapshot(t *testing.T) {
	if testing.Short() {
		t.Skip("the whole snapshot takes seconds")
	}
	bionic := map[model.Status]int{}
	byOrigin := map[string]int{}
	st := parseSnapshot(t, func(a model.Advisory) error {
		checkAdvisory(t, a)
		byOrigin[a.Source]++
		if a.OSGroup == "ubuntu:18.04" && a.Source == OriginTracker {
			bionic[a.Status]++
		}
		return nil
	})
	t.Logf("%s", st)
	t.Logf("origins %v", byOrigin)
	if st.Files != 6509+26422+195 || st.CVEs != st.Files-9 {
		t.Errorf("files %d, CVEs %d; want %d and %d", st.Files, st.CVEs, 6509+26422+195, 6509+26422+195-9)
	}
	if n := bionic[model.StatusEndOfLife] + bionic[model.StatusWillNotFix]; n != 999 {
		t.Errorf("bionic ignored lines gave %d records, want 999", n)
	}
	delete(bionic, model.StatusEndOfLife)
	delete(bionic, model.StatusWillNotFix)
	want := map[model.Status]int{
		model.StatusFixed:        7433,
		model.StatusNotAffected:  11403,
		model.StatusAffected:     2067 + 87,
		model.StatusFixDeferred:  513,
		model.StatusUndetermined: 3455,
	}
	if diff := cmp.Diff(want, bionic); diff != "" {
		t.Errorf("bionic records by status (-want +got):\n%s", diff)
	}
	twins := WithoutPro(OriginESMInfra)
	if byOrigin[twins] != 1269 || st.Skipped[skipCarriedByTwin] != 542 {
		t.Errorf("%d %s records and %d release lines carried by them, want 1269 and 542", byOrigin[twins], twins, st.Skipped[skipCarriedByTwin])
	}
	later := ProLater(OriginESMInfra)
	if byOrigin[later] != 1 {
		t.Errorf("%d %s records, want 1 (retired/CVE-2012-2372)", byOrigin[later], later)
	}
	if st.Records != byOrigin[OriginTracker]+byOrigin[OriginESMInfra]+byOrigin[twins]+byOrigin[later] {
		t.Errorf("records of origins other than ubuntu-tracker, ubuntu-esm-infra and its twins: %v", byOrigin)
	}
}
