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
	for i, r := range rules {
		if _, err := Compile([]Rule{r}); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, lines[i], err)
		}
	}
	return Compile(rules)
}

// Load reads the rule file at path and returns its rules in front of the
// built-in ones (an empty path gives the built-in rules alone).
func Load(path string) (Rules, error) {
	if path == "" {
		return Builtin, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("OS group rules: %w", err)
	}
	defer f.Close()
	rs, err := Parse(f, path)
	if err != nil {
		return nil, err
	}
	return append(rs[:len(rs):len(rs)], Builtin...), nil
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
