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
	// The lines that give records, first all of them: a release's line
	// and its Pro channels' lines decide together (twins below).
	type parsed struct {
		line          statusLine
		group, origin string
		v             verdict
		sev           string
	}
	recs := make([]parsed, 0, len(f.lines))
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
		recs = append(recs, parsed{line: l, group: group, origin: origin, v: v, sev: sev})
	}
	// Per (release, package): the release's own verdict, and whether a
	// Pro channel has a fix for it.
	type gp struct{ group, pkg string }
	release := map[gp]*verdict{}
	proFixed := map[gp]bool{}
	for i, r := range recs {
		k := gp{r.group, r.line.pkg}
		switch {
		case r.origin == OriginTracker:
			release[k] = &recs[i].v
		case proOrigin(r.origin) && r.v.status == model.StatusFixed:
			proFixed[k] = true
		}
	}
	for _, r := range recs {
		k := gp{r.group, r.line.pkg}
		rel := release[k]
		if r.origin == OriginTracker && proFixed[k] && twinned(rel) {
			// Carried by the channel's without-Pro twin below.
			st.skip(skipCarriedByTwin)
			continue
		}
		a := model.Advisory{
			Source: r.origin, OSGroup: r.group, Package: r.line.pkg, CVE: f.candidate,
			FixedVersion: r.v.fixed, Status: r.v.status, Severity: r.sev,
			Description: desc, Note: r.v.note, Published: f.published,
		}
		if err := emit(a); err != nil {
			return err
		}
		st.Records++
		if proOrigin(r.origin) && rel != nil && rel.status == model.StatusFixed {
			if l, ok := proLater(a, rel.fixed); ok { // prolater.go
				if err := emit(l); err != nil {
					return err
				}
				st.Records++
			}
		}
		if !proOrigin(r.origin) || r.v.status != model.StatusFixed || !twinned(rel) {
			continue
		}
		if err := emit(trackerTwin(a, rel)); err != nil {
			return err
		}
		st.Records++
	}
	return nil
}

// skipCarriedByTwin counts a release's status line whose verdict a Pro
// channel's without-Pro record carries (trackerTwin).
const skipCarriedByTwin = "release status carried by the without-Pro record of a Pro fix"

// twinned tells whether a release's own verdict (nil: the file has no
// line for the release, or DNE) leaves room for a Pro channel's fix: any
// verdict but a fix or not-affected. A release fix stays the release's
// record, installable by every host (the 2020 snapshot's 3,879
// trusty/esm lines that repeat trusty's own fix); not-affected holds
// for every host.
func twinned(rel *verdict) bool {
	return rel == nil || rel.status != model.StatusFixed && rel.status != model.StatusNotAffected
}

// trackerTwin is the without-Pro view of a Pro channel's fix read from
// the tracker's text files, as osv.go gives it for Ubuntu's OSV records:
// origin ubuntu-without-CHANNEL, FixedVersion the channel's fix (the
// record applies below it, to a package not from a Pro channel), and the
// release's own verdict — its status and note ("ignored: out of standard
// support", "needed"), affected when the file has no line for the
// release. retired/CVE-2019-14287 gives
//
//	trusty_sudo: ignored (out of standard support)
//	trusty/esm_sudo: released (1.8.9p5-1ubuntu1.5+esm2)
//
// the channel's record (ubuntu-esm-infra, fixed 1.8.9p5-1ubuntu1.5+esm2,
// for a package installed from ESM) and, instead of the release's record,
// its twin (ubuntu-without-esm-infra, end-of-life, the same fix named): a
// host on the release's build is end-of-life without Pro and has an
// installable fix with it, which the Pro host rule decides (prohost.go).
// Without the twin the release's end-of-life record judged the Pro host
// too, and a host that installed a fix ESM published without "+esm"
// (trusty/esm_linux-lts-xenial: released (4.4.0-168.197~14.04.1)) kept
// the release's end-of-life finding.
//
// A release fix followed by a later Pro fix of the same CVE keeps the
// release's record and gives a ProLater record besides (prolater.go).
func trackerTwin(channel model.Advisory, rel *verdict) model.Advisory {
	t := channel
	t.Source, t.Status = WithoutPro(channel.Source), model.StatusAffected
	note := "fixed in " + channel.FixedVersion + " with Ubuntu Pro (" + Channel(channel.Source) + "); no fix without Pro"
	if rel != nil {
		t.Status = rel.status
		if rel.note != "" {
			note = rel.note + "; " + note
		}
	}
	t.Note = clip(note, maxNote)
	return t
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
