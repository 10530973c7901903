package source

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ulikunitz/xz"
)

// dsaEntry is a real entry of the Debian tracker's data/DSA/list.
const dsaEntry = "[07 Feb 2023] DSA-5343-1 openssl - security update\n\t{CVE-2022-2097 CVE-2022-4304 CVE-2022-4450 CVE-2023-0215 CVE-2023-0286}\n\t[bullseye] - openssl 1.1.1n-0+deb11u4\n"

func gz(t *testing.T, s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.Bytes()
}

func readAll(t *testing.T, f *Fetched) string {
	t.Helper()
	rc, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFetchURLConditional(t *testing.T) {
	body := gz(t, dsaEntry)
	var gets, conditional int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gets++
		if r.Header.Get("If-None-Match") == `"v1"` {
			conditional++
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Last-Modified", "Tue, 07 Feb 2023 10:00:00 GMT")
		w.Write(body)
	}))
	defer srv.Close()
	f := NewFetcher()
	f.TempDir = t.TempDir()
	got, err := f.Fetch(context.Background(), srv.URL+"/data/DSA/list.gz", Previous{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "list" || got.ETag != `"v1"` || got.Fingerprint == "" || readAll(t, got) != dsaEntry {
		t.Errorf("fetched %+v", got)
	}
	got.Close()
	if _, err := os.Stat(got.File); !os.IsNotExist(err) {
		t.Errorf("temporary download left behind: %v", err)
	}
	_, err = f.Fetch(context.Background(), srv.URL+"/data/DSA/list.gz", Previous{ETag: got.ETag, Fingerprint: got.Fingerprint})
	if !errors.Is(err, ErrNotModified) || conditional != 1 {
		t.Errorf("second fetch: %v, %d conditional requests", err, conditional)
	}
}

func TestFetchLimitsAndErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		w.Write(bytes.Repeat([]byte("x"), 2000))
	}))
	defer srv.Close()
	f := NewFetcher()
	f.TempDir, f.MaxBytes = t.TempDir(), 1000
	if _, err := f.Fetch(context.Background(), srv.URL+"/big", Previous{}); err == nil {
		t.Error("a download over the limit was accepted")
	}
	if _, err := f.Fetch(context.Background(), srv.URL+"/missing", Previous{}); err == nil {
		t.Error("a 404 was accepted")
	}
	if left, _ := os.ReadDir(f.TempDir); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestFetchFilesAndMirror(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "DSA-list.txt.gz"), gz(t, dsaEntry), 0o644)
	os.WriteFile(filepath.Join(dir, "plain"), []byte(dsaEntry), 0o644)
	os.WriteFile(filepath.Join(dir, ".hidden"), []byte("x"), 0o644)
	locs, err := Expand(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(locs) != 2 {
		t.Fatalf("mirror gave %v, want the two visible files", locs)
	}
	f := NewFetcher()
	var prints []string
	for _, l := range locs {
		got, err := f.Fetch(context.Background(), l, Previous{})
		if err != nil {
			t.Fatal(err)
		}
		if readAll(t, got) != dsaEntry {
			t.Errorf("%s: content differs after decompression", l)
		}
		prints = append(prints, got.Fingerprint)
		got.Close()
		if _, err := os.Stat(l); err != nil {
			t.Errorf("closing a local file removed it: %v", err)
		}
	}
	if prints[0] == prints[1] {
		t.Error("the gzip and the plain file have the same fingerprint: it must be of the bytes as fetched")
	}
	if _, err := Expand(filepath.Join(dir, "nope")); err == nil {
		t.Error("a missing location was accepted")
	}
	empty := t.TempDir()
	if _, err := Expand(empty); err == nil {
		t.Error("an empty mirror was accepted")
	}
}

func TestSplitGroupLocations(t *testing.T) {
	for _, tc := range []struct{ in, group, rest string }{
		{"rocky:9=/srv/repodata/updateinfo.xml.gz", "rocky:9", "/srv/repodata/updateinfo.xml.gz"},
		{"sles:15.3=https://example.org/repodata/updateinfo.xml.gz", "sles:15.3", "https://example.org/repodata/updateinfo.xml.gz"},
		{"/srv/repodata/updateinfo.xml.gz", "", "/srv/repodata/updateinfo.xml.gz"},
		{"https://example.org/a=b", "", "https://example.org/a=b"},
		{"C:=x", "", "C:=x"},
		{"rocky:9=", "", "rocky:9="},
	} {
		g, r := SplitGroup(tc.in)
		if g != tc.group || r != tc.rest {
			t.Errorf("SplitGroup(%q) = %q, %q; want %q, %q", tc.in, g, r, tc.group, tc.rest)
		}
	}
	dir := t.TempDir()
	for _, n := range []string{"b.xml", "a.xml"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("<updates/>"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	locs, err := Expand("rocky:9=" + dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"rocky:9=" + filepath.Join(dir, "a.xml"), "rocky:9=" + filepath.Join(dir, "b.xml")}
	if diff := cmp.Diff(want, locs); diff != "" {
		t.Errorf("Expand (-want +got):\n%s", diff)
	}
	f, err := NewFetcher().Fetch(context.Background(), locs[0], Previous{})
	if err != nil {
		t.Fatal(err)
	}
	if f.Location != locs[0] || f.Group != "rocky:9" || f.File != filepath.Join(dir, "a.xml") || f.Name != "a.xml" {
		t.Errorf("Fetch: %+v", f)
	}
}

// An xz file (Debian's security archive serves Packages.xz only) is
// decompressed by its magic bytes, and its name loses the suffix.
func TestFetchXZ(t *testing.T) {
	var b bytes.Buffer
	w, err := xz.NewWriter(&b)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, dsaEntry)
	w.Close()
	p := filepath.Join(t.TempDir(), "list.xz")
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := NewFetcher().Fetch(context.Background(), p, Previous{})
	if err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, f); got != dsaEntry || f.Name != "list" {
		t.Errorf("name %q, content %q", f.Name, got)
	}
}

// TestExpandTree: a directory gives every regular file below it (the
// Ubuntu CVE tracker's README beside active/ retired/ ignored/), dot
// entries passed over.
func TestExpandTree(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"README", "active/CVE-2020-1938", "retired/CVE-2019-9924", "ignored/CVE-2005-0406", ".git/HEAD", "active/.hidden"} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := Expand(dir)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, name := range []string{"README", "active/CVE-2020-1938", "ignored/CVE-2005-0406", "retired/CVE-2019-9924"} {
		want = append(want, filepath.Join(dir, name))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
