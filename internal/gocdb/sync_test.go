package gocdb

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/testdb"
)

// TestSync: a dry run shows the changes and keeps none; the import makes
// the NGIs, sites, users and grants; a second import changes nothing; an
// import without a contact removes that user; users made by hand are
// never touched.
func TestSync(t *testing.T) {
	ctx := context.Background()
	st := testdb.Open(t)
	if err := st.AddUser(ctx, store.User{Name: "local-admin", Role: store.RoleAdmin}, ""); err != nil {
		t.Fatal(err)
	}
	// A local user with the name (DN) of a GOCDB contact stays local.
	if err := st.AddUser(ctx, store.User{Name: "/C=00/O=00000/OU=000000/CN=Ana Novak", Role: store.RoleViewer}, ""); err != nil {
		t.Fatal(err)
	}
	all := readAll(t, "get_site.xml", "get_site_contacts.xml", "get_roc_contacts.xml", "get_user.xml").Store("EGI")
	const dn = "/C=00/O=00000/OU=000000/CN="
	want := []string{
		"+ group EGI", "+ group NGI_CZ", "~ group NGI_CZ under EGI", "+ group NGI_SI", "~ group NGI_SI under EGI",
		"+ site Brno-Grid", "~ site Brno-Grid in NGI_CZ", "+ site Izola MRF", "~ site Izola MRF in NGI_SI",
		"+ site Ljubljana-HPC", "~ site Ljubljana-HPC in NGI_SI", "+ site Ostrava-Lab", "~ site Ostrava-Lab in NGI_CZ",
		"! user " + dn + "Ana Novak is local, not from gocdb: left alone",
		"+ user " + dn + "Gwei Jai (viewer)", "+ grant " + dn + "Gwei Jai -> Izola MRF", "+ grant " + dn + "Gwei Jai -> NGI_SI",
		"+ user " + dn + "Lena Berg (csirt)",
		"+ user " + dn + "Petr Kral (viewer)", "+ grant " + dn + "Petr Kral -> NGI_CZ",
		"+ user " + dn + "Yuki Tsunoda (viewer)", "+ grant " + dn + "Yuki Tsunoda -> Izola MRF",
	}
	got, err := st.SyncDirectory(ctx, all, true)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("dry run (-want +got):\n%s", diff)
	}
	if users, _ := st.Users(ctx); len(users) != 2 {
		t.Errorf("the dry run kept users: %d, want the 2 local ones", len(users))
	}
	if groups, _ := st.Groups(ctx); len(groups) != 0 {
		t.Errorf("the dry run kept groups: %v", groups)
	}
	if got, err := st.SyncDirectory(ctx, all, false); err != nil || !cmp.Equal(want, got) {
		t.Fatalf("import: %v\n%s", err, cmp.Diff(want, got))
	}
	if got, err := st.SyncDirectory(ctx, all, false); err != nil || len(got) != 1 {
		t.Errorf("second import: %v %v, want only the local user's note", got, err)
	}
	// What the users see: Gwei sees Izola MRF and NGI_SI's sites.
	u, _, err := st.UserByDN(ctx, dn+"Gwei Jai")
	if err != nil || u.Origin != store.OriginGOCDB || !slices.Equal(u.Grants, []string{"Izola MRF", "NGI_SI"}) {
		t.Errorf("Gwei: %+v %v", u, err)
	}
	sc, _ := st.UserScope(ctx, u)
	sites, _ := st.Sites(ctx, sc)
	var names []string
	for _, s := range sites {
		names = append(names, s.Name)
	}
	if !slices.Equal(names, []string{"Izola MRF", "Ljubljana-HPC"}) {
		t.Errorf("Gwei sees %v", names)
	}
	// Yuki is no longer a contact and Gwei no longer NGI_SI's: removed.
	rd := NewReader(DefaultRoles)
	for _, f := range []string{"get_site.xml", "get_roc_contacts.xml"} {
		fh, err := os.Open("testdata/" + f)
		if err != nil {
			t.Fatal(err)
		}
		defer fh.Close()
		if err := rd.Read(f, fh); err != nil {
			t.Fatal(err)
		}
	}
	got, err = st.SyncDirectory(ctx, rd.Directory().Store("EGI"), false)
	if err != nil {
		t.Fatal(err)
	}
	want = []string{"- user " + dn + "Gwei Jai", "- user " + dn + "Lena Berg", "- user " + dn + "Yuki Tsunoda"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after contacts left (-want +got):\n%s", diff)
	}
	users, _ := st.Users(ctx)
	var left []string
	for _, u := range users {
		left = append(left, u.Name)
	}
	if !slices.Equal(left, []string{"/C=00/O=00000/OU=000000/CN=Ana Novak", dn + "Petr Kral", "local-admin"}) {
		t.Errorf("users left: %v", left)
	}
	if !strings.HasPrefix(left[0], "/C=00") {
		t.Errorf("the local user went: %v", left)
	}
}
