package ubuntu

import (
	"strings"

	"github.com/pakiti-go/pakiti/internal/model"
)

// Reasons a status line gives no record.
const (
	skipDNE            = "DNE (package not in the release)"
	skipReleasedNoVer  = "released without a readable version"
	skipUnknownStatus  = "unknown status"
	skipEmptyStatus    = "empty status"
	skipDuplicateLine  = "duplicate status line"
	skipNoCandidate    = "file without a valid Candidate"
	skipBadPackageName = "invalid package name"
)

// verdict is what one status line says, in the common model.
type verdict struct {
	status model.Status
	fixed  string
	note   string
	skip   string // why the line gives no record; "" when it gives one
}

// mapStatus turns "released (1.2-3ubuntu1)", "needed", "ignored (reason)"...
// into a verdict (see the package comment for the table).
func mapStatus(text string) verdict {
	word, rest, _ := strings.Cut(strings.TrimSpace(text), " ")
	if i := strings.IndexAny(word, "(["); i > 0 { // "released(1.2)"
		word, rest = word[:i], word[i:]+" "+rest
	}
	detail := bracketed(rest)
	switch word {
	case "":
		return verdict{skip: skipEmptyStatus}
	case "released", "released-esm":
		v, _, more := strings.Cut(detail, ",")
		v = strings.TrimSpace(v)
		if !validVersion(v) {
			return verdict{skip: skipReleasedNoVer}
		}
		var note string
		if more {
			note = word + " (" + detail + ")"
		}
		return verdict{status: model.StatusFixed, fixed: v, note: note}
	case "not-affected":
		// "not-affected (1.2-3)": the release shipped a version with the
		// fix, so no version of the release is affected. The version is
		// kept in Note, not compared: the files carry slips in it
		// (retired/CVE-2015-2779 says xenial_quassel "not-affected
		// (1:10.0-2.3)" for 1:0.10.0-2.3, which every xenial version would
		// be "older" than).
		return verdict{status: model.StatusNotAffected, note: withDetail("not-affected", detail)}
	case "needed":
		return verdict{status: model.StatusAffected, note: withDetail("needed", detail)}
	case "pending":
		// A fix is prepared (the version, when given, is the upload to
		// come) but not published: affected until it is.
		return verdict{status: model.StatusAffected, note: withDetail("pending", detail)}
	case "deferred":
		return verdict{status: model.StatusFixDeferred, note: withDetail("deferred", detail)}
	case "needs-triage":
		return verdict{status: model.StatusUndetermined, note: withDetail("needs-triage", detail)}
	case "ignored":
		st := model.StatusWillNotFix
		if endOfLife(detail) {
			st = model.StatusEndOfLife
		}
		return verdict{status: st, note: withDetail("ignored", detail)}
	case "DNE":
		return verdict{skip: skipDNE}
	}
	return verdict{skip: skipName(skipUnknownStatus, word)}
}

// endOfLife tells whether an ignored reason says the release or package
// is out of support: "reached end-of-life", "end of standard support",
// "out of standard support", "was needed now end-of-life".
func endOfLife(reason string) bool {
	r := strings.ToLower(reason)
	for _, s := range []string{"end-of-life", "end of life", "out of standard support", "end of standard support"} {
		if strings.Contains(r, s) {
			return true
		}
	}
	return false
}

func withDetail(word, detail string) string {
	if detail == "" {
		return ""
	}
	return clip(word+": "+detail, maxNote)
}

// bracketed returns the text of the first parenthesised or bracketed
// group of s, "(1.2-3)" or "[1.2-3]", nesting respected ("(trusty was
// released [1.2])" gives "trusty was released [1.2]"). The real files have
// slips — "((1.2)", "(1.2))", "(1.2", "1.2)", "( 1.2 )" — which all give
// "1.2"; text after the group is ignored.
func bracketed(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if s[0] == '(' || s[0] == '[' {
		depth := 0
		for i := 0; i < len(s); i++ {
			switch s[i] {
			case '(', '[':
				depth++
			case ')', ']':
				depth--
			}
			if depth == 0 {
				s = s[1:i]
				break
			}
		}
	}
	return strings.TrimSpace(strings.Trim(strings.TrimSpace(s), "()[]"))
}
