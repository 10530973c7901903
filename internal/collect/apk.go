package collect

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/pakiti-go/pakiti/internal/model"
)

// apkInstalledPaths are where apk keeps its database of installed packages
// (apk-tools 2, and the /usr-merged location).
var apkInstalledPaths = []string{"/lib/apk/db/installed", "/usr/lib/apk/db/installed"}

func apkPackages(fsys rootFS, o *Options) ([]model.Package, error) {
	for _, p := range apkInstalledPaths {
		if !fsys.isFile(p) {
			continue
		}
		f, err := fsys.open(p)
		if err != nil {
			return nil, fmt.Errorf("apk: %w", err)
		}
		defer f.Close()
		pkgs, err := parseAPKInstalled(f, o.warnf)
		if err != nil {
			return nil, fmt.Errorf("apk: %s: %w", fsys.display(p), err)
		}
		return pkgs, nil
	}
	return nil, fmt.Errorf("apk: no %s", fsys.display(apkInstalledPaths[0]))
}

// parseAPKInstalled reads apk's installed database: one paragraph per
// package, separated by blank lines, of "X:value" lines. P is the name, V
// the version (version-rN), A the architecture and o the origin, i.e. the
// aport (source package) the package was built from; the source version is
// the package's version, as an aport builds all its subpackages at one
// version. The first occurrence of a key in a paragraph counts.
func parseAPKInstalled(r io.Reader, warnf func(string, ...any)) ([]model.Package, error) {
	var (
		pkgs             []model.Package
		name, ver, arch  string
		origin           string
		skipped, lineNo  int
		start, firstSkip int
	)
	flush := func() {
		if name == "" && ver == "" {
			return
		}
		if validField(name) && validField(ver) && (arch == "" || validField(arch)) {
			p := model.Package{Name: name, Version: ver, Arch: arch, SourceName: name, SourceVersion: ver}
			if validField(origin) {
				p.SourceName = origin
			}
			pkgs = append(pkgs, p)
		} else {
			skipped++
			if firstSkip == 0 {
				firstSkip = start
			}
		}
		name, ver, arch, origin = "", "", "", ""
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 64<<20)
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			flush()
			start = 0
			continue
		}
		if start == 0 {
			start = lineNo
		}
		if len(line) < 2 || line[1] != ':' {
			continue
		}
		v := line[2:]
		switch line[0] {
		case 'P':
			if name == "" {
				name = v
			}
		case 'V':
			if ver == "" {
				ver = v
			}
		case 'A':
			if arch == "" {
				arch = v
			}
		case 'o':
			if origin == "" {
				origin = v
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	flush()
	if skipped > 0 && warnf != nil {
		warnf("apk: skipped %d packages without a usable name or version (first at line %d)", skipped, firstSkip)
	}
	return pkgs, nil
}
