package match_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/report"
	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/source/debian"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/testdb"
)

// BenchmarkHostRuleRefresh: writing the findings of 1,000 hosts on one
// package set (openssl of DSA-5343-1, 10 findings each) from scratch, with
// Debian's driver as it is ("none") and with the test's host rule
// (factRule), the hosts stating one of four Pro values or none ("rule"):
// the cost of the hook is one target per distinct fact value.
func BenchmarkHostRuleRefresh(b *testing.B) {
	for _, tc := range []struct {
		name string
		d    match.Driver
	}{{"none", debian.Driver{}}, {"rule", factRule{}}} {
		b.Run(tc.name, func(b *testing.B) {
			ctx := context.Background()
			st := testdb.Open(b)
			m := &match.Matcher{Store: st, Drivers: match.NewRegistry(tc.d), Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return t0 }}
			list, err := os.ReadFile("testdata/DSA-list.excerpt.txt")
			if err != nil {
				b.Fatal(err)
			}
			res, err := st.ReplaceAdvisories(ctx, store.ImportRun{Source: "debian", StartedAt: t0}, func(add func(model.Advisory) error) error {
				return debian.New().Parse(ctx, source.Document{Name: "dsa", Body: strings.NewReader(string(list))}, add)
			})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := m.AfterImport(ctx, res.Changed); err != nil {
				b.Fatal(err)
			}
			pkgs := report.SortPackages(openssl("1.1.1n-0+deb11u3"))
			var names []string
			for i := range 1000 {
				host := fmt.Sprintf("h%04d.example.org", i)
				names = append(names, host)
				in := store.Incoming{
					Host: model.Host{Hostname: host, Site: "SITE-A", OS: "Debian GNU/Linux 11 (bullseye)", Arch: "x86_64",
						Packager: "dpkg", Protocol: 6, OSGroup: bullseye},
					Packages: pkgs, SetHash: report.PackageSetHash(pkgs), HeaderHash: "header-" + host, ReceivedAt: t0,
				}
				if i%5 != 0 {
					in.Pro = store.HostPro{Known: true, Services: []string{fmt.Sprintf("svc%d", i%5)}}
				}
				if _, err := st.SaveReport(ctx, in); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for b.Loop() {
				b.StopTimer()
				if err := st.ForgetEvaluations(ctx); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if _, err := m.EvaluateHosts(ctx, names); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
