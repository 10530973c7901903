package model

// Severity is a vendor's severity on one ordered scale: each distro driver
// maps its sources' words (Debian urgencies, Red Hat impacts...) onto it.
// The zero value is SeverityUnknown, and a higher value is more severe.
type Severity int

// The common severities, least severe first.
const (
	SeverityUnknown    Severity = iota // no word, or a word that ranks nothing ("not yet assigned")
	SeverityNegligible                 // Debian "unimportant"
	SeverityLow
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

var severityNames = [...]string{"unknown", "negligible", "low", "medium", "high", "critical"}

// String returns the severity's lower-case name.
func (s Severity) String() string {
	if s < 0 || int(s) >= len(severityNames) {
		return "unknown"
	}
	return severityNames[s]
}
