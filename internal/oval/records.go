package oval

import (
	"regexp"
	"strings"
	"time"

	"github.com/pakiti-go/pakiti/internal/model"
)

// RecordOptions says how Advisories names what only a source knows.
type RecordOptions struct {
	// Source is model.Advisory.Source of every record.
	Source string
	// Groups returns the OS groups a branch applies to, from its product
	// tests; a branch without a group gives no record (counted by the
	// caller from the returned skipped number).
	Groups func(Branch) []string
	// MaxDescription clips the description (the definition's title); 0
	// means 300 bytes.
	MaxDescription int
}

// ResolutionStatus maps Red Hat's resolution words of an unpatched
// definition (affected/resolution state) to a status: "Affected",
// "Will not fix", "Fix deferred", "Under investigation", "Out of support
// scope". Matching ignores case; ok is false for another word.
func ResolutionStatus(word string) (model.Status, bool) {
	switch strings.ToLower(strings.TrimSpace(word)) {
	case "affected":
		return model.StatusAffected, true
	case "will not fix":
		return model.StatusWillNotFix, true
	case "fix deferred":
		return model.StatusFixDeferred, true
	case "under investigation":
		return model.StatusUndetermined, true
	case "out of support scope":
		return model.StatusEndOfLife, true
	case "not affected":
		return model.StatusNotAffected, true
	}
	return "", false
}

var reAdvisoryID = regexp.MustCompile(`^[A-Z][A-Za-z]*-[0-9]{4}[:-][0-9]+(?:-[0-9]+)?`)

// AdvisoryID returns the vendor advisory id of a definition: the first
// reference whose id looks like one (RHSA-2022:4765, ELSA-2022-4803,
// SUSE-SU-2021:1234-1 as written), else the start of the title
// ("RHSA-2022:4765: firefox security update").
func (d *Definition) AdvisoryID() string {
	for _, r := range d.References {
		if strings.EqualFold(r.Source, "CVE") {
			continue
		}
		if reAdvisoryID.MatchString(r.RefID) {
			return r.RefID
		}
	}
	if m := reAdvisoryID.FindString(d.Title); m != "" && !strings.HasPrefix(m, "CVE-") {
		return m
	}
	return ""
}

// Published is when the definition was last updated, else issued (zero
// when it says neither in a form we read).
func (d *Definition) Published() time.Time {
	for _, s := range []string{d.Updated, d.Issued} {
		if t, err := time.Parse("2006-01-02", s); err == nil {
			return t
		}
	}
	return time.Time{}
}

// Advisories turns a flattened definition into records: one per (OS
// group, branch, id). The ids are the definition's CVEs, or its advisory
// id (Temporary) when it names none. Status:
//
//   - a branch with a fixed version: fixed;
//   - a Never branch (package both installed and not installed):
//     not-affected;
//   - an "is installed" branch: the resolution state that lists the
//     package (ResolutionStatus; the definition's only resolution when
//     none lists it), affected when the definition gives none. An unknown
//     word gives affected with the word in Note.
//
// Severity is the cve element's impact when the definition gives one for
// that CVE, else the advisory's severity, lower-cased ("none" kept).
// skipped counts branches without an OS group.
func Advisories(def *Definition, branches []Branch, opt RecordOptions) (recs []model.Advisory, skipped int) {
	ids := def.IDs()
	adv := def.AdvisoryID()
	temporary := false
	if len(ids) == 0 {
		if adv == "" {
			return nil, len(branches)
		}
		ids, temporary = []string{adv}, true
	}
	impact := map[string]string{}
	for _, c := range def.CVEs {
		id, _, _ := strings.Cut(c.ID, " ")
		if c.Impact != "" {
			impact[id] = strings.ToLower(c.Impact)
		}
	}
	maxDesc := opt.MaxDescription
	if maxDesc <= 0 {
		maxDesc = 300
	}
	desc := clipUTF8(def.Title, maxDesc)
	published := def.Published()
	for _, b := range branches {
		groups := opt.Groups(b)
		if len(groups) == 0 {
			skipped++
			continue
		}
		status, note := branchStatus(def, b)
		if b.RunningKernel {
			note = joinNote(note, "applies to the running kernel")
		}
		fixed := ""
		if status == model.StatusFixed {
			fixed = b.FixedVersion
		}
		for _, g := range groups {
			for _, id := range ids {
				sev := impact[id]
				if sev == "" {
					sev = strings.ToLower(def.Severity)
				}
				recs = append(recs, model.Advisory{
					Source: opt.Source, OSGroup: g, Package: b.Package, CVE: id, FixedVersion: fixed,
					Status: status, Severity: sev, AdvisoryID: adv, Arch: b.Arch, Module: b.Module,
					Description: desc, Note: note, Temporary: temporary, Published: published,
				})
			}
		}
	}
	return recs, skipped
}

func branchStatus(def *Definition, b Branch) (model.Status, string) {
	switch {
	case b.Never:
		return model.StatusNotAffected, ""
	case b.FixedVersion != "":
		return model.StatusFixed, ""
	}
	word := ""
	for _, r := range def.Resolutions {
		for _, c := range r.Components {
			if c == b.Package {
				word = r.State
			}
		}
	}
	if word == "" && len(def.Resolutions) == 1 {
		word = def.Resolutions[0].State
	}
	if word == "" {
		return model.StatusAffected, ""
	}
	if s, ok := ResolutionStatus(word); ok {
		return s, strings.ToLower(word)
	}
	return model.StatusAffected, "resolution: " + word
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}
