package debian

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/pakiti-go/pakiti/internal/jsontok"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source"
)

// SourceTracker names records from the tracker JSON.
const SourceTracker = "debian-tracker"

// trackerCVE is one CVE object of the tracker JSON. Fields we do not use
// (scope, debianbug) are not declared, so their types are not checked.
type trackerCVE struct {
	Description string          `json:"description"`
	Releases    trackerReleases `json:"releases"`
}

// trackerReleases is the releases object of a CVE, by codename. The export
// writes an empty list instead of an empty object for some CVEs ("releases":
// [] in vunnel_debian.json); that reads as no releases, and any other list
// is an error.
type trackerReleases map[string]*trackerRelease

func (r *trackerReleases) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) >= 2 && b[0] == '[' {
		if len(bytes.TrimSpace(b[1:len(b)-1])) == 0 {
			*r = nil
			return nil
		}
		return &json.UnmarshalTypeError{Value: "array", Type: reflect.TypeFor[trackerReleases]()}
	}
	err := json.Unmarshal(b, (*map[string]*trackerRelease)(r))
	if err == nil {
		return nil
	}
	// Rare: decode again, slowly, to say which release is wrong (the
	// decoder's error does not name map keys).
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	for _, code := range slices.Sorted(maps.Keys(raw)) {
		v := bytes.TrimSpace(raw[code])
		if len(v) == 0 || (v[0] != '{' && string(v) != "null") {
			return &releaseError{code, " is not an object"}
		}
		var tr trackerRelease
		if err := json.Unmarshal(v, &tr); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				return &releaseError{code, fmt.Sprintf(": %s is %s, not a string", te.Field, article(te.Value))}
			}
			return &releaseError{code, ": " + err.Error()}
		}
	}
	return err
}

// releaseError says what is wrong with one release object.
type releaseError struct{ code, msg string }

func (e *releaseError) Error() string { return fmt.Sprintf("release %q%s", e.code, e.msg) }

// trackerRelease is one release object inside a CVE object. Repositories
// (the version in each suite) is not needed for a record and not read.
type trackerRelease struct {
	Status       string `json:"status"`
	FixedVersion string `json:"fixed_version"`
	Urgency      string `json:"urgency"`
	NoDSA        string `json:"nodsa"`
	NoDSAReason  string `json:"nodsa_reason"`
}

