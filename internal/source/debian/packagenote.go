package debian

import (
	"strconv"
	"strings"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source"
)

// packageNote is one package line of the CVE, DSA or DLA list (leading
// indentation removed):
//
//	[bookworm] - vlc 3.0.20-0+deb12u1
//	- qemu 1:8.1.1+ds-2
//	[sarge] - weex 2.6.1-6sarge1 (bug #332424; medium)
//	[buster] - chromium <end-of-life> (see DSA 5046)
type packageNote struct {
	release string // the codename in brackets; "" for unstable
	pkg     string // source package
	version string // fixed version; "" when a <tag> or nothing stands there
	tag     string // the word in <...>: unfixed, not-affected, no-dsa...
	notes   string // the text in the closing parentheses, if any
}

// parsePackageNote reads a package line. It accepts what the tracker's own
// parser accepts, and also runs of blanks between fields (the real DSA list
// has "[wheezy] - curl  7.26.0-1+wheezy5") and trailing blanks.
func parsePackageNote(s string) (packageNote, bool) {
	var n packageNote
	if rest, ok := strings.CutPrefix(s, "["); ok {
		rel, after, ok := strings.Cut(rest, "]")
		if !ok || !isCodename(rel) {
			return n, false
		}
		n.release = rel
		s = strings.TrimLeft(after, " \t")
	}
	s, ok := strings.CutPrefix(s, "-")
	if !ok || s == "" || (s[0] != ' ' && s[0] != '\t') {
		return n, false
	}
	s = strings.TrimLeft(s, " \t")
	n.pkg, s = field(s)
	if !isWord(n.pkg, pkgChars) {
		return n, false
	}
	s = strings.TrimLeft(s, " \t")
	switch {
	case strings.HasPrefix(s, "<"):
		tag, after, ok := strings.Cut(s[1:], ">")
		if !ok || !isWord(tag, tagChars) {
			return n, false
		}
		n.tag, s = tag, after
	case s != "" && s[0] != '(':
		n.version, s = field(s)
		if !isWord(n.version, versionChars) {
			return n, false
		}
	}
	s = strings.TrimSpace(s)
	if s != "" {
		if len(s) < 2 || s[0] != '(' || s[len(s)-1] != ')' {
			return n, false
		}
		n.notes = strings.TrimSpace(s[1 : len(s)-1])
	}
	return n, true
}

// field splits s at its first blank.
func field(s string) (string, string) {
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		return s[:i], s[i:]
	}
	return s, ""
}

// Character sets of the tracker's package-line syntax.
const (
	pkgChars     = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789:.+-"
	versionChars = pkgChars + "~"
	tagChars     = "abcdefghijklmnopqrstuvwxyz-"
)

func isWord(s, chars string) bool {
	if s == "" || len(s) > source.MaxName {
		return false
	}
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(chars, s[i]) < 0 {
			return false
		}
	}
	return true
}

func isCodename(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return true
}

// urgencies are the words the tracker reads as an urgency in a package
// line's notes.
var urgencies = map[string]bool{
	"high": true, "medium": true, "low": true, "unimportant": true,
	"end-of-life": true, "not yet assigned": true,
}

// splitNotes reads the notes of a versioned, <unfixed>, <removed>, <itp> or
// <undetermined> line as the tracker does: parts separated by ";", each an
// urgency ("medium"), a Debian bug ("bug #332424") or other text. It returns
// the urgency, the first bug number (0 if none) and the other parts.
func splitNotes(notes string) (urgency string, bug int, rest string) {
	if notes == "" {
		return "", 0, ""
	}
	var other []string
	for part := range strings.SplitSeq(notes, ";") {
		part = strings.TrimSpace(part)
		if urgencies[part] {
			urgency = part
			continue
		}
		if num, ok := strings.CutPrefix(part, "bug #"); ok {
			if b, err := strconv.Atoi(num); err == nil && b > 0 {
				if bug == 0 {
					bug = b
				}
				continue
			}
		}
		if part != "" {
			other = append(other, part)
		}
	}
	return urgency, bug, strings.Join(other, "; ")
}

// bug is the first Debian bug a line's notes name, for the lines whose
// notes the tracker reads as urgency and bugs (0 otherwise).
func (n packageNote) bug() int {
	switch n.tag {
	case "", "unfixed", "removed", "itp", "undetermined":
		_, b, _ := splitNotes(n.notes)
		return b
	}
	return 0
}

// noteRecord is what a package line says, before the id and release are
// attached.
type noteRecord struct {
	status   model.Status
	fixed    string
	severity string
	note     string
}

// record maps a package line to a status as the package documentation
// lays out; skip is the reason when it maps to no record.
func (n packageNote) record() (r noteRecord, skip string) {
	labelled := func(label string) string {
		if n.notes == "" {
			return label
		}
		return source.Clip(label+": "+n.notes, maxNote)
	}
	urgency, _, rest := splitNotes(n.notes)
	r.severity = normUrgency(urgency)
	r.note = source.Clip(rest, maxNote)
	switch n.tag {
	case "":
		switch n.version {
		case "":
			r.status = model.StatusAffected
		case "0":
			r.status = model.StatusNotAffected
		default:
			r.status, r.fixed = model.StatusFixed, n.version
		}
		return r, ""
	case "unfixed":
		r.status = model.StatusAffected
		return r, ""
	case "undetermined":
		r.status = model.StatusUndetermined
		return r, ""
	case "removed":
		r.status = model.StatusEndOfLife
		r.note = "removed"
		if rest != "" {
			r.note = source.Clip("removed: "+rest, maxNote)
		}
		return r, ""
	case "itp":
		return noteRecord{}, skipITP
	}
	r = noteRecord{}
	switch n.tag {
	case "not-affected":
		r.status, r.note = model.StatusNotAffected, labelled("not-affected")
		if n.notes == "" {
			r.note = ""
		}
	case "end-of-life":
		r.status, r.note = model.StatusEndOfLife, labelled("end-of-life")
		if n.notes == "" {
			r.note = ""
		}
	case "no-dsa":
		r.status, r.note = model.StatusAffected, labelled("no-dsa")
	case "ignored":
		r.status, r.note = model.StatusWillNotFix, labelled("ignored")
	case "postponed":
		r.status, r.note = model.StatusFixDeferred, labelled("postponed")
	default:
		return noteRecord{}, source.SkipName(skipUnknownTag, n.tag)
	}
	return r, ""
}
