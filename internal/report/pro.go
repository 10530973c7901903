package report

import (
	"fmt"
	"strings"
)

// ProNone is the pro: header value of an Ubuntu host without Ubuntu Pro:
// not attached, or attached with no service enabled. The server then
// knows the host cannot install a fix published only in a Pro channel,
// which an absent header (protocol 5, an older client) does not say.
const ProNone = "none"

// ParsePro reads a pro: header value: the host's enabled Ubuntu Pro
// services ("esm-infra esm-apps", as ubuntu-advantage's status.json names
// them, order kept), or ProNone (services nil, known). known is false for
// an empty value (the host did not say). A service name is lower-case
// letters, digits and "-" ("esm-infra", "fips-updates", "ros-esm").
func ParsePro(v string) (services []string, known bool, err error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, false, nil
	}
	if v == ProNone {
		return nil, true, nil
	}
	for _, f := range strings.Fields(v) {
		if !serviceName(f) {
			return nil, false, fmt.Errorf("header %s: %q is not a Pro service name", KeyPro, clip(f))
		}
		services = append(services, f)
	}
	return services, true, nil
}

// FormatPro is the pro: header value of a host's enabled Pro services;
// ProNone for none.
func FormatPro(services []string) string {
	if len(services) == 0 {
		return ProNone
	}
	return strings.Join(services, " ")
}

func serviceName(s string) bool {
	if s == "" || len(s) > 64 || s == ProNone {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
