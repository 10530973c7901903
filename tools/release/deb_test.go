package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// arMembers reads an ar archive (the .deb container).
func arMembers(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("!<arch>\n")) {
		t.Fatal("not an ar archive")
	}
	m := map[string][]byte{}
	for p := 8; p+60 <= len(b); {
		h := b[p : p+60]
		name := strings.TrimSuffix(strings.TrimSpace(string(h[0:16])), "/")
		size, err := strconv.Atoi(strings.TrimSpace(string(h[48:58])))
		if err != nil {
			t.Fatalf("ar member %q: size %q", name, h[48:58])
		}
		p += 60
		m[name] = b[p : p+size]
		p += size + size%2
	}
	return m
}

func tarFiles(t *testing.T, tgz []byte) map[string]string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			b, _ := io.ReadAll(tr)
			files[strings.TrimPrefix(h.Name, ".")] = string(b)
		}
	}
}

// checkClientDeb opens the client's .deb as dpkg would: its files, its
// conffiles and its control fields.
func checkClientDeb(t *testing.T, file string) {
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	m := arMembers(t, b)
	data := tarFiles(t, m["data.tar.gz"])
	var names []string
	for n := range data {
		names = append(names, n)
	}
	want := []string{
		"/etc/cron.d/pakiti-client",
		"/etc/pakiti/client.conf",
		"/usr/bin/pakiti-client",
		"/usr/lib/systemd/system/pakiti-client.service",
		"/usr/lib/systemd/system/pakiti-client.timer",
		"/usr/share/man/man1/pakiti-client.1.gz",
	}
	if d := cmp.Diff(want, names, cmpSorted); d != "" {
		t.Errorf("data files (-want +got):\n%s", d)
	}
	control := tarFiles(t, m["control.tar.gz"])
	if d := cmp.Diff("/etc/cron.d/pakiti-client\n/etc/pakiti/client.conf\n", sortLines(control["/conffiles"])); d != "" {
		t.Errorf("conffiles (-want +got):\n%s", d)
	}
	for _, field := range []string{"Package: pakiti-client\n", "Version: 4.0.0~test-1\n", "Architecture: amd64\n"} {
		if !strings.Contains(control["/control"], field) {
			t.Errorf("control lacks %q:\n%s", field, control["/control"])
		}
	}
	if !strings.Contains(data["/usr/lib/systemd/system/pakiti-client.service"], "DynamicUser=yes") {
		t.Error("the service file is not the unit of deploy/client")
	}
}

var cmpSorted = cmp.Transformer("sort", func(in []string) []string {
	out := append([]string(nil), in...)
	sort.Strings(out)
	return out
})

func sortLines(s string) string {
	lines := strings.SplitAfter(s, "\n")
	sort.Strings(lines)
	return strings.Join(lines, "")
}
