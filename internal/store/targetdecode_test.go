package store

import (
	"context"
	"testing"
)

// TestDecodedNamesFollowCatalogueGenerations: the host reads hold a
// package's names by catalogue id for one catalogue generation. The
// collection deletes packages and counts a new generation in one
// transaction, after which SQLite may give a new package a deleted one's
// id. Such a reuse is constructed here by renaming the id's row (the
// engine never rewrites a package row) and dropping the decoded targets
// (a reused id belongs to a new target: the old one was deleted first).
// Within the generation the names held are shown; after a new one, the
// row's.
func TestDecodedNamesFollowCatalogueGenerations(t *testing.T) {
	st := evSetup(t)
	ctx := context.Background()
	version := func() string {
		t.Helper()
		fs, err := st.s.HostFindings(ctx, AllSites(), "ev.example.org", false)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			if f.Package == "libssl1.1" {
				return f.Version
			}
		}
		t.Fatalf("no libssl1.1 finding in %v", fs)
		return ""
	}
	if v := version(); v != "1.1.1n-0+deb11u3" {
		t.Fatalf("libssl1.1 at %s, want the reported 1.1.1n-0+deb11u3", v)
	}
	if _, err := st.s.w.ExecContext(ctx, `UPDATE packages SET version = '1.1.1n-0+deb11u9', source_version = '1.1.1n-0+deb11u9'
		WHERE id = $1`, st.ids["libssl1.1"]); err != nil {
		t.Fatal(err)
	}
	st.s.decoded.forget()
	if v := version(); v != "1.1.1n-0+deb11u3" {
		t.Fatalf("libssl1.1 at %s within the generation: the names were not held", v)
	}
	if _, err := st.s.w.ExecContext(ctx, `INSERT INTO catalogue_gc (id, generation) VALUES (1, 1)
		ON CONFLICT (id) DO UPDATE SET generation = catalogue_gc.generation + 1`); err != nil {
		t.Fatal(err)
	}
	st.s.decoded.forget()
	if v := version(); v != "1.1.1n-0+deb11u9" {
		t.Errorf("libssl1.1 at %s after a new catalogue generation, want the row's 1.1.1n-0+deb11u9", v)
	}
}
