package osv

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source"
)

// The generic source reads the real Debian OSV export (testdata/
// debian-osv-all.zip) for the groups an admin maps; Debian:4.0 (DTSA-1-1
// kismet) is not mapped and is skipped. Expectations from the records:
func TestGenericMapped(t *testing.T) {
	want := []model.Advisory{
		// DLA-0001-1 gnutls26, Debian:6.0, fixed 2.8.6-1+squeeze4, related CVE-2014-3466
		{Source: "osv", OSGroup: "test-site:6", Package: "gnutls26", CVE: "CVE-2014-3466", FixedVersion: "2.8.6-1+squeeze4", Status: model.StatusFixed, AdvisoryID: "DLA-0001-1"},
		// DSA-135 libapache-mod-ssl, Debian:3.0, fixed 2.8.9-2, related CVE-2002-0653
		{Source: "osv", OSGroup: "debian:3.0", Package: "libapache-mod-ssl", CVE: "CVE-2002-0653", FixedVersion: "2.8.9-2", Status: model.StatusFixed, AdvisoryID: "DSA-135"},
	}
	f, err := os.Open("testdata/debian-osv-all.zip")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	g := NewGeneric(Mapping{"Debian:6.0": "test-site:6", "Debian:3.0": "debian:3.0"})
	if g.Name() != "osv" || len(g.Locations()) != 0 {
		t.Errorf("name %q, default locations %v", g.Name(), g.Locations())
	}
	var got []model.Advisory
	err = g.Parse(context.Background(), source.Document{Name: "all.zip", Body: f}, func(a model.Advisory) error {
		got = append(got, a)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	less := func(a, b model.Advisory) bool { return a.Package < b.Package }
	if diff := cmp.Diff(want, got, cmpopts.SortSlices(less),
		cmpopts.IgnoreFields(model.Advisory{}, "Description", "Note", "Published", "Severity")); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
}

func TestGenericWithoutMapping(t *testing.T) {
	err := NewGeneric(nil).Parse(context.Background(), source.Document{Name: "all.zip", Body: strings.NewReader("{}")},
		func(model.Advisory) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "--osv-map") {
		t.Errorf("error %v, want one naming --osv-map", err)
	}
}
