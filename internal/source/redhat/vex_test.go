package redhat

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source/sourcetest"
)

type vexGolden = sourcetest.Result[VEXStats]

// vexFiles are the CSAF documents of testdata (PROVENANCE.tsv).
var vexFiles = []string{"cve-2023-38545.json.gz", "cve-2023-6237.json", "cve-2023-6238.json", "cve-2023-6240.json.gz",
	"CVE-2022-24834.json.gz", "CVE-2023-28484.json.gz", "CVE-2023-6228.v2-format.json",
	"rhsa-2023_3821.json.gz", "rhsa-2024_0811.json.gz"}

func parseVEXFile(t testing.TB, path string) vexGolden {
	t.Helper()
	return sourcetest.Records(t, func(emit func(model.Advisory) error) (VEXStats, error) {
		return ParseVEX(sourcetest.Open(t, path), emit)
	}, checkAdvisory, func(st VEXStats) int { return st.Records })
}

// TestVEXGolden compares the records of every CSAF document of testdata
// with its golden file (go test -update rewrites them; read the diff).
func TestVEXGolden(t *testing.T) {
	for _, name := range vexFiles {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("testdata", strings.TrimSuffix(strings.TrimSuffix(name, ".gz"), ".json")+".golden.json")
			sourcetest.Golden(t, path, parseVEXFile(t, filepath.Join("testdata", name)), cmpopts.EquateEmpty())
		})
	}
}

// FuzzParseVEX is seeded with the real CSAF documents of testdata, whole
// and cut short; every record emitted must be one the source may emit.
func FuzzParseVEX(f *testing.F) {
	for _, name := range vexFiles {
		data := sourcetest.Read(f, filepath.Join("testdata", name))
		f.Add(data)
		f.Add(data[:len(data)/2])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n := 0
		st, err := ParseVEX(bytes.NewReader(data), func(a model.Advisory) error {
			checkAdvisory(t, a)
			n++
			return nil
		})
		sourcetest.Fuzzed(t, st.Records, n, nil, err)
	})
}

// TestPlatformGroups: Red Hat's platform CPEs and product ids, from the
// documents of testdata.
func TestPlatformGroups(t *testing.T) {
	for _, tc := range []struct {
		id, cpe string
		want    []string
	}{
		{"AppStream-9.3.0.Z.MAIN", "cpe:/a:redhat:enterprise_linux:9::appstream", []string{"rhel:9"}},
		{"AppStream-9.2.0.Z.MAIN.EUS", "cpe:/a:redhat:enterprise_linux:9::appstream", []string{"rhel:9", "rhel:9.2-eus"}},
		{"BaseOS-9.0.0.Z.EUS", "cpe:/o:redhat:rhel_eus:9.0::baseos", []string{"rhel:9.0-eus"}},
		{"AppStream-8.2.0.Z.AUS", "cpe:/a:redhat:rhel_aus:8.2::appstream", []string{"rhel:8.2-aus"}},
		{"AppStream-8.4.0.Z.E4S", "cpe:/a:redhat:rhel_e4s:8.4::appstream", []string{"rhel:8.4-e4s"}},
		{"AppStream-8.4.0.Z.TUS", "cpe:/a:redhat:rhel_tus:8.4::appstream", []string{"rhel:8.4-tus"}},
		{"red_hat_enterprise_linux_8", "cpe:/o:redhat:enterprise_linux:8", []string{"rhel:8"}},
		{"rhel-10.0", "cpe:/o:redhat:enterprise_linux:10.0", []string{"rhel:10"}},
		{"rhel-9.4.z.eus", "cpe:/a:redhat:rhel_eus:9.4", []string{"rhel:9.4-eus"}},
		{"7Server-satellite-client-6", "cpe:/a:redhat:rhel_satellite_client:6::el7", nil},
		{"7Server-JBCS", "cpe:/a:redhat:jboss_core_services:1::el7", nil},
		{"rhel-7-els.els", "cpe:/o:redhat:rhel_els:7", nil},
		{"red_hat_enterprise_linux_4", "cpe:/o:redhat:enterprise_linux:4", nil},
	} {
		if got := PlatformGroups(tc.id, tc.cpe); !cmp.Equal(got, tc.want, cmpopts.EquateEmpty()) {
			t.Errorf("PlatformGroups(%q, %q) = %q, want %q", tc.id, tc.cpe, got, tc.want)
		}
	}
}
