package debian

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/store"
)

// Versions from the real bookworm-security Packages index
// (shared/data/feeds/debian/apt-bookworm) and the langflow-backend-image
// inventory (shared/data/inventories/debian-12).
func TestSecurityUpdates(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cands []store.UpdateCandidate
		want  []store.UpdateFinding
	}{
		{"older installed: update to the suite's version", []store.UpdateCandidate{
			{Name: "libssl3", Arch: "amd64", Installed: "3.0.15-1~deb12u1", SourceName: "openssl", OfferedArch: "amd64", Offered: "3.0.22-1~deb12u2"},
		}, []store.UpdateFinding{{Package: "libssl3", Arch: "amd64", Installed: "3.0.15-1~deb12u1", Available: "3.0.22-1~deb12u2", Source: "openssl", Status: "update-available"}}},
		{"a point release newer than the security suite: none", []store.UpdateCandidate{
			{Name: "libc6", Arch: "amd64", Installed: "2.36-9+deb12u9", SourceName: "glibc", OfferedArch: "amd64", Offered: "2.36-9+deb12u7"},
		}, nil},
		{"the same version: none", []store.UpdateCandidate{
			{Name: "libexpat1", Arch: "amd64", Installed: "2.5.0-1+deb12u5", SourceName: "expat", OfferedArch: "amd64", Offered: "2.5.0-1+deb12u5"},
		}, nil},
		// Constructed: a real index holds one version of a binary; the u9
		// row and zlib's epoch-less 1.2.13.dfsg-2 check that the newest
		// wins in dpkg order and that an epoch outranks the rest.
		{"several offered: the newest in dpkg order (u10 after u9), per binary", []store.UpdateCandidate{
			{Name: "libgnutls30", Arch: "amd64", Installed: "3.7.1-5+deb11u2", SourceName: "gnutls28", OfferedArch: "amd64", Offered: "3.7.1-5+deb11u10"},
			{Name: "libgnutls30", Arch: "amd64", Installed: "3.7.1-5+deb11u2", SourceName: "gnutls28", OfferedArch: "amd64", Offered: "3.7.1-5+deb11u9"},
			{Name: "zlib1g", Arch: "amd64", Installed: "1:1.2.13.dfsg-1", SourceName: "zlib", OfferedArch: "amd64", Offered: "1.2.13.dfsg-2"},
		}, []store.UpdateFinding{{Package: "libgnutls30", Arch: "amd64", Installed: "3.7.1-5+deb11u2", Available: "3.7.1-5+deb11u10", Source: "gnutls28", Status: "update-available"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, Driver{}.SecurityUpdates(tc.cands)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
