package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/report"
)

// TestPackageHostsPages: the package search counts its hosts from the
// fleet cells and reads only a page's hosts; every page, and the streamed
// export read a chunk at a time, give exactly the rows of one full read,
// in order (package name, version, arch, host name), removed hosts and
// other sites left out.
func TestPackageHostsPages(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	pkg := func(name, version string) model.Package {
		return model.Package{Name: name, Version: version, Arch: "amd64", SourceName: name, SourceVersion: version}
	}
	setX := []model.Package{pkg("bash", "5.2.15-2+b2"), pkg("openssl", "3.0.11-1~deb12u1")}
	setY := []model.Package{pkg("bash", "5.2.15-2+b2"), pkg("openssl", "3.0.11-1~deb12u2")}
	setZ := []model.Package{pkg("curl", "7.88.1-10+deb12u4")}
	hosts := []struct {
		name, site string
		pkgs       []model.Package
	}{
		{"h07", "A", setX}, {"h01", "A", setX}, {"h05", "B", setX}, {"h03", "A", setY},
		{"h02", "B", setY}, {"h06", "A", setZ}, {"h04", "B", setX}, {"gone", "A", setX},
		// Enough hosts without openssl that its u2 build (2 hosts of 11)
		// is read through the set index, the rest in host-name order.
		{"c1", "A", setZ}, {"c2", "A", setZ}, {"c3", "A", setZ}, {"c4", "A", setZ},
	}
	for _, h := range hosts {
		in := Incoming{
			Host:       model.Host{Hostname: h.name, Site: h.site, OS: "Debian GNU/Linux 12", Arch: "x86_64", Protocol: 5},
			Packages:   h.pkgs,
			SetHash:    report.PackageSetHash(h.pkgs),
			HeaderHash: h.name,
			ReceivedAt: t0,
		}
		if _, err := s.SaveReport(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.DeleteHost(ctx, AllSites(), "gone", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	row := func(p PackageHost) string { return fmt.Sprintf("%s %s %s %s", p.Name, p.Version, p.Hostname, p.Site) }
	tests := []struct {
		q     PackageSearch
		scope Scope
		want  []string
	}{
		{PackageSearch{Name: "openssl"}, AllSites(), []string{
			"openssl 3.0.11-1~deb12u1 h01 A", "openssl 3.0.11-1~deb12u1 h04 B", "openssl 3.0.11-1~deb12u1 h05 B", "openssl 3.0.11-1~deb12u1 h07 A",
			"openssl 3.0.11-1~deb12u2 h02 B", "openssl 3.0.11-1~deb12u2 h03 A"}},
		{PackageSearch{Name: "openssl", Site: "A"}, AllSites(), []string{
			"openssl 3.0.11-1~deb12u1 h01 A", "openssl 3.0.11-1~deb12u1 h07 A", "openssl 3.0.11-1~deb12u2 h03 A"}},
		{PackageSearch{Name: "*s*"}, SitesScope("B"), []string{
			"bash 5.2.15-2+b2 h02 B", "bash 5.2.15-2+b2 h04 B", "bash 5.2.15-2+b2 h05 B",
			"openssl 3.0.11-1~deb12u1 h04 B", "openssl 3.0.11-1~deb12u1 h05 B", "openssl 3.0.11-1~deb12u2 h02 B"}},
		{PackageSearch{Name: "openssl", Version: "3.0.11-1~deb12u2"}, AllSites(), []string{
			"openssl 3.0.11-1~deb12u2 h02 B", "openssl 3.0.11-1~deb12u2 h03 A"}},
		{PackageSearch{Name: "curl", Site: "B"}, AllSites(), nil},
	}
	defer func(n int) { packageHostChunk = n }(packageHostChunk)
	for _, tc := range tests {
		name := fmt.Sprintf("%+v", tc.q)
		// One page holding everything.
		full := tc.q
		full.Limit = MaxLimit
		list, total, err := s.PackageHosts(ctx, tc.scope, full)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range list {
			got = append(got, row(p))
		}
		if diff := cmp.Diff(tc.want, got); diff != "" || total != len(tc.want) {
			t.Errorf("%s: total %d (-want +got):\n%s", name, total, diff)
		}
		// Pages of every size, every offset.
		for limit := 1; limit <= len(tc.want)+1; limit++ {
			for off := 0; off <= len(tc.want); off++ {
				q := tc.q
				q.Limit, q.Offset = limit, off
				list, total, err := s.PackageHosts(ctx, tc.scope, q)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, p := range list {
					got = append(got, row(p))
				}
				want := tc.want[min(off, len(tc.want)):min(off+limit, len(tc.want))]
				if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" || total != len(tc.want) {
					t.Errorf("%s limit %d offset %d: total %d (-want +got):\n%s", name, limit, off, total, diff)
				}
			}
		}
		// The export, in chunks of 1, 2 and 1,000 hosts.
		for _, chunk := range []int{1, 2, 1000} {
			packageHostChunk = chunk
			var got []string
			n, err := s.EachPackageHost(ctx, tc.scope, tc.q, func(p PackageHost) error {
				got = append(got, row(p))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" || n != len(tc.want) {
				t.Errorf("%s: export in chunks of %d: %d (-want +got):\n%s", name, chunk, n, diff)
			}
		}
	}
}
