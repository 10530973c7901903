// Package osgroup maps what hosts report about their OS (the system
// string, os-release ID and VERSION_ID) to the OS group a set of security
// data applies to, such as debian:12. Rules are regular expressions tried
// in order; the built-in ones (builtin.rules, in the format of a rule
// file, file.go) cover every distro of the inventories, and admins can put
// their own in front with a rule file (pakiti serve --os-rules FILE).
package osgroup

import (
	_ "embed"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Facts are what a report says about a host's OS.
type Facts struct {
	System      string `json:"system"`        // the report's system: line, e.g. "Debian GNU/Linux 12"
	OSID        string `json:"os_id"`         // os-release ID (protocol 6), e.g. "debian"
	OSVersionID string `json:"os_version_id"` // os-release VERSION_ID (protocol 6), e.g. "12"
}

// Rule turns matching facts into a group. Match is tried against the
// System string, or, when it starts with "id:", against "ID VERSION_ID".
// Group may refer to submatches as $1, ${name}.
type Rule struct {
	Match string `json:"match"`
	Group string `json:"group"`
	re    *regexp.Regexp
	onID  bool
}

// Rules is an ordered rule list; the first match wins.
type Rules []Rule

// Compile checks and prepares rules.
func Compile(rules []Rule) (Rules, error) {
	out := make(Rules, len(rules))
	for i, r := range rules {
		c, err := CompileRule(r)
		if err != nil {
			return nil, fmt.Errorf("OS group rule %d: %w", i+1, err)
		}
		out[i] = c
	}
	return out, nil
}

// CompileRule checks and prepares one rule: its regular expression
// compiles, its group is not empty and names only submatches the
// expression has.
func CompileRule(r Rule) (Rule, error) {
	expr := r.Match
	if strings.HasPrefix(expr, "id:") {
		expr, r.onID = strings.TrimPrefix(expr, "id:"), true
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return r, fmt.Errorf("%q: %w", r.Match, err)
	}
	if r.Group == "" {
		return r, fmt.Errorf("%q has no group", r.Match)
	}
	if err := checkTemplate(re, r.Group); err != nil {
		return r, fmt.Errorf("%q => %s: %w", r.Match, r.Group, err)
	}
	r.re = re
	return r, nil
}

// Group returns the OS group of facts, or "" when no rule matches. Rules
// on os-release facts are tried first when the host sent them.
func (rs Rules) Group(f Facts) string {
	g, _ := rs.Match(f)
	return g
}

// Match is Group that also says which rule decided: its index in rs, -1
// when none did.
func (rs Rules) Match(f Facts) (group string, rule int) {
	id := strings.TrimSpace(strings.ToLower(f.OSID) + " " + f.OSVersionID)
	if f.OSID != "" {
		for i, r := range rs {
			if r.onID {
				if g := r.apply(id); g != "" {
					return g, i
				}
			}
		}
	}
	sys := strings.TrimSpace(f.System)
	for i, r := range rs {
		if !r.onID {
			if g := r.apply(sys); g != "" {
				return g, i
			}
		}
	}
	return "", -1
}

// OnID tells whether the rule is tried against os-release "ID
// VERSION_ID" (its Match starts with "id:").
func (r Rule) OnID() bool { return r.onID }

// checkTemplate refuses a group template that names a submatch re does not
// have ($3 of a one-group regexp, ${name} of no such group): Expand would
// silently put nothing there. "$$" is a dollar sign. The names are parsed
// as regexp.Expand parses them.
func checkTemplate(re *regexp.Regexp, tmpl string) error {
	names := map[string]bool{}
	for _, n := range re.SubexpNames() {
		if n != "" {
			names[n] = true
		}
	}
	for {
		i := strings.IndexByte(tmpl, '$')
		if i < 0 {
			return nil
		}
		tmpl = tmpl[i+1:]
		if strings.HasPrefix(tmpl, "$") {
			tmpl = tmpl[1:]
			continue
		}
		var name string
		if strings.HasPrefix(tmpl, "{") {
			end := strings.IndexByte(tmpl, '}')
			if end < 0 {
				return fmt.Errorf("group %q: unclosed ${", tmpl)
			}
			name, tmpl = tmpl[1:end], tmpl[end+1:]
		} else {
			n := 0
			for n < len(tmpl) && isNameByte(tmpl[n]) {
				n++
			}
			name, tmpl = tmpl[:n], tmpl[n:]
		}
		if name == "" || !validName(name) {
			return fmt.Errorf("a lone $ in the group: write $$ for a dollar sign, $1 or ${name} for a submatch")
		}
		if num, err := strconv.Atoi(name); err == nil {
			if num > re.NumSubexp() {
				return fmt.Errorf("the group names submatch $%d, the regular expression has %d", num, re.NumSubexp())
			}
			continue
		}
		if name[0] >= '0' && name[0] <= '9' {
			return fmt.Errorf("the group names submatch ${%s} (a $ name runs to the first character that is not a letter, digit or _): write ${%d}... for submatch %d followed by text", name, leadingNumber(name), leadingNumber(name))
		}
		if !names[name] {
			return fmt.Errorf("the group names submatch ${%s}, the regular expression has no group of that name", name)
		}
	}
}

func leadingNumber(s string) int {
	n := 0
	for i := 0; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func isNameByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func validName(s string) bool {
	for i := range len(s) {
		if !isNameByte(s[i]) {
			return false
		}
	}
	return true
}

func (r Rule) apply(s string) string {
	m := r.re.FindStringSubmatchIndex(s)
	if m == nil {
		return ""
	}
	return string(r.re.ExpandString(nil, r.Group, s, m))
}

// builtinRules is the text of the built-in rules, in the rule file format.
//
//go:embed builtin.rules
var builtinRules string

// Builtin are the default rules (builtin.rules): every distro the
// inventories name, a group per release as its security data is split
// (debian:12, rhel:9, sles:15.3), Red Hat CoreOS by its 4.x release.
var Builtin = mustParse(builtinRules)

func mustParse(text string) Rules {
	rs, err := Parse(strings.NewReader(text), "builtin.rules")
	if err != nil {
		panic(err)
	}
	return rs
}
