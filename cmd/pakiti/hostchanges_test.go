package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/report"
	"github.com/pakiti-go/pakiti/internal/store"
)

// TestHostsChangesCLI: two reports of a host, the second upgrading
// openssl from 1.1.1n-0+deb11u3 to 1.1.1n-0+deb11u4 (real Debian 11
// versions: shared/data/inventories/debian-11/viking-db and the fix of
// DSA-5343-1) and removing coreutils 8.32-4+b1; no vulnerability data is
// loaded, so no finding changes.
func TestHostsChangesCLI(t *testing.T) {
	ctx := context.Background()
	db := "sqlite:" + filepath.Join(t.TempDir(), "p.db")
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)
	for i, pkgs := range [][]model.Package{
		{{Name: "openssl", Version: "1.1.1n-0+deb11u3", Arch: "amd64"}, {Name: "coreutils", Version: "8.32-4+b1", Arch: "amd64"}},
		{{Name: "openssl", Version: "1.1.1n-0+deb11u4", Arch: "amd64"}},
	} {
		in := store.Incoming{Host: model.Host{Hostname: "cli.example.org", Site: "S", Protocol: 5, OSGroup: "debian:11"},
			Packages: pkgs, SetHash: report.PackageSetHash(pkgs), HeaderHash: "h", ReceivedAt: at.Add(time.Duration(i) * time.Hour)}
		if _, err := st.SaveReport(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	when := at.Add(time.Hour).Format(time.RFC3339)
	out := mustRun(t, db, "hosts", "changes", "cli.example.org", "--format", "csv")
	want := "at,change,name,arch,old_version,new_version,cve,reason\n" +
		when + ",updated,openssl,amd64,1.1.1n-0+deb11u3,1.1.1n-0+deb11u4,,\n" +
		when + ",removed,coreutils,amd64,8.32-4+b1,,,\n"
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("csv (-want +got):\n%s", diff)
	}
	out = mustRun(t, db, "hosts", "changes", "cli.example.org", "--format", "json")
	var ch store.HostChanges
	if err := json.Unmarshal([]byte(out), &ch); err != nil || ch.Total != 1 || len(ch.Changes) != 1 || len(ch.Changes[0].Removed) != 1 {
		t.Errorf("json: %v\n%s", err, out)
	}
	out = mustRun(t, db, "hosts", "changes", "cli.example.org")
	if !strings.Contains(out, "AT ") || !strings.Contains(out, "updated  openssl") {
		t.Errorf("table:\n%s", out)
	}
	if _, err := run(t, db, "hosts", "changes", "nosuch.example.org"); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("unknown host: %v", err)
	}
}
