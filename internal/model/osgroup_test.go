package model

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCompareOSGroups(t *testing.T) {
	tests := []struct {
		in, want []string
	}{
		{[]string{"debian:10", "debian:3.0", "debian:9", "debian:12"}, []string{"debian:3.0", "debian:9", "debian:10", "debian:12"}},
		{[]string{"rhel:8.10", "rhel:8.9", "rhel:8", "rhel:10"}, []string{"rhel:8", "rhel:8.9", "rhel:8.10", "rhel:10"}},
		{[]string{"ubuntu:24.04", "alpine:3.20", "alpine:3.9", "ubuntu:8.04"}, []string{"alpine:3.9", "alpine:3.20", "ubuntu:8.04", "ubuntu:24.04"}},
		{[]string{"debian:sid", "debian:12", "", "debian"}, []string{"", "debian", "debian:12", "debian:sid"}},
	}
	for _, tt := range tests {
		got := slices.Clone(tt.in)
		slices.SortFunc(got, CompareOSGroups)
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("sort %v (-want +got):\n%s", tt.in, diff)
		}
	}
}
