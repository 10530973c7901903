package osv

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/pakiti-go/pakiti/internal/source"
)

// Mapping maps an OSV ecosystem, exactly as records write it
// ("AlmaLinux:9", "Rocky Linux:8", "Ubuntu:22.04:LTS"), to the OS group
// whose hosts its records are for ("alma:9", "rocky:8", "ubuntu:22.04").
// Several ecosystems may map to one group; an ecosystem not in the mapping
// is skipped.
type Mapping map[string]string

// ParseMapping reads a mapping written by an admin, one pair a line:
//
//	# OSV ecosystem = OS group
//	AlmaLinux:9     = alma:9
//	Rocky Linux:9   = rocky:9
//
// Blanks around both sides are trimmed; the ecosystem may hold blanks and
// colons, the group is "distro:release" without blanks. "#" starts a
// comment; blank lines are ignored. An ecosystem given twice, a line
// without "=" or a malformed group is an error naming the line.
func ParseMapping(r io.Reader) (Mapping, error) {
	m := Mapping{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		eco, group, ok := strings.Cut(line, "=")
		eco, group = strings.TrimSpace(eco), strings.TrimSpace(group)
		if !ok || eco == "" || group == "" {
			return nil, fmt.Errorf("line %d: want \"ecosystem = os_group\", got %q", n, source.Clip(line, 80))
		}
		if !validGroup(group) {
			return nil, fmt.Errorf("line %d: OS group %q is not distro:release (e.g. alma:9)", n, source.Clip(group, 80))
		}
		if old, dup := m[eco]; dup {
			return nil, fmt.Errorf("line %d: ecosystem %q mapped twice (to %s and %s)", n, eco, old, group)
		}
		m[eco] = group
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return m, nil
}

// LoadMapping reads a mapping file (see ParseMapping).
func LoadMapping(path string) (Mapping, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := ParseMapping(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// validGroup reports whether g looks like an OS group: "distro:release",
// both parts non-empty, printable ASCII without blanks.
func validGroup(g string) bool {
	d, r, ok := strings.Cut(g, ":")
	return ok && d != "" && r != "" && source.ValidName(g)
}