// ParseTrackerJSON reads the security tracker's JSON export
// (https://security-tracker.debian.org/tracker/data/json):
//
//	{SOURCE: {CVE_ID: {"description", "scope", "debianbug",
//	  "releases": {CODENAME: {"status", "fixed_version", "urgency",
//	    "repositories", "nodsa", "nodsa_reason"}}}}}
//
// and emits one record per (source package, id, release), packages and ids
// in file order, releases oldest first. It walks the two outer levels with
// json.Decoder.Token and decodes one CVE object at a time, so memory does
// not grow with the file; a single token or CVE object over 1 MiB is an
// error.
//
// Status mapping (first match wins):
//
//	status "resolved", fixed_version "0"     -> not-affected
//	status "resolved", fixed_version V       -> fixed in V
//	urgency "end-of-life"                    -> end-of-life
//	status "undetermined"                    -> undetermined
//	status "open", nodsa_reason "ignored"    -> will-not-fix (Note "ignored: <nodsa>")
//	status "open", nodsa_reason "postponed"  -> fix-deferred (Note "postponed: <nodsa>")
//	status "open", nodsa set                 -> affected (Note "no-dsa: <nodsa>")
//	status "open"                            -> affected
//
// Severity is the urgency in lower case without the trailing "*" or "**"
// the tracker appends to some ("high**" -> "high"); "not yet assigned",
// "unimportant" and "end-of-life" are kept as they are. A release whose codename is not in the
// table (see OSGroup), a "resolved" release without fixed_version, an
// unknown status and a CVE with no releases (the export writes "releases":
// [] for some) are skipped and counted in Stats.Skipped.
//
// Input of the wrong shape is an error naming where it is, for example
// `tracker JSON: pkg "x" CVE "y": releases is not an object`. An error
// returned by emit stops parsing and is returned as is.
func ParseTrackerJSON(ctx context.Context, r io.Reader, emit func(model.Advisory) error) (Stats, error) {
	var st Stats
	br := &jsontok.BoundedReader{R: r, Max: maxJSONValue}
	dec := json.NewDecoder(br)
	next := func() (json.Token, error) {
		t, err := dec.Token()
		br.Mark = dec.InputOffset()
		return t, err
	}

	tok, err := next()
	if err != nil {
		if err == io.EOF {
			return st, errors.New("tracker JSON: empty input")
		}
		return st, trackerErr("", "", err)
	}
	if tok != json.Delim('{') {
		return st, errors.New("tracker JSON: the top level is not an object")
	}
	for dec.More() {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		tok, err := next()
		if err != nil {
			return st, trackerErr("", "", err)
		}
		pkg, _ := tok.(string)
		if !source.ValidName(pkg) {
			return st, fmt.Errorf("tracker JSON: invalid package name %q", source.Clip(pkg, 80))
		}
		st.Packages++
		if tok, err = next(); err != nil {
			return st, trackerErr(pkg, "", err)
		}
		if tok != json.Delim('{') {
			return st, fmt.Errorf("tracker JSON: pkg %q is not an object", pkg)
		}
		for dec.More() {
			if err := ctx.Err(); err != nil {
				return st, err
			}
			tok, err := next()
			if err != nil {
				return st, trackerErr(pkg, "", err)
			}
			id, _ := tok.(string)
			if !source.ValidName(id) {
				return st, fmt.Errorf("tracker JSON: pkg %q: invalid CVE id %q", pkg, source.Clip(id, 80))
			}
			st.CVEs++
			var c trackerCVE
			err = dec.Decode(&c)
			br.Mark = dec.InputOffset()
			if err != nil {
				return st, trackerErr(pkg, id, err)
			}
			if err := trackerRecords(&st, pkg, id, &c, emit); err != nil {
				return st, err
			}
		}
		if _, err := next(); err != nil { // the package object's '}'
			return st, trackerErr(pkg, "", err)
		}
	}
	if _, err := next(); err != nil { // the top level's '}'
		return st, trackerErr("", "", err)
	}
	if _, err := next(); err != io.EOF {
		if err == nil {
			return st, errors.New("tracker JSON: data after the top-level object")
		}
		return st, trackerErr("", "", err)
	}
	return st, nil
}

// trackerRecords emits the records of one CVE object.
func trackerRecords(st *Stats, pkg, id string, c *trackerCVE, emit func(model.Advisory) error) error {
	errorf := func(format string, args ...any) error {
		return fmt.Errorf("tracker JSON: pkg %q CVE %q: %s", pkg, id, fmt.Sprintf(format, args...))
	}
	if len(c.Releases) == 0 {
		st.skip(skipEmptyReleases)
		return nil
	}
	codes := slices.SortedFunc(maps.Keys(c.Releases), func(a, b string) int {
		return cmp.Or(cmp.Compare(releaseRank(a), releaseRank(b)), strings.Compare(a, b))
	})
	desc := source.Clip(strings.TrimSpace(c.Description), maxDescription)
	for _, code := range codes {
		osGroup, ok := OSGroup(code)
		if !ok {
			st.skip(source.SkipName(skipUnknownRelease, code))
			continue
		}
		tr := c.Releases[code]
		if tr == nil {
			return errorf("release %q is not an object", code)
		}
		if len(tr.Status) > source.MaxName || len(tr.Urgency) > source.MaxName || len(tr.NoDSAReason) > source.MaxName {
			return errorf("release %q: status, urgency or nodsa_reason longer than %d bytes", code, source.MaxName)
		}
		status, fixed, note, skip := trackerStatus(*tr)
		if skip != "" {
			st.skip(skip)
			continue
		}
		if status == model.StatusFixed && !source.ValidName(fixed) {
			return errorf("release %q: invalid fixed_version %q", code, source.Clip(fixed, 80))
		}
		a := model.Advisory{
			Source:       SourceTracker,
			OSGroup:      osGroup,
			Package:      pkg,
			CVE:          id,
			FixedVersion: fixed,
			Status:       status,
			Severity:     normUrgency(tr.Urgency),
			Description:  desc,
			Note:         note,
			Temporary:    strings.HasPrefix(id, "TEMP-"),
		}
		if err := emit(a); err != nil {
			return err
		}
		st.Records++
	}
	return nil
}

