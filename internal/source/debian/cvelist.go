package debian

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source"
)

// SourceCVEList names records from the tracker's data/CVE/list.
const SourceCVEList = "debian-cve-list"

// cveEntry is one entry of the CVE list, kept until its last line is read.
type cveEntry struct {
	id          string // CVE-2023-5088, or CVE-2023-XXXX before naming
	description string // the header's text without its () or []
	notes       []packageNote
	rejected    bool
	notForUs    bool
	lines       int
}

// ParseCVEList reads the tracker's data/CVE/list:
//
//	CVE-2023-5849 (Integer overflow in USB in Google Chrome prior to ...)
//		{DSA-5546-1}
//		- chromium 119.0.6045.105-1
//		[buster] - chromium <end-of-life> (see DSA 5046)
//		NOTE: ...
//
// and emits one record per package line, with Source "debian-cve-list" and
// Description the header's text. A line without a release ("- pkg ...")
// is unstable: OS group debian:sid. Package lines map to statuses as the
// package documentation lays out. Only what the list writes is emitted: a
// release without a line of its own gets no record here (the tracker works
// its status out from unstable's and the archive's versions; its JSON
// export carries the result).
//
// Entries named CVE-YYYY-XXXX (no CVE id yet) get the name the tracker
// gives them, TEMP-<first Debian bug of the entry's package lines, 7
// digits>-<first 6 hex digits of the MD5 of the description, upper case>,
// and Temporary true, so they meet the tracker JSON's TEMP- records.
//
// REJECTED entries emit nothing (their package lines are counted as
// skipped); NOT-FOR-US, RESERVED and TODO entries have no package lines and
// emit nothing. {...} cross-references are not used: the DSA and DLA lists
// say which advisory fixed what. A top-level line that is not a CVE entry
// (or a "begin claimed by", "end claimed by" or "STOP:" marker) is an
// error; an annotation line that cannot be read is skipped and counted. An
// error returned by emit stops parsing and is returned as is.
func ParseCVEList(ctx context.Context, r io.Reader, emit func(model.Advisory) error) (Stats, error) {
	var st Stats
	errorf := func(line int, format string, args ...any) error {
		return fmt.Errorf("CVE list line %d: %s", line, fmt.Sprintf(format, args...))
	}
	var cur *cveEntry
	flush := func() error {
		if cur == nil {
			return nil
		}
		e := cur
		cur = nil
		return emitCVEEntry(&st, e, emit)
	}

	ls := newLines(ctx, r)
	for {
		line, ok := ls.next()
		if !ok {
			break
		}
		lineNo := ls.n
		if line == "" || strings.HasPrefix(line, "--") {
			continue
		}
		if line[0] != ' ' && line[0] != '\t' {
			if err := flush(); err != nil {
				return st, err
			}
			if strings.HasPrefix(line, "STOP:") || strings.HasPrefix(line, "begin claimed by ") ||
				strings.HasPrefix(line, "end claimed by ") {
				continue
			}
			e, ok := parseCVEHeader(line)
			if !ok {
				return st, errorf(lineNo, "expected a CVE entry, got %q", source.Clip(line, 80))
			}
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
		case strings.HasPrefix(s, "[") || strings.HasPrefix(s, "-"):
			n, ok := parsePackageNote(s)
			if !ok {
				st.skip(skipMalformed)
				continue
			}
			cur.notes = append(cur.notes, n)
		case s == "REJECTED" || strings.HasPrefix(s, "NOTE: rejected"):
			cur.rejected = true
		case strings.HasPrefix(s, "NOT-FOR-US:"):
			cur.notForUs = true
		case strings.HasPrefix(s, "{"), s == "RESERVED",
			strings.HasPrefix(s, "NOTE:"), strings.HasPrefix(s, "TODO:"):
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
		return st, fmt.Errorf("CVE list: %w", err)
	}
	return st, flush()
}

// parseCVEHeader reads "CVE-2023-5088 (A bug in QEMU ...)",
// "CVE-2023-XXXX [VLC: OOW in MMS URL parsing]" or a bare "CVE-2023-46517".
func parseCVEHeader(line string) (*cveEntry, bool) {
	id, desc := field(line)
	if !isCVEID(id) && !isPlaceholderID(id) {
		return nil, false
	}
	desc = strings.TrimSpace(desc)
	if len(desc) >= 2 && (desc[0] == '(' && desc[len(desc)-1] == ')' || desc[0] == '[' && desc[len(desc)-1] == ']') {
		desc = desc[1 : len(desc)-1]
	}
	return &cveEntry{id: id, description: desc}, true
}

// isPlaceholderID reports whether s is CVE-YYYY-XXXX, the list's name for
// an issue that has no CVE id yet.
func isPlaceholderID(s string) bool {
	year, ok := strings.CutPrefix(s, "CVE-")
	if !ok {
		return false
	}
	year, ok = strings.CutSuffix(year, "-XXXX")
	return ok && isDigits(year, 4, 4)
}

// tempName is the tracker's name for a CVE-YYYY-XXXX entry.
func tempName(bug int, description string) string {
	sum := md5.Sum([]byte(description))
	return fmt.Sprintf("TEMP-%07d-%s", bug, strings.ToUpper(hex.EncodeToString(sum[:3])))
}

// emitCVEEntry emits the records of one finished entry.
func emitCVEEntry(st *Stats, e *cveEntry, emit func(model.Advisory) error) error {
	st.CVEs++
	id, temporary := e.id, false
	if isPlaceholderID(id) {
		bug := 0
		for _, n := range e.notes {
			if bug = n.bug(); bug != 0 {
				break
			}
		}
		id, temporary = tempName(bug, e.description), true
	}
	desc := source.Clip(e.description, maxDescription)
	for _, n := range e.notes {
		st.Packages++
		switch {
		case e.rejected:
			st.skip(skipRejected)
			continue
		case e.notForUs:
			st.skip(skipNotForUs)
			continue
		}
		rel := n.release
		if rel == "" {
			rel = "sid"
		}
		osGroup, ok := OSGroup(rel)
		if !ok {
			st.skip(source.SkipName(skipUnknownRelease, rel))
			continue
		}
		r, skip := n.record()
		if skip != "" {
			st.skip(skip)
			continue
		}
		a := model.Advisory{
			Source:       SourceCVEList,
			OSGroup:      osGroup,
			Package:      n.pkg,
			CVE:          id,
			FixedVersion: r.fixed,
			Status:       r.status,
			Severity:     r.severity,
			Description:  desc,
			Note:         r.note,
			Temporary:    temporary,
		}
		if err := emit(a); err != nil {
			return err
		}
		st.Records++
	}
	return nil
}
