package collect

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/pakiti-go/pakiti/internal/model"
)

// dpkgStatusPath is dpkg's database of installed packages.
const dpkgStatusPath = "/var/lib/dpkg/status"

// dpkgInstalled is the only status the Perl client reports (it keeps the
// lines of `dpkg-query -W -f '${Status}=...'` that start with it).
const dpkgInstalled = "install ok installed"

func dpkgPackages(fsys rootFS, o *Options) ([]model.Package, error) {
	f, err := fsys.open(dpkgStatusPath)
	if err != nil {
		return nil, fmt.Errorf("dpkg: %w", err)
	}
	defer f.Close()
	pkgs, err := parseDpkgStatus(f, o.warnf)
	if err != nil {
		return nil, fmt.Errorf("dpkg: %s: %w", fsys.display(dpkgStatusPath), err)
	}
	return pkgs, nil
}

// parseDpkgStatus reads a dpkg status file: RFC 822-style paragraphs, one
// per package, separated by blank lines; a line starting with a space or
// tab continues the previous field. It returns the packages whose Status is
// "install ok installed" with what the Perl client prints for them
// (dpkg-query's ${Package}, ${Version}, ${Architecture}: the name carries no
// ":arch" even for Multi-Arch: same packages) and their source package
// (dpkg-query's ${source:Package} and ${source:Version}: the Source field's
// name and parenthesised version, the binary's own name and version when the
// field or the version is absent). Paragraphs without a name or version are
// skipped with a warning.
func parseDpkgStatus(r io.Reader, warnf func(string, ...any)) ([]model.Package, error) {
	type stanza struct {
		name, version, arch, status, source string
		line                                int
	}
	var (
		pkgs    []model.Package
		cur     stanza
		skipped int
		first   string
	)
	flush := func() {
		s := cur
		cur = stanza{}
		if s.status != dpkgInstalled {
			return
		}
		if !validField(s.name) || !validField(s.version) || (s.arch != "" && !validField(s.arch)) {
			skipped++
			if first == "" {
				first = fmt.Sprintf("paragraph at line %d (Package %q, Version %q)", s.line, s.name, s.version)
			}
			return
		}
		p := model.Package{Name: s.name, Version: s.version, Arch: s.arch,
			SourceName: s.name, SourceVersion: s.version}
		if s.source != "" {
			name, ver, _ := strings.Cut(s.source, " ")
			ver = strings.TrimSpace(ver)
			if strings.HasPrefix(ver, "(") && strings.HasSuffix(ver, ")") {
				ver = strings.TrimSpace(ver[1 : len(ver)-1])
			} else {
				ver = ""
			}
			if validField(name) {
				p.SourceName = name
				if validField(ver) {
					p.SourceVersion = ver
				}
			}
		}
		pkgs = append(pkgs, p)
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 64<<20)
	lineNo := 0
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			continue // continuation of a field we do not need
		}
		if cur.line == 0 {
			cur.line = lineNo
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "package":
			cur.name = v
		case "version":
			cur.version = v
		case "architecture":
			cur.arch = v
		case "status":
			cur.status = v
		case "source":
			cur.source = v
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	flush()
	if skipped > 0 && warnf != nil {
		warnf("dpkg: skipped %d installed packages without a usable name or version (first: %s)", skipped, first)
	}
	return pkgs, nil
}

// validField reports whether s can be one field of a package line: not
// empty, no white space or control characters (the server splits lines at
// tabs, or at spaces when there is no tab).
func validField(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == 0x7f {
			return false
		}
	}
	return true
}
