package policyfile_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/pakiti-go/pakiti/internal/policyfile"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/testdb"
)

var (
	now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	def = policyfile.Defaults{Author: "alice", Now: now}
)

func open(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// wantP3Tags is testdata/pakiti3-cveTags.xml read by hand.
var wantP3Tags = []store.CVETag{
	{CVE: "CVE-2022-1292", Tag: "EGI-High", Reason: "c_rehash shell command injection",
		InfoURL: "https://security-tracker.debian.org/tracker/CVE-2022-1292", Enabled: true, Author: "EGI CSIRT Pakiti",
		ModifiedAt: time.Date(2022, 5, 10, 9, 12, 0, 0, time.UTC)},
	{CVE: "CVE-2023-0286", Tag: "EGI-Critical", Reason: "X.400 address type confusion in X.509 GeneralName",
		InfoURL: "https://www.openssl.org/news/secadv/20230207.txt", Enabled: true, Author: "EGI CSIRT Pakiti",
		ModifiedAt: time.Date(2023, 2, 8, 14, 30, 5, 0, time.UTC)},
	// <enabled></enabled>: disabled.
	{CVE: "CVE-2023-0286", Tag: "EGI-High", Reason: "superseded by EGI-Critical", Enabled: false, Author: "EGI CSIRT Pakiti",
		ModifiedAt: time.Date(2023, 2, 7, 18, 0, 0, 0, time.UTC)},
	{CVE: "CVE-2023-0266", Tag: "EGI-Critical", Reason: "ALSA use-after-free, exploited in the wild",
		InfoURL: "https://security-tracker.debian.org/tracker/CVE-2023-0266", Enabled: true, Author: "EGI CSIRT Pakiti",
		ModifiedAt: time.Date(2023, 3, 31, 10, 0, 0, 0, time.UTC)},
}

// wantP3Exceptions is testdata/pakiti3-cveExceptions.xml read by hand:
// version and release join with "-"; no osGroup is every host; missing
// arch and type stay empty (every arch).
var wantP3Exceptions = []store.Exception{
	{CVE: "CVE-2022-1292", Package: "openssl", Version: "1.1.1n-0+deb11u3", Arch: "amd64", PkgType: "dpkg",
		ScopeKind: store.ScopeOSGroup, Scope: "debian:11", Reason: "c_rehash is not installed on our worker nodes",
		Author: "SITE-A Pakiti", CreatedAt: now},
	{CVE: "CVE-2023-0361", Package: "libgnutls30", Version: "3.7.1-5+deb11u2", ScopeKind: store.ScopeAll,
		Reason: "gnutls rebuilt with the upstream fix", Author: "SITE-A Pakiti", CreatedAt: now},
	{CVE: "CVE-2022-3715", Package: "bash", Version: "5.1.8-4.el9", Arch: "x86_64", PkgType: "rpm",
		ScopeKind: store.ScopeOSGroup, Scope: "alma:9", Reason: "bash patched locally", Author: "SITE-A Pakiti", CreatedAt: now},
}

func TestReadPakiti3Tags(t *testing.T) {
	got, err := policyfile.ReadTags(open(t, "testdata/pakiti3-cveTags.xml"), def)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantP3Tags, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestReadPakiti3Exceptions(t *testing.T) {
	got, err := policyfile.ReadExceptions(open(t, "testdata/pakiti3-cveExceptions.xml"), def)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantP3Exceptions, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestReadDefaults: what a file leaves out comes from the defaults; JSON
// tags are enabled unless they say otherwise.
func TestReadDefaults(t *testing.T) {
	tags, err := policyfile.ReadTags(strings.NewReader(`{"cve_tags":[{"cve":"CVE-2023-0286","tag":"EGI-Critical"},
		{"cve":"CVE-2022-1292","tag":"EGI-High","enabled":false,"author":"bob","modified_at":"2022-05-10T09:12:00Z"}]}`), def)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.CVETag{
		{CVE: "CVE-2023-0286", Tag: "EGI-Critical", Enabled: true, Author: "alice", ModifiedAt: now},
		{CVE: "CVE-2022-1292", Tag: "EGI-High", Enabled: false, Author: "bob", ModifiedAt: time.Date(2022, 5, 10, 9, 12, 0, 0, time.UTC)},
	}
	if diff := cmp.Diff(want, tags); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
	xmlTags, err := policyfile.ReadTags(strings.NewReader(`<cveTags><cveTag><cveName>CVE-2023-0286</cveName><tagName>T</tagName></cveTag></cveTags>`), def)
	if err != nil || len(xmlTags) != 1 || xmlTags[0].Enabled || xmlTags[0].Author != "alice" || !xmlTags[0].ModifiedAt.Equal(now) {
		t.Errorf("XML tag without enabled, modifier, timestamp: %+v (%v); want disabled, alice, now", xmlTags, err)
	}
}

func TestReadRefuses(t *testing.T) {
	cases := []struct{ name, body, want string }{
		{"empty", "  \n", "empty file"},
		{"neither", "CVE-2023-0286 EGI-Critical", "neither XML nor JSON"},
		{"JSON unknown key", `{"cve_tags":[{"cve":"CVE-1","tag":"T","enable":true}]}`, `unknown field "enable"`},
		{"XML without tag name", `<cveTags><cveTag><cveName>CVE-1</cveName></cveTag></cveTags>`, "cveTag 1"},
		{"bad time", `<cveTags><cveTag><cveName>CVE-1</cveName><tagName>T</tagName><timestamp>yesterday</timestamp></cveTag></cveTags>`, `time "yesterday"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := policyfile.ReadTags(strings.NewReader(c.body), def)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

// TestTagsRoundTrip: Pakiti 3's XML -> store -> XML and JSON -> the same
// tags.
func TestTagsRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := testdb.Open(t)
	in, err := policyfile.ReadTags(open(t, "testdata/pakiti3-cveTags.xml"), def)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := s.ImportTags(ctx, in, false); err != nil || res.Added != 4 {
		t.Fatalf("import: %+v (%v), want 4 added", res, err)
	}
	stored, err := s.Tags(ctx, store.TagFilter{})
	if err != nil {
		t.Fatal(err)
	}
	byKey := cmpopts.SortSlices(func(a, b store.CVETag) bool { return a.CVE+a.Tag < b.CVE+b.Tag })
	if diff := cmp.Diff(wantP3Tags, stored, byKey); diff != "" {
		t.Errorf("stored (-want +got):\n%s", diff)
	}
	var x, j bytes.Buffer
	if err := policyfile.WriteTagsXML(&x, stored, ""); err != nil {
		t.Fatal(err)
	}
	if err := policyfile.WriteTagsJSON(&j, stored); err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"xml": x.Bytes(), "json": j.Bytes()} {
		back, err := policyfile.ReadTags(bytes.NewReader(b), policyfile.Defaults{Author: "nobody", Now: now.Add(time.Hour)})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if diff := cmp.Diff(wantP3Tags, back, byKey); diff != "" {
			t.Errorf("%s round trip (-want +got):\n%s\n%s", name, diff, b)
		}
	}
	// Pakiti 3 names the exporting instance as every tag's modifier.
	x.Reset()
	if err := policyfile.WriteTagsXML(&x, stored[:1], "SITE-A Pakiti"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(x.String(), "<modifier>SITE-A Pakiti</modifier>") || !strings.Contains(x.String(), "<enabled>1</enabled>") ||
		!strings.Contains(x.String(), "<timestamp>2022-05-10 09:12:00</timestamp>") {
		t.Errorf("export lacks the instance modifier, enabled 1 or the MySQL timestamp:\n%s", x.String())
	}
}

// TestExceptionsRoundTrip: Pakiti 3's XML -> store -> XML -> the same
// exceptions; JSON carries what XML cannot (site and host scopes,
// expiry) and XML leaves those out, counted.
func TestExceptionsRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := testdb.Open(t)
	in, err := policyfile.ReadExceptions(open(t, "testdata/pakiti3-cveExceptions.xml"), def)
	if err != nil {
		t.Fatal(err)
	}
	exp := now.Add(30 * 24 * time.Hour)
	// Constructed: a host-scoped exception with an expiry, which only JSON carries.
	hostOnly := store.Exception{CVE: "CVE-2023-0286", Package: "libssl1.1", ScopeKind: store.ScopeHost, Scope: "wn01.example.org",
		Reason: "decommissioned next month", Author: "alice", CreatedAt: now, ExpiresAt: &exp}
	in = append(in, hostOnly)
	if res, err := s.ImportExceptions(ctx, in, false); err != nil || res.Added != 4 {
		t.Fatalf("import: %+v (%v), want 4 added", res, err)
	}
	stored, err := s.Exceptions(ctx, store.ExceptionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	noID := cmpopts.IgnoreFields(store.Exception{}, "ID")
	byKey := cmpopts.SortSlices(func(a, b store.Exception) bool { return a.CVE+a.Package < b.CVE+b.Package })
	want := append(append([]store.Exception(nil), wantP3Exceptions...), hostOnly)
	if diff := cmp.Diff(want, stored, noID, byKey); diff != "" {
		t.Errorf("stored (-want +got):\n%s", diff)
	}
	var x bytes.Buffer
	skipped, err := policyfile.WriteExceptionsXML(&x, stored, "")
	if err != nil || skipped != 1 {
		t.Fatalf("XML export: %d skipped (%v), want the host-scoped one", skipped, err)
	}
	back, err := policyfile.ReadExceptions(&x, def)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantP3Exceptions, back, byKey); diff != "" {
		t.Errorf("XML round trip (-want +got):\n%s", diff)
	}
	var j bytes.Buffer
	if err := policyfile.WriteExceptionsJSON(&j, stored); err != nil {
		t.Fatal(err)
	}
	back, err = policyfile.ReadExceptions(&j, policyfile.Defaults{Author: "nobody", Now: now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, back, byKey); diff != "" {
		t.Errorf("JSON round trip (-want +got):\n%s", diff)
	}
}
