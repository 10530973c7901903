package suse

import (
	"context"
	"errors"
	"io"
	"regexp"
	"slices"
	"strings"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/oval"
)

// SourceName is model.Advisory.Source of the OVAL records.
const SourceName = "suse-oval"

// maxReasons bounds the distinct reasons kept in Stats.UnflatReason.
const maxReasons = 32

// Stats counts what ParseOVAL read.
type Stats struct {
	OVAL         oval.Stats     `json:"oval"`
	Generator    string         `json:"generator"`
	Definitions  int            `json:"definitions"`
	Records      int            `json:"records"`
	ByStatus     map[string]int `json:"by_status"`
	ByGroup      map[string]int `json:"by_group"`
	Flattened    int            `json:"flattened"`
	NotAffected  int            `json:"not_affected_criteria,omitempty"` // SUSE's "X is not affected" criteria read
	NoGroup      int            `json:"no_group_branches,omitempty"`     // branches of products without a group
	Unflattened  int            `json:"unflattened,omitempty"`
	UnflatReason map[string]int `json:"unflattened_reasons,omitempty"`
}

// ParseOptions tunes ParseOVAL.
type ParseOptions struct {
	// Name is the document's name ("opensuse.leap.micro.5.2.xml"): it
	// tells the files whose product tests are ambiguous.
	Name string
	// TempDir holds the OVAL reader's spool.
	TempDir string
}

// ParseOVAL reads a SUSE OVAL document and emits its records.
func ParseOVAL(ctx context.Context, r io.Reader, opt ParseOptions, emit func(model.Advisory) error) (Stats, error) {
	st := Stats{ByStatus: map[string]int{}, ByGroup: map[string]int{}, UnflatReason: map[string]int{}}
	p := oval.Parser{TempDir: opt.TempDir}
	groups := func(b oval.Branch) []string {
		var out []string
		for _, t := range b.OS {
			if g, ok := ProductGroup(t.ReleasePackage(), t.OSVersion(), opt.Name); ok && !slices.Contains(out, g) {
				out = append(out, g)
			}
		}
		return out
	}
	err := p.Parse(ctx, r, func(d *oval.Definition) error {
		st.Definitions++
		st.NotAffected += rewriteNotAffected(d.Criteria, map[string]*oval.Node{})
		bs, err := oval.Flatten(d)
		if err != nil {
			if !errors.Is(err, oval.ErrShape) {
				return err
			}
			st.Unflattened++
			reason := strings.TrimPrefix(err.Error(), oval.ErrShape.Error()+": ")
			if _, ok := st.UnflatReason[reason]; ok || len(st.UnflatReason) < maxReasons {
				st.UnflatReason[reason]++
			}
			return nil
		}
		st.Flattened++
		for i := range bs {
			bs[i].Arch = normaliseArch(bs[i].Arch)
		}
		recs, skipped := oval.Advisories(d, bs, oval.RecordOptions{Source: SourceName, Groups: groups})
		st.NoGroup += skipped
		sev := severity(d)
		desc := description(d)
		for _, a := range recs {
			a.AdvisoryID = advisoryID(d, a.OSGroup)
			a.Severity = sev
			if desc != "" {
				a.Description = desc
			}
			st.Records++
			st.ByStatus[string(a.Status)]++
			st.ByGroup[a.OSGroup]++
			if err := emit(a); err != nil {
				return err
			}
		}
		return nil
	})
	st.OVAL = p.Stats
	st.Generator = strings.TrimSpace(p.Generator.ProductName + " " + p.Generator.Timestamp)
	if len(st.UnflatReason) == 0 {
		st.UnflatReason = nil
	}
	return st, err
}

// isNotAffected tells SUSE's "PACKAGE is not affected" test: an rpminfo
// test of a package (not a product) whose only state says version == 0,
// a version no package has (the test's comment reads "kernel-default is
// ==0").
func isNotAffected(t *oval.Test) bool {
	if t == nil || t.Type != "rpminfo_test" || len(t.States) != 1 || len(t.States[0].Fields) != 1 {
		return false
	}
	name := t.Object.Get("name")
	f := t.States[0].Fields[0]
	return name != "" && !strings.HasSuffix(name, "-release") && f.Name == "version" &&
		(f.Operation == "" || f.Operation == "equals") && f.Value == "0"
}

