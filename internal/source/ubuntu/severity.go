package ubuntu

import "strings"

// Priorities are the tracker's priority words, lowest first. The record's
// Severity is the word as the tracker writes it, lower-cased; "untriaged"
// says no priority was assigned yet.
var Priorities = []string{"untriaged", "negligible", "low", "medium", "high", "critical"}

// priorityWord reads a Priority value, "medium" or "medium (reduced to
// DoS by AppArmor)", and returns its word lower-cased, or "" when the
// value is empty or not a single bounded word.
func priorityWord(v string) string {
	w, _, _ := strings.Cut(strings.TrimSpace(v), " ")
	w = strings.ToLower(w)
	if !validName(w) || len(w) > 32 {
		return ""
	}
	return w
}
