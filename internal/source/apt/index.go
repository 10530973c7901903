package apt

import (
	"os"
	"path/filepath"
	"strings"
)

// IndexLocation is where the Packages index of an archive directory
// (dir, e.g. "dists/bookworm-security/main/binary-amd64") is read from:
// on a URL mirror its Packages.xz (the one compression every suite of
// Debian's and Ubuntu's archives serves); in a local mirror directory the
// first of Packages.xz, Packages.gz, Packages that exists. ok is false
// when the directory has none; loc then names the index it lacks.
func IndexLocation(base, dir string) (loc string, ok bool) {
	if strings.HasPrefix(base, "http://") || strings.HasPrefix(base, "https://") {
		return strings.TrimRight(base, "/") + "/" + dir + "/Packages.xz", true
	}
	for _, name := range []string{"Packages.xz", "Packages.gz", "Packages"} {
		p := filepath.Join(base, filepath.FromSlash(dir), name)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p, true
		}
	}
	return filepath.Join(base, filepath.FromSlash(dir), "Packages"), false
}
