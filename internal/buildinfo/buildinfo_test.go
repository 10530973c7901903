package buildinfo

import (
	"runtime/debug"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestGet(t *testing.T) {
	vcs := func(rev, modified string) *debug.BuildInfo {
		return &debug.BuildInfo{Settings: []debug.BuildSetting{
			{Key: "-trimpath", Value: "true"},
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: rev},
			{Key: "vcs.modified", Value: modified},
		}}
	}
	tests := []struct {
		name            string
		version, commit string
		bi              *debug.BuildInfo
		want            Info
		wantLine        string
	}{
		{"release build", "1.2.3", "5365cb5f", vcs("0000", "true"), Info{"1.2.3", "5365cb5f"}, "p 1.2.3 (commit 5365cb5f)"},
		{"go build in a clean checkout", "", "", vcs("5365cb5f", "false"), Info{"devel", "5365cb5f"}, "p devel (commit 5365cb5f)"},
		{"go build in a modified checkout", "", "", vcs("5365cb5f", "true"), Info{"devel", "5365cb5f+dirty"}, "p devel (commit 5365cb5f+dirty)"},
		{"-buildvcs=false", "", "", &debug.BuildInfo{}, Info{"devel", ""}, "p devel (commit unknown)"},
		{"no build info", "", "", nil, Info{"devel", ""}, "p devel (commit unknown)"},
		{"version without commit", "1.2.3", "", &debug.BuildInfo{}, Info{"1.2.3", ""}, "p 1.2.3 (commit unknown)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := get(tt.version, tt.commit, tt.bi)
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("get (-want +got):\n%s", d)
			}
			if line := got.String("p"); line != tt.wantLine {
				t.Errorf("String = %q, want %q", line, tt.wantLine)
			}
		})
	}
}
