package gocdb

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func readAll(t *testing.T, files ...string) Directory {
	t.Helper()
	rd := NewReader(DefaultRoles)
	for _, f := range files {
		fh, err := os.Open("testdata/" + f)
		if err != nil {
			t.Fatal(err)
		}
		err = rd.Read(f, fh)
		fh.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	return rd.Directory()
}

// TestRead: the four answers together, expectations written by hand from
// the fixtures: site roles grant the site (Site Security Officer, Site
// Operations Deputy Manager; not Site Director), NGI roles the NGI (NGI
// Security Officer, NGI Operations Manager; not Regional Staff (ROD)), EGI
// CSIRT Officer is csirt; a contact without a DN is nobody.
func TestRead(t *testing.T) {
	const dn = "/C=00/O=00000/OU=000000/CN="
	want := Directory{
		NGIs: []string{"NGI_CZ", "NGI_SI"},
		Sites: []Site{
			{"Brno-Grid", "NGI_CZ"}, {"Izola MRF", "NGI_SI"}, {"Ljubljana-HPC", "NGI_SI"}, {"Ostrava-Lab", "NGI_CZ"},
		},
		Users: []User{
			{DN: dn + "Ana Novak", Name: "Ana Novak", Grants: []string{"Brno-Grid"}},
			{DN: dn + "Gwei Jai", Name: "Gwei Jai", Grants: []string{"Izola MRF", "NGI_SI"}},
			{DN: dn + "Lena Berg", Name: "Lena Berg", CSIRT: true},
			{DN: dn + "Petr Kral", Name: "Petr Kral", Grants: []string{"NGI_CZ"}},
			{DN: dn + "Yuki Tsunoda", Name: "Yuki Tsunoda", Grants: []string{"Izola MRF"}},
		},
	}
	got := readAll(t, "get_site.xml", "get_site_contacts.xml", "get_roc_contacts.xml", "get_user.xml")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("directory (-want +got):\n%s", diff)
	}
	// The order of the answers does not matter.
	if diff := cmp.Diff(want, readAll(t, "get_user.xml", "get_roc_contacts.xml", "get_site_contacts.xml", "get_site.xml")); diff != "" {
		t.Errorf("in another order (-want +got):\n%s", diff)
	}
}

func TestReadRefuses(t *testing.T) {
	for _, doc := range []string{"", "<html><body>login</body></html>", "<results></results>", "<results><SITE><SHORT_NAME> </SHORT_NAME></SITE></results>"} {
		if err := NewReader(DefaultRoles).Read("x", strings.NewReader(doc)); err == nil {
			t.Errorf("%q: accepted", doc)
		}
	}
}
