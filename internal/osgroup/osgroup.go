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
	"strings"
)

// Facts are what a report says about a host's OS.
type Facts struct {
	System      string // the report's system: line, e.g. "Debian GNU/Linux 12"
	OSID        string // os-release ID (protocol 6), e.g. "debian"
	OSVersionID string // os-release VERSION_ID (protocol 6), e.g. "12"
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
		expr := r.Match
		if strings.HasPrefix(expr, "id:") {
			expr, r.onID = strings.TrimPrefix(expr, "id:"), true
		}
		re, err := regexp.Compile(expr)
		if err != nil {
			return nil, fmt.Errorf("OS group rule %d (%q): %w", i+1, r.Match, err)
		}
		if r.Group == "" {
			return nil, fmt.Errorf("OS group rule %d (%q) has no group", i+1, r.Match)
		}
		r.re = re
		out[i] = r
	}
	return out, nil
}

// Group returns the OS group of facts, or "" when no rule matches. Rules
// on os-release facts are tried first when the host sent them.
func (rs Rules) Group(f Facts) string {
	id := strings.TrimSpace(strings.ToLower(f.OSID) + " " + f.OSVersionID)
	if f.OSID != "" {
		for _, r := range rs {
			if r.onID {
				if g := r.apply(id); g != "" {
					return g
				}
			}
		}
	}
	sys := strings.TrimSpace(f.System)
	for _, r := range rs {
		if !r.onID {
			if g := r.apply(sys); g != "" {
				return g
			}
		}
	}
	return ""
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