// trackerStatus maps one release object to a status, the fixed version
// (set only for fixed) and a note; skip is the reason when the object maps
// to no record.
func trackerStatus(r trackerRelease) (status model.Status, fixed, note, skip string) {
	nodsa := source.Clip(strings.TrimSpace(r.NoDSA), maxNote)
	switch r.Status {
	case "resolved":
		switch r.FixedVersion {
		case "":
			return "", "", "", skipNoFixedVersion
		case "0":
			return model.StatusNotAffected, "", "", ""
		}
		return model.StatusFixed, r.FixedVersion, "", ""
	case "open", "undetermined":
	default:
		return "", "", "", source.SkipName(skipUnknownStatus, r.Status)
	}
	if normUrgency(r.Urgency) == "end-of-life" {
		return model.StatusEndOfLife, "", "", ""
	}
	if r.Status == "undetermined" {
		return model.StatusUndetermined, "", "", ""
	}
	withText := func(label string) string {
		if nodsa == "" {
			return label
		}
		return label + ": " + nodsa
	}
	switch reason := strings.TrimSpace(r.NoDSAReason); reason {
	case "ignored":
		return model.StatusWillNotFix, "", withText("ignored"), ""
	case "postponed":
		return model.StatusFixDeferred, "", withText("postponed"), ""
	case "":
		if nodsa != "" {
			return model.StatusAffected, "", withText("no-dsa"), ""
		}
		return model.StatusAffected, "", "", ""
	default:
		return model.StatusAffected, "", withText("no-dsa (" + source.Clip(reason, 40) + ")"), ""
	}
}

// normUrgency lower-cases an urgency and drops the "*" markers the tracker
// appends to some ("high**" -> "high").
func normUrgency(u string) string {
	return strings.ToLower(strings.TrimSpace(strings.TrimRight(strings.TrimSpace(u), "*")))
}

// trackerErr words a decoder error with the path it happened at.
func trackerErr(pkg, id string, err error) error {
	where := "tracker JSON"
	if pkg != "" {
		where += fmt.Sprintf(": pkg %q", pkg)
	}
	if id != "" {
		where += fmt.Sprintf(" CVE %q", id)
	}
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	var re *releaseError
	switch {
	case errors.Is(err, jsontok.ErrValueTooLarge):
		return fmt.Errorf("%s: a value is larger than %d bytes", where, maxJSONValue)
	case errors.Is(err, io.ErrUnexpectedEOF) || err == io.EOF:
		return fmt.Errorf("%s: unexpected end of input", where)
	case errors.As(err, &re):
		return fmt.Errorf("%s: %v", where, re)
	case errors.As(err, &te):
		switch te.Field {
		case "":
			return fmt.Errorf("%s: is %s, not an object", where, article(te.Value))
		case "releases":
			return fmt.Errorf("%s: releases is not an object", where)
		}
		return fmt.Errorf("%s: %s is %s, not a string", where, te.Field, article(te.Value))
	case errors.As(err, &se):
		return fmt.Errorf("%s: byte %d: %v", where, se.Offset, se)
	}
	return fmt.Errorf("%s: %w", where, err)
}

// article puts "a" or "an" before a JSON type name ("an array").
func article(typ string) string {
	if typ != "" && strings.ContainsRune("aeiou", rune(typ[0])) {
		return "an " + typ
	}
	return "a " + typ
}
