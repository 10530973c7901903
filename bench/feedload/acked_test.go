package main

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestExpected(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	a, b, c := setID{10, "a"}, setID{11, "b"}, setID{12, "c"}
	rec := func(s setID, sent, acked int) Acked {
		return Acked{Host: "h", Packages: s.Packages, PackageSetHash: s.Hash, Sent: at(sent), Acked: at(acked)}
	}
	for _, tc := range []struct {
		name string
		recs []Acked
		want []setID
	}{
		{"one report", []Acked{rec(a, 0, 5)}, []setID{a}},
		{"sequential: the last one", []Acked{rec(a, 0, 5), rec(b, 6, 9), rec(c, 10, 12)}, []setID{c}},
		{"sequential, listed out of order", []Acked{rec(c, 10, 12), rec(a, 0, 5), rec(b, 6, 9)}, []setID{c}},
		{"the last two overlap: either", []Acked{rec(a, 0, 5), rec(b, 6, 12), rec(c, 8, 10)}, []setID{b, c}},
		{"a long one overlaps all", []Acked{rec(a, 0, 20), rec(b, 2, 4), rec(c, 6, 8)}, []setID{a, c}},
		{"same set twice", []Acked{rec(a, 0, 5), rec(a, 3, 7)}, []setID{a}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := expected(tc.recs)["h"]
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("expected sets (-want +got):\n%s", d)
			}
		})
	}
}

func TestAckedRoundTrip(t *testing.T) {
	recs := []Acked{
		{Host: "a.example.org", Site: "BENCH", Phase: "new-set", Server: "http://127.0.0.1:1/feed/", Packages: 3, PackageSetHash: "ab",
			Sent: time.Date(2026, 1, 1, 0, 0, 0, 1, time.UTC), Acked: time.Date(2026, 1, 1, 0, 0, 0, 2, time.UTC)},
		{Host: "b.example.org", Site: "X", Phase: "unchanged", Server: "http://127.0.0.1:2/feed/", Packages: 4, PackageSetHash: "cd"},
	}
	var buf bytes.Buffer
	if err := writeAcked(&buf, recs); err != nil {
		t.Fatal(err)
	}
	got, err := readAcked(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(recs, got); d != "" {
		t.Errorf("read back (-want +got):\n%s", d)
	}
	if _, err := readAcked(bytes.NewBufferString("{\"host\":\"\"}\n")); err == nil {
		t.Error("a line without host was accepted")
	}
}
