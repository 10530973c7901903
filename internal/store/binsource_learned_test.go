package store

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/version"
)

// Mappings of two binaries of the debian-11 inventory viking-db
// (../shared/data/inventories/debian-11/viking-db/status), each also in a
// bullseye Packages index (../shared/data/feeds/debian/apt-bullseye):
//   - libc6 2.31-13+deb11u5, "Source: glibc" in the status file and in
//     bullseye-updates_main_binary-amd64_Packages;
//   - libcap-ng0 0.7.9-2.2+b1 (a binNMU), "Source: libcap-ng (0.7.9-2.2)"
//     in the status file and in bullseye_main_binary-amd64_Packages.
//
// The origins are the ones the writers use: "learned" (match.BasisLearned,
// from a protocol-6 report) and "packages-index" (source.Importer).
var (
	libc6Learned = BinarySource{Name: "libc6", Version: "2.31-13+deb11u5", SourceName: "glibc",
		SourceVersion: "2.31-13+deb11u5", Origin: "learned"}
	libc6Index = BinarySource{Name: "libc6", Version: "2.31-13+deb11u5", SourceName: "glibc",
		SourceVersion: "2.31-13+deb11u5", Origin: "packages-index"}
	libcapLearned = BinarySource{Name: "libcap-ng0", Version: "0.7.9-2.2+b1", SourceName: "libcap-ng",
		SourceVersion: "0.7.9-2.2", Origin: "learned"}
	libcapIndex = BinarySource{Name: "libcap-ng0", Version: "0.7.9-2.2+b1", SourceName: "libcap-ng",
		SourceVersion: "0.7.9-2.2", Origin: "packages-index"}
	// The same pair as a security tracker's binary list files it
	// (source.OriginAdvisoryBinaries).
	libcapAdvisory = BinarySource{Name: "libcap-ng0", Version: "0.7.9-2.2+b1", SourceName: "libcap-ng",
		SourceVersion: "0.7.9-2.2", Origin: "advisory-binaries"}
)

func TestLearnBinarySourcesPrecedence(t *testing.T) {
	const group = "debian:11"
	tests := []struct {
		name  string
		learn [][]BinarySource // LearnBinarySources calls, in order
		want  []BinarySource   // what LookupBinarySources then returns
	}{
		{"a Packages index does not overwrite a learned mapping",
			[][]BinarySource{{libc6Learned, libcapLearned}, {libc6Index, libcapIndex}},
			[]BinarySource{libc6Learned, libcapLearned}},
		{"a learned mapping replaces an index one",
			[][]BinarySource{{libc6Index, libcapIndex}, {libc6Learned, libcapLearned}},
			[]BinarySource{libc6Learned, libcapLearned}},
		// One call holding the same binary twice (two indexes of a release
		// loaded together): one statement cannot update a row twice on
		// PostgreSQL, and the outcome is that of filing them in turn.
		{"one call: learned then index keeps learned",
			[][]BinarySource{{libc6Learned, libcapIndex, libc6Index}},
			[]BinarySource{libc6Learned, libcapIndex}},
		{"one call: index then learned keeps learned",
			[][]BinarySource{{libc6Index, libc6Learned, libcapIndex}},
			[]BinarySource{libc6Learned, libcapIndex}},
		{"one call: of two non-learned mappings the last wins",
			[][]BinarySource{{libcapIndex, libcapAdvisory}, {libc6Index, libc6Index}},
			[]BinarySource{libc6Index, libcapAdvisory}},
		{"mixed: each binary keeps its learned mapping",
			[][]BinarySource{{libc6Learned, libcapIndex}, {libc6Index, libcapLearned}, {libc6Index, libcapIndex}},
			[]BinarySource{libc6Learned, libcapLearned}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			s := openTest(t)
			for _, bs := range tt.learn {
				if err := s.LearnBinarySources(ctx, group, bs); err != nil {
					t.Fatal(err)
				}
			}
			var entries []CatalogueEntry
			want := map[[2]string]BinarySource{}
			for i, b := range tt.want {
				e := CatalogueEntry{ID: int64(i)}
				e.Name, e.Version = b.Name, b.Version
				entries = append(entries, e)
				b.Exact = true
				want[[2]string{b.Name, b.Version}] = b
			}
			got, err := s.LookupBinarySources(ctx, group, entries, version.Deb.Compare)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("mappings (-want +got):\n%s", diff)
			}
		})
	}
}
