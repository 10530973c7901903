package report_test

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/report"
)

func zlibBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// TestParseGLPISameAsProtocol5: testdata/glpi-debian11.json holds the
// packages of the real Debian 11 host viking-db as the GLPI agent lists
// them (see testdata/PROVENANCE.tsv); plain, zlib or gzip, it gives the
// packages and set hash of that host's protocol-5 report.
func TestParseGLPISameAsProtocol5(t *testing.T) {
	raw, err := os.ReadFile("testdata/glpi-debian11.json")
	if err != nil {
		t.Fatal(err)
	}
	p5, err := os.ReadFile("testdata/viking-db.pakiti5.txt")
	if err != nil {
		t.Fatal(err)
	}
	want, err := report.Parse(p5, report.Protocol5, report.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	gw := gzip.NewWriter(&gz)
	gw.Write(raw)
	gw.Close()
	for name, body := range map[string][]byte{"plain": raw, "zlib": zlibBytes(t, raw), "gzip": gz.Bytes()} {
		t.Run(name, func(t *testing.T) {
			g, err := report.ParseGLPI(body, report.DefaultLimits)
			if err != nil {
				t.Fatal(err)
			}
			if g.Action != "inventory" || g.DeviceID != "inv-debian11-a-2026-11-20-07-58-08" || g.Report == nil {
				t.Fatalf("message %+v", g)
			}
			if diff := cmp.Diff(want.Packages, g.Report.Packages); diff != "" {
				t.Fatalf("packages differ (-protocol 5 +GLPI):\n%s", diff)
			}
			if report.PackageSetHash(g.Report.Packages) != report.PackageSetHash(want.Packages) {
				t.Error("set hashes differ")
			}
			wantHeader := report.Header{Host: "inv-debian11-a.example.org", System: "Debian GNU/Linux 11 (bullseye)",
				Kernel: "5.10.0-21-amd64", Arch: "x86_64", Site: "INVENTORIES", Packager: "dpkg"}
			if diff := cmp.Diff(wantHeader, g.Report.Header); diff != "" {
				t.Errorf("header (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseGLPIShapes(t *testing.T) {
	tests := []struct {
		name string
		body string
		want *report.GLPI
	}{
		{"contact", `{"action":"contact","deviceid":"d1","name":"GLPI-Agent","version":"1.7.3","installed-tasks":["inventory"],"tag":"S"}`,
			&report.GLPI{Action: "contact", DeviceID: "d1"}},
		{"FusionInventory style, hardware name, rpm without epoch, upper-case keys",
			`{"CONTENT":{"HARDWARE":{"NAME":"fi-host"},"OPERATINGSYSTEM":{"NAME":"Fedora"},"SOFTWARES":[` +
				`{"NAME":"gitg","VERSION":"3.32.1-1.fc31","ARCH":"x86_64","FROM":"rpm"},` +
				`{"NAME":"Windows thing","VERSION":""},{"name":" tar ","version":"1.32-2.fc31","arch":"x86_64","from":"rpm"}]},` +
				`"deviceid":"glpixps-2018-07-09-09-07-13","query":"INVENTORY"}`,
			&report.GLPI{DeviceID: "glpixps-2018-07-09-09-07-13", Report: &report.Report{
				Header: report.Header{Host: "fi-host", System: "Fedora", Packager: "rpm"},
				Packages: []model.Package{
					{Name: "gitg", Version: "3.32.1-1.fc31", Arch: "x86_64"},
					{Name: "tar", Version: "1.32-2.fc31", Arch: "x86_64"},
				},
			}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := report.ParseGLPI([]byte(tt.body), report.DefaultLimits)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseGLPIErrors(t *testing.T) {
	small := report.DefaultLimits
	small.MaxPackages = 2
	small.MaxField = 20
	os := `"operatingsystem":{"fqdn":"h.example.org"}`
	sw := `{"name":"a","version":"1","arch":"amd64","from":"deb"}`
	tests := []struct {
		name, body, want string
	}{
		{"syntax", `{"content":{` + os + `,}}`, "malformed JSON at byte"},
		{"truncated", `{"content":{` + os, "malformed JSON: the inventory ends too early"},
		{"array", `[1,2]`, "the body is neither a JSON inventory nor zlib-compressed"},
		{"trailing", `{"content":{` + os + `}} {}`, "malformed JSON: data after the inventory object"},
		{"no host", `{"content":{"softwares":[` + sw + `]}}`, "the inventory has no host name (content.operatingsystem.fqdn)"},
		{"softwares not array", `{"content":{` + os + `,"softwares":{}}}`, "content.softwares is not a JSON array"},
		{"wrong type", `{"content":{` + os + `,"softwares":[{"name":"a","version":1}]}}`, "content.softwares[0] is malformed: version is number, want string"},
		{"too many", `{"content":{` + os + `,"softwares":[` + sw + "," + sw + "," + sw + `]}}`, "more than 2 packages"},
		{"long field", `{"content":{` + os + `,"softwares":[{"name":"` + strings.Repeat("n", 21) + `","version":"1"}]}}`, "content.softwares[0].name is 21 bytes"},
		{"control", `{"content":{` + os + `,"softwares":[{"name":"a\u001b","version":"1"}]}}`, "content.softwares[0].name holds control character 0x1b"},
		{"bad host", `{"content":{"operatingsystem":{"fqdn":"a/b"}}}`, "content.operatingsystem.fqdn: host name \"a/b\" holds one of"},
		{"bad tag", `{"tag":"x\ny","content":{` + os + `}}`, "tag: header site holds control character 0xa"},
		{"broken zlib", string(zlibBytes(t, []byte(`{"content":{}}`))[:8]), "malformed JSON: the inventory ends too early"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := report.ParseGLPI([]byte(tt.body), small)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q...", err, tt.want)
			}
			if _, ok := err.(*report.Error); !ok {
				t.Errorf("%T is not *report.Error", err)
			}
		})
	}
}

// TestParseGLPIBomb: 64 MiB of one letter in a valid JSON string
// compresses to about 64 KiB; the decoder stops at the limit with a *SizeError, having
// inflated no more than that.
func TestParseGLPIBomb(t *testing.T) {
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	zw.Write([]byte(`{"content":{"operatingsystem":{"fqdn":"bomb.example.org"},"x":"`))
	letters := bytes.Repeat([]byte("a"), 1<<20)
	for range 64 {
		zw.Write(letters)
	}
	zw.Write([]byte(`"}}`))
	zw.Close()
	lim := report.DefaultLimits
	lim.MaxBytes = 4 << 20
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := report.ParseGLPI(buf.Bytes(), lim)
	runtime.ReadMemStats(&after)
	// The JSON decoder's buffer doubles as the string grows (about 4 times
	// the limit allocated in all, at most twice live), never towards the
	// 64 MiB the body inflates to.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 6*uint64(lim.MaxBytes) {
		t.Errorf("decoding the bomb allocated %d bytes, more than 6 times the %d-byte limit", alloc, lim.MaxBytes)
	} else {
		t.Logf("decoding the bomb allocated %d bytes (limit %d)", alloc, lim.MaxBytes)
	}
	var se *report.SizeError
	if !errors.As(err, &se) || se.Limit != lim.MaxBytes {
		t.Fatalf("error %v, want a SizeError at %d", err, lim.MaxBytes)
	}
	if !strings.Contains(err.Error(), "4194304") {
		t.Errorf("%q does not name the limit", err)
	}
}
