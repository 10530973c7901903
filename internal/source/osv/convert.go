package osv

import (
	"context"
	"encoding/json"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/source/rpmmatch"
	"github.com/pakiti-go/pakiti/internal/version"
)

// Options say how records become advisory records.
type Options struct {
	// Source is the Source field of every record ("alma").
	Source string
	// Mapping gives the OS group of each ecosystem.
	Mapping Mapping
	// Compare orders two versions of a group's packages, to find the
	// lowest fixed version. Nil: the group's scheme (osgroup.Scheme); for
	// a group of unknown scheme the first fixed version listed is kept.
	Compare func(group, a, b string) int
	// SkipVuln, when set, returns why a whole record is left out ("" keeps
	// it), e.g. a bug-fix advisory that names no CVE.
	SkipVuln func(v *Vuln) string
	// SkipAffected, when set, returns why an affected entry is left out.
	SkipAffected func(v *Vuln, a *Affected) string
}

// Parse reads r (any form Read takes) and emits its advisory records.
func Parse(ctx context.Context, r io.Reader, name string, o *Options, emit func(model.Advisory) error) (Stats, error) {
	var st Stats
	err := Read(ctx, r, name, &st, func(v *Vuln) error {
		return Convert(v, o, &st, emit)
	})
	return st, err
}

// key is one package of one OS group within a record.
type key struct{ group, name string }

// pkgInfo is what a record's entries say of one key.
type pkgInfo struct {
	fixed        []string // fixed versions, in order, without duplicates
	open         bool     // a range introduced with nothing after it: no fix
	lastAffected []string
	introduced   []string // introduced versions other than "0"
	severity     string
}

// Convert emits the advisory records of one OSV record (see the package
// documentation for the rules).
func Convert(v *Vuln, o *Options, st *Stats, emit func(model.Advisory) error) error {
	if v.Withdrawn != "" {
		st.Skip(SkipWithdrawn)
		return nil
	}
	if !source.ValidName(v.ID) {
		st.Skip(SkipNoID)
		return nil
	}
	if o.SkipVuln != nil {
		if why := o.SkipVuln(v); why != "" {
			st.Skip(why)
			return nil
		}
	}
	var order []key
	infos := map[key]*pkgInfo{}
	for i := range v.Affected {
		a := &v.Affected[i]
		group, ok := o.Mapping[a.Package.Ecosystem]
		if !ok {
			st.Skip(source.SkipName(SkipUnmapped, a.Package.Ecosystem))
			continue
		}
		if !source.ValidName(a.Package.Name) {
			st.Skip(SkipBadName)
			continue
		}
		if o.SkipAffected != nil {
			if why := o.SkipAffected(v, a); why != "" {
				st.Skip(why)
				continue
			}
		}
		var inf pkgInfo
		if !readRanges(a, &inf, st) {
			continue
		}
		inf.severity = severityWord(a.Severity, nil, "")
		k := key{group, a.Package.Name}
		have := infos[k]
		if have == nil {
			have = &pkgInfo{}
			infos[k] = have
			order = append(order, k)
		}
		for _, f := range inf.fixed {
			if !slices.Contains(have.fixed, f) {
				have.fixed = append(have.fixed, f)
			}
		}
		have.open = have.open || inf.open
		have.lastAffected = append(have.lastAffected, inf.lastAffected...)
		have.introduced = append(have.introduced, inf.introduced...)
		if have.severity == "" {
			have.severity = inf.severity
		}
	}
	if len(order) == 0 {
		return nil
	}

	cves := CVEs(v)
	advisory := ""
	if !strings.Contains(strings.ToUpper(v.ID), "CVE-") {
		advisory = v.ID
	}
	if len(cves) == 0 {
		cves = []string{v.ID}
	}
	sev := severityWord(v.Severity, v.DatabaseSpecific, v.Summary)
	published := parseTime(v.Modified)
	if published.IsZero() {
		published = parseTime(v.Published)
	}
	desc := strings.TrimSpace(v.Summary)
	if desc == "" {
		desc, _, _ = strings.Cut(strings.TrimSpace(v.Details), "\n")
	}
	desc = source.Clip(desc, maxDescription)
	module := summaryModule(v.Summary)

	for _, k := range order {
		inf := infos[k]
		rec := model.Advisory{
			Source: o.Source, OSGroup: k.group, Package: k.name, AdvisoryID: advisory,
			Severity: sev, Description: desc, Published: published,
		}
		if rec.Severity == "" {
			rec.Severity = inf.severity
		}
		var notes []string
		switch {
		case inf.open || len(inf.fixed) == 0:
			rec.Status = model.StatusAffected
			if len(inf.fixed) > 0 {
				notes = append(notes, "fixed in "+strings.Join(inf.fixed, ", ")+" for an earlier range only")
			}
			for _, la := range inf.lastAffected {
				notes = append(notes, "last affected "+la)
			}
		default:
			rec.Status = model.StatusFixed
			fixed := slices.Clone(inf.fixed)
			if len(fixed) > 1 {
				st.MultiFixed++
				if cmp := o.compare(k.group); cmp != nil {
					slices.SortStableFunc(fixed, cmp)
				}
				notes = append(notes, "also fixed in "+strings.Join(fixed[1:], ", "))
			}
			rec.FixedVersion = fixed[0]
			if module != "" && rpmmatch.IsModuleBuild(rec.FixedVersion) {
				rec.Module = module
			}
		}
		for _, in := range inf.introduced {
			notes = append(notes, "introduced "+in)
		}
		rec.Note = source.Clip(strings.Join(notes, "; "), maxNote)
		for _, c := range cves {
			rec.CVE = c
			st.Records++
			if err := emit(rec); err != nil {
				return err
			}
		}
	}
	return nil
}

