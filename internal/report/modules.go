package report

import (
	"fmt"
	"strings"
)

// ModulesNone is the modules: header value of a host that uses RPM
// modules (it has /etc/dnf/modules.d) and enabled none: the server then
// knows the host's module state, which an absent header does not say.
const ModulesNone = "none"

// ModuleStream returns the module stream "name:stream" of an RPM module
// label: a MODULARITYLABEL ("nodejs:12:8010020191122084000:cdc1202b",
// name:stream:version:context) or a stream alone ("nodejs:12"). ok is
// false when the label has no name or no stream, or holds spaces.
func ModuleStream(label string) (string, bool) {
	if strings.ContainsAny(label, " \t") {
		return "", false
	}
	name, rest, found := strings.Cut(label, ":")
	if !found || name == "" {
		return "", false
	}
	stream, _, _ := strings.Cut(rest, ":")
	if stream == "" {
		return "", false
	}
	return name + ":" + stream, true
}

// ParseModules reads a modules: header value: the host's enabled module
// streams ("nodejs:12 perl:5.30", order kept), or ModulesNone. known is
// false for an empty value (the host did not say).
func ParseModules(v string) (streams []string, known bool, err error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, false, nil
	}
	if v == ModulesNone {
		return nil, true, nil
	}
	for _, f := range strings.Fields(v) {
		m, ok := ModuleStream(f)
		if !ok || m != f {
			return nil, false, fmt.Errorf("header %s: %q is not name:stream", KeyModules, clip(f))
		}
		streams = append(streams, m)
	}
	return streams, true, nil
}

// FormatModules is the modules: header value of a host's enabled module
// streams; ModulesNone for none.
func FormatModules(streams []string) string {
	if len(streams) == 0 {
		return ModulesNone
	}
	return strings.Join(streams, " ")
}
