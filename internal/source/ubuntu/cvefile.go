package ubuntu

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/pakiti-go/pakiti/internal/model"
)

// cveID matches the tracker's Candidate values.
var cveID = regexp.MustCompile(`^CVE-\d{4}-\d{4,}$`)

// cveFile is what one tracker file says, as far as records need.
type cveFile struct {
	candidate   string
	published   time.Time
	description []string
	ubuntuDesc  []string
	priority    string            // the CVE's Priority word
	pkgPriority map[string]string // Priority_pkg and Priority_pkg_release words, by "pkg" or "pkg_release"
	lines       []statusLine
}

// statusLine is one "release_package: status (detail)" line.
type statusLine struct {
	release, pkg, status string
}

// ParseCVEFile reads one tracker file (active/CVE-2020-1938...) and emits
// its records in the order of its status lines. A file larger than 4 MiB
// is an error; a file without a valid Candidate gives no record and is
// counted in Stats.Skipped. An error returned by emit stops parsing and is
// returned as is.
func ParseCVEFile(r io.Reader, emit func(model.Advisory) error) (Stats, error) {
	var st Stats
	data, err := io.ReadAll(io.LimitReader(r, maxFile+1))
	if err != nil {
		return st, err
	}
	if len(data) > maxFile {
		return st, fmt.Errorf("CVE file larger than %d bytes", maxFile)
	}
	err = parseCVEBytes(data, &st, emit)
	return st, err
}

// parseCVEBytes parses one file's bytes into st and emit.
func parseCVEBytes(data []byte, st *Stats, emit func(model.Advisory) error) error {
	st.Files++
	f := readCVEFile(data)
	st.Lines += len(f.lines)
	if !cveID.MatchString(f.candidate) {
		st.skip(skipNoCandidate)
		return nil
	}
	st.CVEs++
	desc := strings.Join(f.description, " ")
	if desc == "" {
		desc = strings.Join(f.ubuntuDesc, " ")
	}
	desc = clip(desc, maxDescription)
	seen := make(map[string]bool, len(f.lines))
	for _, l := range f.lines {
		if !validName(l.pkg) {
			st.skip(skipBadPackageName)
			continue
		}
		group, origin, skip := releaseKey(l.release)
		if skip != "" {
			st.skip(skip)
			continue
		}
		v := mapStatus(l.status)
		if v.skip != "" {
			st.skip(v.skip)
			continue
		}
		if seen[l.release+"_"+l.pkg] {
			st.skip(skipDuplicateLine)
			continue
		}
		seen[l.release+"_"+l.pkg] = true
		sev := f.priority
		if p, ok := f.pkgPriority[l.pkg+"_"+l.release]; ok {
			sev = p
		} else if p, ok := f.pkgPriority[l.pkg]; ok {
			sev = p
		}
		a := model.Advisory{
			Source: origin, OSGroup: group, Package: l.pkg, CVE: f.candidate,
			FixedVersion: v.fixed, Status: v.status, Severity: sev,
			Description: desc, Note: v.note, Published: f.published,
		}
		if err := emit(a); err != nil {
			return err
		}
		st.Records++
	}
	return nil
}

// readCVEFile reads the fields records need; everything else (References,
// Notes, Patches_, Tags_, CVSS...) is passed over.
func readCVEFile(data []byte) cveFile {
	var f cveFile
	var cont *[]string // the free-text field continuation lines belong to
	for len(data) > 0 {
		var raw []byte
		raw, data, _ = bytes.Cut(data, []byte("\n"))
		line := strings.TrimRight(string(raw), " \t\r")
		if line == "" {
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			if cont != nil {
				*cont = append(*cont, strings.TrimSpace(line))
			}
			continue
		}
		cont = nil
		if line[0] == '#' || strings.HasPrefix(line, "--") {
			continue
		}
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		val = strings.TrimSpace(val)
		switch {
		case key == "Candidate":
			f.candidate = val
		case key == "PublicDate":
			f.published = parseDate(val)
		case key == "Description":
			cont = &f.description
			if val != "" {
				f.description = append(f.description, val)
			}
		case key == "Ubuntu-Description":
			cont = &f.ubuntuDesc
			if val != "" {
				f.ubuntuDesc = append(f.ubuntuDesc, val)
			}
		case key == "Priority":
			f.priority = priorityWord(val)
		case strings.HasPrefix(key, "Priority_"):
			if w := priorityWord(val); w != "" {
				if f.pkgPriority == nil {
					f.pkgPriority = map[string]string{}
				}
				f.pkgPriority[strings.TrimPrefix(key, "Priority_")] = w
			}
		case key != "" && key[0] >= 'a' && key[0] <= 'z':
			rel, pkg, ok := strings.Cut(key, "_")
			if !ok || !validName(rel) {
				continue // not a status line (a stray "word: text")
			}
			f.lines = append(f.lines, statusLine{release: rel, pkg: pkg, status: val})
		}
	}
	return f
}

// parseDate reads PublicDate: "2020-02-24 22:15:00 UTC" or "2005-02-04";
// "unknown" or anything else gives the zero time.
func parseDate(s string) time.Time {
	for _, layout := range []string{"2006-01-02 15:04:05 MST", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}
