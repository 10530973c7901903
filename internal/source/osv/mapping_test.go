package osv

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseMapping(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     Mapping
		err      string
	}{
		{"pairs, comments, blanks", "# OSV ecosystem = OS group\n\nAlmaLinux:9 = alma:9\n  Rocky Linux:8=rocky:8   # Rocky\nUbuntu:22.04:LTS = ubuntu:22.04\n",
			Mapping{"AlmaLinux:9": "alma:9", "Rocky Linux:8": "rocky:8", "Ubuntu:22.04:LTS": "ubuntu:22.04"}, ""},
		{"two ecosystems, one group", "Ubuntu:22.04:LTS = ubuntu:22.04\nUbuntu:Pro:22.04:LTS = ubuntu:22.04\n",
			Mapping{"Ubuntu:22.04:LTS": "ubuntu:22.04", "Ubuntu:Pro:22.04:LTS": "ubuntu:22.04"}, ""},
		{"empty", "", Mapping{}, ""},
		{"no equals", "AlmaLinux:9 alma:9\n", nil, "line 1"},
		{"empty group", "AlmaLinux:9 =\n", nil, "line 1"},
		{"group without release", "# x\nAlmaLinux:9 = alma\n", nil, "line 2: OS group"},
		{"group with a blank", "AlmaLinux:9 = alma: 9\n", nil, "not distro:release"},
		{"twice", "AlmaLinux:9 = alma:9\nAlmaLinux:9 = rocky:9\n", nil, "mapped twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseMapping(strings.NewReader(tc.in))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
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
