package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/source/osv"
)

func TestOSVMapping(t *testing.T) {
	file := filepath.Join(t.TempDir(), "osv-map")
	os.WriteFile(file, []byte("# ecosystem = group\nAlmaLinux:9 = alma:9\n"), 0o644)
	for _, tc := range []struct {
		name    string
		c       sourceConfig
		want    osv.Mapping
		wantErr string
	}{
		{"flags: the group follows the last '='", sourceConfig{osvMap: []string{"Ubuntu:22.04:LTS=ubuntu:22.04", "Debian:11=debian:11"}},
			osv.Mapping{"Ubuntu:22.04:LTS": "ubuntu:22.04", "Debian:11": "debian:11"}, ""},
		{"file and flags together", sourceConfig{osvMapFile: file, osvMap: []string{"Rocky Linux:9=rocky:9"}},
			osv.Mapping{"AlmaLinux:9": "alma:9", "Rocky Linux:9": "rocky:9"}, ""},
		{"no '='", sourceConfig{osvMap: []string{"Debian:11"}}, nil, "want Ecosystem=group"},
		{"file and flag disagree", sourceConfig{osvMapFile: file, osvMap: []string{"AlmaLinux:9=alma:8"}}, nil, "mapped to alma:9 and alma:8"},
		{"not a group", sourceConfig{osvMap: []string{"Debian:11=debian"}}, nil, "is not distro:release"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.c.osvMapping()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
