package osgroup

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
)

// ruleSep separates a rule's regular expression from its group.
const ruleSep = " => "

// Parse reads a rule file: one rule a line, "REGEXP => GROUP" (the last
// " => " of the line separates them; spaces around both are trimmed),
// blank lines and lines starting with "#" ignored. A REGEXP starting with
// "id:" is tried against os-release "ID VERSION_ID" (Rule). name names the
// file in errors, which give the line.
func Parse(r io.Reader, name string) (Rules, error) {
	var rules []Rule
	var lines []int
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndex(line, ruleSep)
		if i < 0 {
			return nil, fmt.Errorf("%s:%d: %q is not REGEXP => GROUP", name, n, clip(line))
		}
		rules = append(rules, Rule{Match: strings.TrimSpace(line[:i]), Group: strings.TrimSpace(line[i+len(ruleSep):])})
		lines = append(lines, n)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	out := make(Rules, len(rules))
	for i, r := range rules {
		c, err := CompileRule(r)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, lines[i], err)
		}
		out[i] = c
	}
	return out, nil
}

// Load reads the rule file at path and returns its rules in front of the
// built-in ones (an empty path gives the built-in rules alone).
func Load(path string) (Rules, error) {
	rs, err := LoadFile(path)
	if err != nil {
		return nil, err
	}
	return append(rs[:len(rs):len(rs)], Builtin...), nil
}

// LoadFile reads the rule file at path alone (an empty path: no rules).
func LoadFile(path string) (Rules, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("OS group rules: %w", err)
	}
	defer f.Close()
	return Parse(f, path)
}

// Format writes rules in the rule file format.
func Format(w io.Writer, rs Rules) error {
	for _, r := range rs {
		if _, err := fmt.Fprintf(w, "%s%s%s\n", r.Match, ruleSep, r.Group); err != nil {
			return err
		}
	}
	return nil
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}