// rewriteNotAffected replaces each "not affected" criterion by the
// conjunction "PACKAGE is installed AND PACKAGE is not installed", which
// oval.Flatten reads as a branch that is never true (Branch.Never): a
// not-affected record of the package for the branch's products. It
// returns how many criteria it replaced.
func rewriteNotAffected(n *oval.Node, memo map[string]*oval.Node) int {
	if n == nil {
		return 0
	}
	c := 0
	for i, ch := range n.Children {
		if ch.TestRef != "" && isNotAffected(ch.Test) {
			name := ch.Test.Object.Get("name")
			rep, ok := memo[name]
			if !ok {
				obj := &oval.Object{ID: ch.Test.Object.ID, Type: "rpminfo_object", Fields: []oval.Field{{Name: "name", Value: name}}}
				in := &oval.Test{ID: ch.Test.ID + ":installed", Type: "rpminfo_test", Comment: name + " is installed",
					CheckExistence: "at_least_one_exists", Object: obj, Kind: oval.KindPackageInstalled}
				out := &oval.Test{ID: ch.Test.ID + ":absent", Type: "rpminfo_test", Comment: name + " is not installed",
					CheckExistence: "none_exist", Object: obj, Kind: oval.KindPackageAbsent}
				rep = &oval.Node{Operator: oval.OpAND, Comment: ch.Comment, Children: []*oval.Node{
					{TestRef: in.ID, Test: in}, {TestRef: out.ID, Test: out}}}
				memo[name] = rep
			}
			if ch.Negate {
				r := *rep
				r.Negate = true
				rep = &r
			}
			n.Children[i] = rep
			c++
			continue
		}
		c += rewriteNotAffected(ch, memo)
	}
	return c
}

var reArchList = regexp.MustCompile(`^\(?([A-Za-z0-9_]+(?:\|[A-Za-z0-9_]+)*)\)?$`)

// normaliseArch turns SUSE's arch pattern "(i586|x86_64)" into the list
// "i586|x86_64"; another pattern is kept as written.
func normaliseArch(a string) string {
	if m := reArchList.FindStringSubmatch(a); m != nil {
		return m[1]
	}
	return a
}

// severity is SUSE's rating of the definition's CVE: the advisory's
// severity, else the impact of a cve element that is not NVD's.
func severity(d *oval.Definition) string {
	if s := strings.ToLower(strings.TrimSpace(d.Severity)); s != "" {
		return s
	}
	for _, c := range d.CVEs {
		if c.Impact != "" && !strings.HasSuffix(c.ID, " at NVD") && !strings.Contains(c.Href, "nvd.nist.gov") {
			return strings.ToLower(c.Impact)
		}
	}
	return ""
}

var reSpace = regexp.MustCompile(`\s+`)

// description is the definition's description on one line, clipped to
// 300 bytes (SUSE's titles are the bare CVE id).
func description(d *oval.Definition) string {
	return clip(strings.TrimSpace(reSpace.ReplaceAllString(d.Description, " ")), 300)
}

var reSUSEAdvisory = regexp.MustCompile(`^(?:open)?SUSE-[A-Z]{2}-[0-9]{4}:[0-9]+-[0-9]+$`)

// advisoryID is the first SUSE-SU reference of the definition (the
// first openSUSE-SU one for an openSUSE group, when there is one): SUSE
// lists every update that fixed the CVE in any product, without saying
// which product each is for.
func advisoryID(d *oval.Definition, group string) string {
	want := "SUSE-"
	if strings.HasPrefix(group, "opensuse") {
		want = "openSUSE-"
	}
	first := ""
	for _, r := range d.References {
		id := strings.TrimSpace(r.RefID)
		if !reSUSEAdvisory.MatchString(id) {
			continue
		}
		if strings.HasPrefix(id, want) {
			return id
		}
		if first == "" {
			first = id
		}
	}
	return first
}
