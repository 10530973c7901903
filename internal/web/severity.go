package web

import "strings"

// sevClasses are the CSS classes of severities (sev-NAME in style.css).
var sevClasses = map[string]string{
	"critical": "critical",
	"high":     "high", "important": "high", // Red Hat, SUSE
	"medium": "medium", "moderate": "medium",
	"low":        "low",
	"negligible": "negligible", "unimportant": "negligible", // Debian
}

// sevRank orders the classes, for the highest severity of a group.
var sevRank = map[string]int{"unknown": 0, "negligible": 1, "low": 2, "medium": 3, "high": 4, "critical": 5}

// sevClass maps a vendor's severity word to one of the CSS classes
// critical, high, medium, low, negligible or unknown: any other word
// ("not yet assigned", "", markup) is unknown, never a class of its own.
func sevClass(word string) string {
	if c, ok := sevClasses[strings.ToLower(strings.TrimSpace(word))]; ok {
		return c
	}
	return "unknown"
}
