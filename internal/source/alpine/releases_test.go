package alpine

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestOSGroup(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"v3.20", "alpine:3.20", true},
		{"v3.3", "alpine:3.3", true},
		{"edge", "alpine:edge", true},
		{"v4.0", "alpine:4.0", true},
		{"3.20", "", false},
		{"v3", "", false},
		{"v3.20.1", "", false},
		{"V3.20", "", false},
		{"", "", false},
	} {
		got, ok := OSGroup(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("OSGroup(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestLocations(t *testing.T) {
	want := []string{
		"https://secdb.alpinelinux.org/v3.22/main.json",
		"https://secdb.alpinelinux.org/v3.22/community.json",
		"https://secdb.alpinelinux.org/v3.23/main.json",
		"https://secdb.alpinelinux.org/v3.23/community.json",
	}
	if diff := cmp.Diff(want, New().Locations()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	got, err := URLs("v3.10", "3.16", "alpine:3.20", "edge")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 8 || got[2] != "https://secdb.alpinelinux.org/v3.16/main.json" || got[7] != "https://secdb.alpinelinux.org/edge/community.json" {
		t.Errorf("URLs: %q", got)
	}
	if _, err := URLs("bookworm"); err == nil {
		t.Error("URLs(bookworm): no error")
	}
}

func TestBranchTable(t *testing.T) {
	for i, b := range Branches {
		if _, ok := OSGroup(b.Name); !ok || !b.Released.Before(b.MainEOL) {
			t.Errorf("branch %+v", b)
		}
		if i > 0 && !Branches[i-1].Released.Before(b.Released) {
			t.Errorf("branches out of order at %s", b.Name)
		}
	}
}
