package debian

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source"
)

// Sources of the records from the DSA and DLA lists.
const (
	SourceDSA = "debian-dsa"
	SourceDLA = "debian-dla"
)

// listEntry is one DSA or DLA entry, kept until its last line is read.
type listEntry struct {
	line  int
	id    string    // DSA-5380-1
	title string    // xorg-server - security update
	date  time.Time // the header's [DD Mon YYYY]
	cves  []string
	notes []packageNote
	lines int
}

// ParseAdvisoryList reads the tracker's data/DSA/list (kind "DSA") or
// data/DLA/list (kind "DLA"), the files the PHP Pakiti reads:
//
//	[29 Mar 2023] DSA-5380-1 xorg-server - security update
//		{CVE-2023-1393}
//		[bullseye] - xorg-server 2:1.20.11-1+deb11u6
//		NOTE: ...
//
// Annotation lines are indented with a TAB or with spaces (old entries and
// copies use spaces). It emits one record per (CVE, package line), with
// AdvisoryID the entry's id, Description the entry's title and Source
// "debian-dsa" or "debian-dla"; package lines map to statuses as the
// package documentation lays out.
//
// An entry that names no CVE (a regression update, an entry from before
// CVE ids) still fixes its packages: its records carry the advisory id
// itself as the CVE field (Temporary false), so "DSA-5356-2" stands where a
// CVE would.
//
// Every package line of the real lists names its release. A line without
// one ("- pkg 1.0") would mean unstable in the tracker's syntax, which an
// advisory never fixes: such lines are skipped and counted. Entries with no
// package line (end-of-life notices, key changes, DLA-449-2) emit nothing
// and are counted under "entry without package lines".
//
// A header line that is not "[DD Mon YYYY] KIND-N[-N] ..." is an error; an
// annotation line that cannot be read is skipped and counted. An error
// returned by emit stops parsing and is returned as is.
func ParseAdvisoryList(ctx context.Context, r io.Reader, kind string, emit func(model.Advisory) error) (Stats, error) {
	var st Stats
	var source string
	switch kind {
	case "DSA":
		source = SourceDSA
	case "DLA":
		source = SourceDLA
	default:
		return st, fmt.Errorf("advisory list: unknown kind %q (want DSA or DLA)", kind)
	}
	errorf := func(line int, format string, args ...any) error {
		return fmt.Errorf("%s list line %d: %s", kind, line, fmt.Sprintf(format, args...))
	}

	var cur *listEntry
	flush := func() error {
		if cur == nil {
			return nil
		}
		e := cur
		cur = nil
		return emitListEntry(&st, source, e, emit)
	}

	ls := newLines(ctx, r)
	for {
		line, ok := ls.next()
		if !ok {
			break
		}
		lineNo := ls.n
		if line == "" {
			continue
		}
		if line[0] != ' ' && line[0] != '\t' {
			if err := flush(); err != nil {
				return st, err
			}
			e, err := parseListHeader(line, kind)
			if err != nil {
				return st, errorf(lineNo, "%v", err)
			}
			e.line = lineNo
			cur = e
			continue
		}
		if cur == nil {
			return st, errorf(lineNo, "indented line before the first entry")
		}
		if cur.lines++; cur.lines > maxEntryLines {
			return st, errorf(lineNo, "entry %s has more than %d lines", cur.id, maxEntryLines)
		}
		s := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(s, "{"):
			inner, ok := strings.CutSuffix(s[1:], "}")
			if !ok {
				st.skip(skipUnknownLine)
				continue
			}
			for _, ref := range strings.Fields(inner) {
				if isCVEID(ref) {
					cur.cves = append(cur.cves, ref)
				} else {
					st.skip(skipNonCVERef)
				}
			}
		case strings.HasPrefix(s, "[") || strings.HasPrefix(s, "-"):
			n, ok := parsePackageNote(s)
			if !ok {
				st.skip(skipMalformed)
				continue
			}
			cur.notes = append(cur.notes, n)
		case strings.HasPrefix(s, "NOTE:") || strings.HasPrefix(s, "TODO:"):
		default:
			st.skip(skipUnknownLine)
		}
	}
	if ls.tooLong() {
		return st, errorf(ls.n+1, "line longer than %d bytes", maxLine)
	}
	if ls.err != nil { // cancelled
		return st, ls.err
	}
	if err := ls.sc.Err(); err != nil {
		return st, fmt.Errorf("%s list: %w", kind, err)
	}
	return st, flush()
}

// parseListHeader reads "[29 Mar 2023] DSA-5380-1 xorg-server - security update".
func parseListHeader(line, kind string) (*listEntry, error) {
	rest, ok := strings.CutPrefix(line, "[")
	date, rest, ok2 := strings.Cut(rest, "]")
	if !ok || !ok2 {
		return nil, fmt.Errorf("expected \"[DD Mon YYYY] %s-...\", got %q", kind, source.Clip(line, 80))
	}
	day, err := time.Parse("02 Jan 2006", date)
	if err != nil {
		return nil, fmt.Errorf("invalid date %q", source.Clip(date, 40))
	}
	id, title := field(strings.TrimLeft(rest, " \t"))
	if !isAdvisoryID(id, kind) {
		return nil, fmt.Errorf("expected a %s id after the date, got %q", kind, source.Clip(id, 40))
	}
	return &listEntry{id: id, title: source.Clip(strings.TrimSpace(title), maxDescription), date: day}, nil
}

// emitListEntry emits the records of one finished entry.
func emitListEntry(st *Stats, src string, e *listEntry, emit func(model.Advisory) error) error {
	st.Advisories++
	st.CVEs += len(e.cves)
	if len(e.notes) == 0 {
		st.skip(skipNoPackageLines)
		return nil
	}
	ids := e.cves
	if len(ids) == 0 {
		ids = []string{e.id}
	}
	for _, n := range e.notes {
		st.Packages++
		if n.release == "" {
			st.skip(skipNoRelease)
			continue
		}
		osGroup, ok := OSGroup(n.release)
		if !ok {
			st.skip(source.SkipName(skipUnknownRelease, n.release))
			continue
		}
		r, skip := n.record()
		if skip != "" {
			st.skip(skip)
			continue
		}
		for _, id := range ids {
			a := model.Advisory{
				Source:       src,
				OSGroup:      osGroup,
				Package:      n.pkg,
				CVE:          id,
				FixedVersion: r.fixed,
				Status:       r.status,
				Severity:     r.severity,
				AdvisoryID:   e.id,
				Description:  e.title,
				Note:         r.note,
				Published:    e.date, // the advisory's date: the list's newest is its data date
			}
			if err := emit(a); err != nil {
				return err
			}
			st.Records++
		}
	}
	return nil
}

// isAdvisoryID reports whether s is KIND-N or KIND-N-N (DSA-141, DSA-5380-1).
func isAdvisoryID(s, kind string) bool {
	rest, ok := strings.CutPrefix(s, kind+"-")
	if !ok {
		return false
	}
	num, rev, hasRev := strings.Cut(rest, "-")
	return isDigits(num, 1, 9) && (!hasRev || isDigits(rev, 1, 4))
}

// isCVEID reports whether s is CVE-YYYY-NNNN (four or more digits).
func isCVEID(s string) bool {
	rest, ok := strings.CutPrefix(s, "CVE-")
	if !ok {
		return false
	}
	year, num, ok := strings.Cut(rest, "-")
	return ok && isDigits(year, 4, 4) && isDigits(num, 4, 12)
}

func isDigits(s string, lo, hi int) bool {
	if len(s) < lo || len(s) > hi {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
