package debian

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func parsePackages(t *testing.T, in string) ([]Binary, error) {
	t.Helper()
	var got []Binary
	n, err := ParsePackagesIndex(context.Background(), strings.NewReader(in), func(b Binary) error {
		got = append(got, b)
		return nil
	})
	if n != len(got) {
		t.Errorf("returned %d, emitted %d", n, len(got))
	}
	return got, err
}

func TestPackagesIndexStanzas(t *testing.T) {
	// Cut-down real stanzas (fields we do not read left out) and variants.
	in := "Package: 0ad\nVersion: 0.0.26-3\nInstalled-Size: 28591\nArchitecture: amd64\nTag: game::strategy, interface::graphical, interface::x11, role::program,\n uitoolkit::sdl, uitoolkit::wxwidgets, use::gameplaying,\n x11::application\n\n" +
		"Package: 0ad-data-common\nSource: 0ad-data\nVersion: 0.0.26-1\nArchitecture: all\n\n\n" +
		"Package: bash\r\nSource: bash (5.2.15-2)\r\nVersion: 5.2.15-2+b13\r\nArchitecture: amd64\r\n\r\n" +
		"package: lower\nVERSION: 1\nsource: other (0.9)\n" // field names in another case; no final blank line
	got, err := parsePackages(t, in)
	if err != nil {
		t.Fatal(err)
	}
	want := []Binary{
		{Name: "0ad", Version: "0.0.26-3", Arch: "amd64", Source: "0ad", SourceVersion: "0.0.26-3"},
		{Name: "0ad-data-common", Version: "0.0.26-1", Arch: "all", Source: "0ad-data", SourceVersion: "0.0.26-1"},
		{Name: "bash", Version: "5.2.15-2+b13", Arch: "amd64", Source: "bash", SourceVersion: "5.2.15-2"},
		{Name: "lower", Version: "1", Source: "other", SourceVersion: "0.9"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestPackagesIndexErrors(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"no version", "Package: a\nArchitecture: all\n\n", "packages index line 1: stanza without a valid Package and Version"},
		{"no package", "Version: 1\n\n", "line 1: stanza without a valid Package"},
		{"version with a blank", "Package: a\nVersion: 1 2\n", "line 1: stanza without a valid"},
		{"no colon", "Package: a\nVersion 1\n", "line 2: field line without a colon"},
		{"continuation first", " x\n", "line 1: continuation line outside a stanza"},
		{"bad Source", "Package: a\nVersion: 1\nSource: b (2\n", `line 1: package a: invalid Source field "b (2"`},
		{"line too long", "Package: a\nDescription: " + strings.Repeat("x", maxLine), "line 2: line longer than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parsePackages(t, tc.in)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v; want one containing %q", err, tc.want)
			}
		})
	}
	stop := errors.New("stop")
	_, err := ParsePackagesIndex(context.Background(), openTestdata(t, "bookworm_Packages.excerpt.txt"), func(Binary) error { return stop })
	if err != stop {
		t.Errorf("emit error: got %v", err)
	}
}

// TestPackagesIndexWholeFiles reads the real indexes. The counts were
// taken apart from this package (grep -c '^Package:' and a Python script
// splitting stanzas): stanzas, stanzas whose source name differs from the
// binary's, and stanzas whose source version differs (Source: name (version)).
func TestPackagesIndexWholeFiles(t *testing.T) {
	for _, tc := range []struct {
		file                 string
		stanzas, names, vers int
		amd64, all           int
		spots                []Binary
	}{
		{
			"apt-bookworm/bookworm_main_binary-amd64_Packages.gz", 63440, 42669, 12530, 32325, 31115,
			[]Binary{
				{Name: "libssl3", Version: "3.0.20-1~deb12u2", Arch: "amd64", Source: "openssl", SourceVersion: "3.0.20-1~deb12u2"},
				{Name: "libc6", Version: "2.36-9+deb12u14", Arch: "amd64", Source: "glibc", SourceVersion: "2.36-9+deb12u14"},
				{Name: "bash", Version: "5.2.15-2+b13", Arch: "amd64", Source: "bash", SourceVersion: "5.2.15-2"},
				{Name: "a56", Version: "1.3+dfsg-9+b1", Arch: "amd64", Source: "a56", SourceVersion: "1.3+dfsg-9"},
				{Name: "acme", Version: "1:0.97~svn20211115+ds-1+b1", Arch: "amd64", Source: "acme", SourceVersion: "1:0.97~svn20211115+ds-1"},
				{Name: "gcc", Version: "4:12.2.0-3", Arch: "amd64", Source: "gcc-defaults", SourceVersion: "1.203"},
				{Name: "linux-image-6.1.0-50-amd64", Version: "6.1.176-1", Arch: "amd64", Source: "linux-signed-amd64", SourceVersion: "6.1.176+1"},
				{Name: "0ad", Version: "0.0.26-3", Arch: "amd64", Source: "0ad", SourceVersion: "0.0.26-3"},
				{Name: "0ad-data-common", Version: "0.0.26-1", Arch: "all", Source: "0ad-data", SourceVersion: "0.0.26-1"},
			},
		},
		{
			"apt-bookworm/bookworm-security_main_binary-amd64_Packages.gz", 3020, 2781, 85, 1901, 1119,
			[]Binary{
				{Name: "libssl3", Version: "3.0.22-1~deb12u2", Arch: "amd64", Source: "openssl", SourceVersion: "3.0.22-1~deb12u2"},
				{Name: "libc6", Version: "2.36-9+deb12u7", Arch: "amd64", Source: "glibc", SourceVersion: "2.36-9+deb12u7"},
			},
		},
		{"apt-bullseye/bullseye_main_binary-amd64_Packages.gz", 58657, 39088, 10455, 29996, 28661, nil},
	} {
		t.Run(tc.file, func(t *testing.T) {
			zr := openGzip(t, tc.file)
			var names, vers, amd64, all int
			byName := map[string]Binary{}
			n, err := ParsePackagesIndex(context.Background(), zr, func(b Binary) error {
				if b.Source != b.Name {
					names++
				}
				if b.SourceVersion != b.Version {
					vers++
				}
				switch b.Arch {
				case "amd64":
					amd64++
				case "all":
					all++
				}
				if _, dup := byName[b.Name]; !dup {
					byName[b.Name] = b
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			got := []int{n, names, vers, amd64, all}
			want := []int{tc.stanzas, tc.names, tc.vers, tc.amd64, tc.all}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("[stanzas, source name differs, source version differs, amd64, all] (-want +got):\n%s", diff)
			}
			for _, w := range tc.spots {
				if diff := cmp.Diff(w, byName[w.Name]); diff != "" {
					t.Errorf("%s (-want +got):\n%s", w.Name, diff)
				}
			}
		})
	}
}