// readRanges reads an entry's ranges into inf. It returns false, having
// counted why, when the entry says nothing a record can carry.
func readRanges(a *Affected, inf *pkgInfo, st *Stats) bool {
	seen := false
	for _, r := range a.Ranges {
		if r.Type != "ECOSYSTEM" {
			st.Skip(SkipOtherRangeType)
			continue
		}
		open := false
		for _, e := range r.Events {
			switch {
			case e.Introduced != "":
				open = true
				seen = true
				if e.Introduced != "0" && source.ValidName(e.Introduced) {
					inf.introduced = append(inf.introduced, e.Introduced)
				}
			case e.Fixed != "":
				open = false
				if !source.ValidName(e.Fixed) {
					st.Skip(SkipBadVersion)
					continue
				}
				if !slices.Contains(inf.fixed, e.Fixed) {
					inf.fixed = append(inf.fixed, e.Fixed)
				}
			case e.LastAffected != "":
				open = false
				if !source.ValidName(e.LastAffected) {
					st.Skip(SkipBadVersion)
					continue
				}
				inf.lastAffected = append(inf.lastAffected, e.LastAffected)
			case e.Limit != "":
				open = false
			}
		}
		inf.open = inf.open || open
	}
	if !seen {
		if len(a.Versions) > 0 {
			// Only the listed versions are affected, which the model
			// (affected below a fix, or affected) cannot say.
			st.Skip("affected entry with versions[] only")
		} else {
			st.Skip(SkipNoVersionInfo)
		}
		return false
	}
	return len(inf.fixed) > 0 || inf.open || len(inf.lastAffected) > 0
}

// compare returns the version order of group, or nil when unknown.
func (o *Options) compare(group string) func(a, b string) int {
	if o.Compare != nil {
		return func(a, b string) int { return o.Compare(group, a, b) }
	}
	name, ok := groupScheme(group)
	if !ok {
		return nil
	}
	s, err := version.Lookup(name)
	if err != nil {
		return nil
	}
	return s.Compare
}

// groupScheme is the version scheme of the OS groups OSV ecosystems map
// to, by distro (the matcher contract's drivers say the same for matching;
// sources cannot import them without a cycle, since drivers live in the
// distro folders that use this package).
func groupScheme(group string) (string, bool) {
	distro, _, _ := strings.Cut(group, ":")
	switch distro {
	case "debian", "ubuntu":
		return "deb", true
	case "alpine":
		return "apk", true
	case "rhel", "alma", "rocky", "centos", "oracle", "sles", "opensuse-leap":
		return "rpm", true
	}
	return "", false
}

var cveRE = regexp.MustCompile(`^CVE-\d{4}-\d{4,}$`)

// IsCVE reports whether id is a CVE id (CVE-YYYY-NNNN...).
func IsCVE(id string) bool { return cveRE.MatchString(id) }

// CVEs lists the CVE ids a record is about, in order, without duplicates:
// its own id, aliases and upstream, else related (see the package doc).
func CVEs(v *Vuln) []string {
	var out []string
	add := func(ids ...string) {
		for _, id := range ids {
			id = strings.ToUpper(strings.TrimSpace(id))
			if IsCVE(id) && !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
	}
	add(v.ID)
	add(v.Aliases...)
	add(v.Upstream...)
	if len(out) == 0 {
		add(v.Related...)
	}
	return out
}

// redHatWords are the severity words Red Hat and its rebuilds start an
// advisory's title with ("Important: kernel security update").
var redHatWords = []string{"low", "moderate", "important", "critical"}

// severityWord finds the vendor's severity word (see the package doc).
func severityWord(sevs []Severity, dbSpecific json.RawMessage, summary string) string {
	for _, s := range sevs {
		if !strings.HasPrefix(strings.ToUpper(s.Type), "CVSS") && isWord(s.Score) {
			return strings.ToLower(strings.TrimSpace(s.Score))
		}
	}
	if len(dbSpecific) > 0 {
		var ds struct {
			Severity any `json:"severity"`
		}
		if json.Unmarshal(dbSpecific, &ds) == nil {
			if w, ok := ds.Severity.(string); ok && isWord(w) {
				return strings.ToLower(strings.TrimSpace(w))
			}
		}
	}
	if w, _, ok := strings.Cut(summary, ": "); ok {
		w = strings.ToLower(strings.TrimSpace(w))
		if slices.Contains(redHatWords, w) {
			return w
		}
	}
	return ""
}

// isWord reports whether s is a severity word, not a score or a vector.
func isWord(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 32 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == ' ' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// moduleRE finds "name:stream" in an advisory title.
var moduleRE = regexp.MustCompile(`(?:^|\s)([A-Za-z0-9][A-Za-z0-9._+-]*:[A-Za-z0-9][A-Za-z0-9._+-]*)(?:\s|$)`)

// summaryModule returns the one module stream a title names ("Important:
// squid:4 security update" gives "squid:4"), or "" when it names none or
// several.
func summaryModule(summary string) string {
	if w, rest, ok := strings.Cut(summary, ": "); ok && !strings.Contains(w, ":") {
		summary = rest
	}
	var found string
	for _, m := range moduleRE.FindAllStringSubmatch(summary, -1) {
		if strings.HasPrefix(m[1], "CVE-") {
			continue
		}
		if found != "" && found != m[1] {
			return ""
		}
		found = m[1]
	}
	return found
}

func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}
