package redhat

import (
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/pakiti-go/pakiti/internal/csaf"
	"github.com/pakiti-go/pakiti/internal/model"
)

// VEXSourceName is model.Advisory.Source of the CSAF records (VEX and
// advisories); the driver ranks it after OVAL's for the same CVE.
const VEXSourceName = "redhat-csaf-vex"

// Origins of the records of an ELS platform (Extended Life-cycle Support,
// cpe:/o:redhat:rhel_els:7), filed under the release's group (rhel:7):
// ELSSourceName is Red Hat's word as it stands (a fix, an unfixed
// state), and WithoutELSSourceName the view of an ELS fix from a host
// without ELS: affected below the fix, FixedVersion naming it, with no
// fix such a host can install (Driver.Applies, OriginRank).
const (
	ELSSourceName        = "redhat-csaf-vex-els"
	WithoutELSSourceName = "redhat-csaf-vex-without-els"
)

// VEXStats counts what ParseVEX read.
type VEXStats struct {
	Category        string         `json:"category"`
	Generator       string         `json:"generator,omitempty"` // document.tracking.generator's engine ("CSAF Generator 2.0.1")
	Vulnerabilities int            `json:"vulnerabilities"`
	Records         int            `json:"records"`
	ByStatus        map[string]int `json:"by_status"`
	ByGroup         map[string]int `json:"by_group"`
	NoGroup         int            `json:"no_group_products,omitempty"` // product ids of platforms that are no RHEL release (layered products)
	Source          int            `json:"source_rpms,omitempty"`       // fixed product ids of source RPMs: expanded to their binaries (SourceBinaries) where the platform lists none
	SourceOnly      int            `json:"source_only,omitempty"`       // fixed source RPMs whose binaries the document does not list: filed under the source's name
	ELS             int            `json:"els_products,omitempty"`      // product ids of an ELS platform (rhel_els:N)
	Unread          int            `json:"unread_products,omitempty"`   // product ids without an rpm purl or a relationship
}

// vexStatus maps CSAF product status lists to statuses.
var vexStatus = map[string]model.Status{
	"fixed":               model.StatusFixed,
	"known_affected":      model.StatusAffected,
	"known_not_affected":  model.StatusNotAffected,
	"under_investigation": model.StatusUndetermined,
}

// remediationStatus maps the details of Red Hat's none_available and
// no_fix_planned remediations of a known_affected product.
var remediationStatus = map[string]model.Status{
	"affected":             model.StatusAffected,
	"will not fix":         model.StatusWillNotFix,
	"fix deferred":         model.StatusFixDeferred,
	"out of support scope": model.StatusEndOfLife,
	"under investigation":  model.StatusUndetermined,
}

var (
	// reCPE reads Red Hat's platform CPEs: cpe:/o:redhat:enterprise_linux:9::baseos,
	// cpe:/a:redhat:rhel_eus:9.2::appstream, cpe:/o:redhat:enterprise_linux:10.0.
	reCPE = regexp.MustCompile(`^cpe:/[aoh]:redhat:(enterprise_linux|rhel_eus|rhel_aus|rhel_e4s|rhel_tus):([0-9]+)(?:\.([0-9]+))?(?::|$)`)
	// reMainEUS reads the product ids of fixes released in the main stream
	// of a minor release that is also an EUS one ("AppStream-9.2.0.Z.MAIN.EUS").
	reMainEUS = regexp.MustCompile(`-([0-9]+)\.([0-9]+)\.[0-9]+\.Z\.MAIN\.EUS$`)
	reErrata  = regexp.MustCompile(`\b(RH[SBE]A-[0-9]{4}:[0-9]+)\b`)
	// reELS reads the CPE of an Extended Life-cycle Support platform:
	// cpe:/o:redhat:rhel_els:7 (products rhel-7-els.els, rhel-7.7.z.els,
	// 6Server-ELS.EXTENSION).
	reELS = regexp.MustCompile(`^cpe:/[aoh]:redhat:rhel_els:([0-9]+)(?:[.:]|$)`)
)

// ELSGroup maps an ELS platform's CPE to the group of its release:
// cpe:/o:redhat:rhel_els:7 -> rhel:7. ELS (RHEL 6 from 2020-12, RHEL 7
// from 2024-07) ships fixes only to subscribers of the add-on, as Ubuntu
// Pro does for ESM: its records keep origins of their own (ELSSourceName).
func ELSGroup(cpe string) (string, bool) {
	m := reELS.FindStringSubmatch(cpe)
	if m == nil {
		return "", false
	}
	return OSGroup(m[1])
}

// PlatformGroups maps a Red Hat platform product (its id and CPE) to the
// OS groups whose hosts it describes: enterprise_linux:N -> rhel:N (every
// minor release, GA and z-stream, is the main stream of its major);
// rhel_eus:N.M, rhel_aus, rhel_e4s, rhel_tus -> rhel:N.M-eus ... (the
// groups the OVAL reader gives the stream files); a main-stream fix
// Red Hat also ships to that minor's EUS ("AppStream-9.2.0.Z.MAIN.EUS")
// gives rhel:9 and rhel:9.2-eus. Layered products (Satellite, JBoss Core
// Services, Software Collections) give none, nor does ELS (rhel_els,
// ELSGroup: its records have origins of their own).
func PlatformGroups(id, cpe string) []string {
	m := reCPE.FindStringSubmatch(cpe)
	if m == nil {
		return nil
	}
	if _, ok := OSGroup(m[2]); !ok {
		return nil
	}
	if m[1] != "enterprise_linux" {
		if m[3] == "" {
			return nil
		}
		return []string{osGroupPrefix + m[2] + "." + m[3] + "-" + strings.TrimPrefix(m[1], "rhel_")}
	}
	out := []string{osGroupPrefix + m[2]}
	if e := reMainEUS.FindStringSubmatch(id); e != nil && e[1] == m[2] {
		out = append(out, osGroupPrefix+e[1]+"."+e[2]+"-eus")
	}
	return out
}

// component is what a product id's component says of the package.
type component struct {
	name, evr, arch, module string
}

// componentOf reads a component product: its rpm purl
// (pkg:rpm/redhat/curl@7.76.1-26.el9_3.2?arch=x86_64&epoch=1&rpmmod=ruby:2.7:8080020230427102918:63b34585)
// gives the binary name, epoch:version-release (epoch 0 written when the
// purl has none), arch and module stream (name:stream of rpmmod); a purl
// of another type (rpmmod, oci, maven) is no RPM. Without a purl (the
// documents Red Hat generated before 2024 name unfixed components only:
// "kernel", "vim"), the product's name is read as an RPM's
// NAME-EPOCH:VERSION-RELEASE.ARCH, or else taken as a bare package name.
func componentOf(p *csaf.Product) (component, bool) {
	if p == nil {
		return component{}, false
	}
	if p.PURL == "" {
		return componentOfName(p.Name)
	}
	u, ok := csaf.ParsePURL(p.PURL)
	if !ok || u.Type != "rpm" {
		return component{}, false
	}
	c := component{name: u.Name, arch: u.Qualifiers["arch"]}
	if u.Version != "" {
		epoch := u.Qualifiers["epoch"]
		if epoch == "" {
			epoch = "0"
		}
		c.evr = epoch + ":" + u.Version
	}
	if mod := u.Qualifiers["rpmmod"]; mod != "" {
		parts := strings.SplitN(mod, ":", 3)
		if len(parts) >= 2 {
			c.module = parts[0] + ":" + parts[1]
		}
	}
	return c, true
}

var (
	reNEVRA   = regexp.MustCompile(`^([^\s/:]+)-([0-9]+):([^\s/:-]+-[^\s/:-]+)\.([a-z0-9_]+)$`)
	reRPMName = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._+-]*$`)
)

// componentOfName reads a component named without a purl.
func componentOfName(name string) (component, bool) {
	if m := reNEVRA.FindStringSubmatch(name); m != nil {
		return component{name: m[1], evr: m[2] + ":" + m[3], arch: m[4]}, true
	}
	if n, ok := strings.CutSuffix(name, ".src"); ok && reRPMName.MatchString(n) {
		return component{name: n, arch: "src"}, true
	}
	if reRPMName.MatchString(name) {
		return component{name: name}, true
	}
	return component{}, false
}

// ParseVEX reads one Red Hat CSAF document, a VEX (csaf_vex, one CVE) or
// a security advisory (csaf_security_advisory, one RHSA), and emits a
// record per (OS group, origin, binary package, CVE, status, fixed
// version, module stream), the arches of its product ids joined into the
// record's arch restriction:
//
//   - fixed: FixedVersion is the component's epoch:version-release, the
//     advisory the vendor_fix remediation's errata (RHSA-2023:6745; the
//     document's own id for an advisory). A fixed source RPM stands for
//     its binaries (SourceBinaries): the documents of Red Hat's second
//     generator ("CSAF Generator 2.0.1") often name only the source
//     ("rhel-8.10.z::appstream:python3.11-0:3.11.9-7.el8_10.src"), where
//     the first listed every binary of every arch;
//   - known_affected: affected, or what the none_available /
//     no_fix_planned remediation's details say (Will not fix, Fix
//     deferred, Out of support scope -> end-of-life), the details kept as
//     the record's note;
//   - known_not_affected: not-affected; under_investigation: undetermined.
//
// Records of an ELS platform (cpe:/o:redhat:rhel_els:7, ELSGroup) are
// filed under the release's group with origins of their own (ELS,
// WithoutELS): see Driver.Applies.
//
// Severity is the impact threat naming the product id (Red Hat's word,
// lower-cased), else the vulnerability's impact threat that names no
// product, else the document's aggregate severity.
func ParseVEX(r io.Reader, emit func(model.Advisory) error) (VEXStats, error) {
	st := VEXStats{ByStatus: map[string]int{}, ByGroup: map[string]int{}}
	platforms := map[string]platform{}
	platformOf := func(doc *csaf.Document, id string) platform {
		if pl, ok := platforms[id]; ok {
			return pl
		}
		var pl platform
		if p := doc.Products[id]; p != nil {
			pl = platformOfCPE(id, p.CPE)
		}
		platforms[id] = pl
		return pl
	}
	var bins map[binKey][]component
	binaries := func(doc *csaf.Document) map[binKey][]component {
		if bins == nil {
			bins = SourceBinaries(doc)
		}
		return bins
	}
	err := csaf.Read(r, func(doc *csaf.Document, v *csaf.Vulnerability) error {
		if st.Category == "" {
			st.Category, st.Generator = doc.Category, doc.Generator
			if doc.Category != "csaf_vex" && doc.Category != "csaf_security_advisory" {
				return fmt.Errorf("CSAF: category %q, want csaf_vex or csaf_security_advisory", doc.Category)
			}
		}
		st.Vulnerabilities++
		if !strings.HasPrefix(v.CVE, "CVE-") {
			return nil
		}
		return vexRecords(doc, v, &st, func(id string) platform { return platformOf(doc, id) }, binaries(doc), emit)
	})
	return st, err
}

// platform is what a platform product gives its components' records.
type platform struct {
	groups []string
	els    bool // an ELS platform: records of origins ELSSourceName, WithoutELSSourceName
}

func platformOfCPE(id, cpe string) platform {
	if g := PlatformGroups(id, cpe); len(g) > 0 {
		return platform{groups: g}
	}
	if g, ok := ELSGroup(cpe); ok {
		return platform{groups: []string{g}, els: true}
	}
	return platform{}
}

// binKey is a build's epoch:version-release and module stream.
type binKey struct{ evr, module string }

// SourceBinaries lists the binary RPMs of a document's product tree by
// their build (epoch:version-release and module stream), sorted by name
// and arch. rpmbuild gives every binary of a source RPM the source's
// epoch:version-release, so a fixed source RPM's binaries are the
// binaries of its build: the tree of a CSAF document lists them (with
// their rpm purls) though no relationship ties a binary to its source.
// Within one document (one CVE, one RHSA) two sources of one exact
// epoch:version-release and module are not met in Red Hat's data.
func SourceBinaries(doc *csaf.Document) map[binKey][]component {
	out := map[binKey][]component{}
	seen := map[component]bool{}
	for _, p := range doc.Products {
		if p.Component != "" || p.Platform != "" {
			continue
		}
		c, ok := componentOf(p)
		if !ok || c.arch == "src" || c.evr == "" || seen[c] {
			continue
		}
		seen[c] = true
		k := binKey{c.evr, c.module}
		out[k] = append(out[k], c)
	}
	for _, l := range out {
		sort.Slice(l, func(i, j int) bool {
			if l[i].name != l[j].name {
				return l[i].name < l[j].name
			}
			return l[i].arch < l[j].arch
		})
	}
	return out
}

// noteSourceOnly is the note of a record filed under a fixed source RPM's
// name because the document lists none of its binaries.
const noteSourceOnly = "source RPM fixed; the document lists none of its binaries: filed under the source's name"

func vexRecords(doc *csaf.Document, v *csaf.Vulnerability, st *VEXStats, platformOf func(string) platform, bins map[binKey][]component, emit func(model.Advisory) error) error {
	severity := map[string]string{}
	vulnSeverity := "" // an impact naming no product: the vulnerability's (Red Hat's advisories write it so)
	for _, t := range v.Threats {
		if t.Category != "impact" {
			continue
		}
		w := strings.ToLower(strings.TrimSpace(t.Details))
		if len(t.ProductIDs) == 0 {
			vulnSeverity = w
		}
		for _, id := range t.ProductIDs {
			severity[id] = w
		}
	}
	type fix struct {
		advisory string
		date     time.Time
	}
	fixOf := map[string]fix{}
	noteOf := map[string]string{}
	for _, rm := range v.Remediations {
		switch rm.Category {
		case "vendor_fix":
			f := fix{date: utcDay(rm.Date)}
			if m := reErrata.FindStringSubmatch(rm.URL); m != nil {
				f.advisory = m[1]
			} else if m := reErrata.FindStringSubmatch(rm.Details); m != nil {
				f.advisory = m[1]
			}
			for _, id := range rm.ProductIDs {
				fixOf[id] = f
			}
		case "none_available", "no_fix_planned":
			for _, id := range rm.ProductIDs {
				noteOf[id] = strings.TrimSpace(rm.Details)
			}
		}
	}
	docSeverity := strings.ToLower(strings.TrimSpace(doc.AggregateSeverity))
	if vulnSeverity != "" {
		docSeverity = vulnSeverity
	}
	published := utcDay(doc.CurrentReleaseDate)
	desc := vexDescription(v)

	type recKey struct {
		group, origin, name, evr, module, note string
		status                                 model.Status
	}
	type acc struct {
		a      model.Advisory
		arches []string
		anyArc bool
	}
	recs := map[recKey]*acc{}
	var order []recKey
	// The builds whose binaries a platform lists as fixed: a fixed source
	// RPM of such a build is not expanded there (the first generator's
	// documents list every binary beside the source).
	type platformBuild struct {
		platform string
		build    binKey
	}
	listed := map[platformBuild]bool{}
	for _, id := range v.Status["fixed"] {
		if p := doc.Products[id]; p != nil && p.Platform != "" {
			if c, ok := componentOf(doc.Products[p.Component]); ok && c.arch != "src" && c.evr != "" {
				listed[platformBuild{p.Platform, binKey{c.evr, c.module}}] = true
			}
		}
	}
	add := func(k recKey, c component, mk func() model.Advisory) {
		r := recs[k]
		if r == nil {
			r = &acc{a: mk()}
			recs[k] = r
			order = append(order, k)
		}
		if c.arch == "" {
			r.anyArc = true
		} else if !slices.Contains(r.arches, c.arch) {
			r.arches = append(r.arches, c.arch)
		}
	}
	lists := slices.Sorted(func(yield func(string) bool) {
		for k := range v.Status {
			if !yield(k) {
				return
			}
		}
	})
	for _, list := range lists {
		status, ok := vexStatus[list]
		if !ok {
			continue
		}
		for _, id := range v.Status[list] {
			p := doc.Products[id]
			if p == nil || p.Platform == "" {
				st.Unread++
				continue
			}
			pl := platformOf(p.Platform)
			if len(pl.groups) == 0 {
				st.NoGroup++
				continue
			}
			if pl.els {
				st.ELS++
			}
			c, ok := componentOf(doc.Products[p.Component])
			if !ok {
				st.Unread++
				continue
			}
			s, note := status, ""
			comps := []component{c}
			if status == model.StatusFixed {
				if c.evr == "" {
					st.Unread++
					continue
				}
				if c.arch == "src" {
					st.Source++
					if listed[platformBuild{p.Platform, binKey{c.evr, c.module}}] {
						continue
					}
					if comps = bins[binKey{c.evr, c.module}]; len(comps) == 0 {
						st.SourceOnly++
						c.arch, note = "", noteSourceOnly
						comps = []component{c}
					}
				}
			} else {
				comps[0].evr = ""
				if c.arch == "src" {
					comps[0].arch = ""
				}
				if status == model.StatusAffected {
					note = strings.ToLower(noteOf[id])
					if rs, ok := remediationStatus[note]; ok {
						s = rs
					}
				}
			}
			sev := severity[id]
			if sev == "" {
				sev = docSeverity
			}
			origin := VEXSourceName
			if pl.els {
				origin = ELSSourceName
			}
			for _, c := range comps {
				for _, g := range pl.groups {
					mk := func() model.Advisory {
						a := model.Advisory{Source: origin, OSGroup: g, Package: c.name, CVE: v.CVE,
							Status: s, Severity: sev, Module: c.module, Description: desc, Note: note, Published: published}
						if s == model.StatusFixed {
							a.FixedVersion = c.evr
							f := fixOf[id]
							a.AdvisoryID = f.advisory
							if a.AdvisoryID == "" && strings.HasPrefix(doc.TrackingID, "RH") {
								a.AdvisoryID = doc.TrackingID
							}
							if !f.date.IsZero() {
								a.Published = f.date
							}
						}
						return a
					}
					add(recKey{g, origin, c.name, c.evr, c.module, note, s}, c, mk)
					if pl.els && s == model.StatusFixed {
						// The view of an ELS fix from a host without ELS:
						// affected below the fix, nothing to install.
						wn := "fixed in " + c.evr + " with RHEL Extended Life-cycle Support; no fix without an ELS subscription"
						add(recKey{g, WithoutELSSourceName, c.name, c.evr, c.module, wn, model.StatusAffected}, c, func() model.Advisory {
							a := mk()
							a.Source, a.Status, a.Note = WithoutELSSourceName, model.StatusAffected, wn
							return a
						})
					}
				}
			}
		}
	}
	for _, k := range order {
		r := recs[k]
		if !r.anyArc {
			sort.Strings(r.arches)
			r.a.Arch = strings.Join(r.arches, "|")
		}
		st.Records++
		st.ByStatus[string(r.a.Status)]++
		st.ByGroup[r.a.OSGroup]++
		if err := emit(r.a); err != nil {
			return err
		}
	}
	return nil
}

// vexDescription is the vulnerability's title, else its summary or
// description note, on one line and clipped.
func vexDescription(v *csaf.Vulnerability) string {
	d := v.Title
	for _, cat := range []string{"summary", "description"} {
		if d != "" {
			break
		}
		for _, n := range v.Notes {
			if n.Category == cat && n.Text != "" {
				d = n.Text
				break
			}
		}
	}
	d = strings.Join(strings.Fields(d), " ")
	if len(d) > 300 {
		d = strings.ToValidUTF8(d[:300], "")
	}
	return d
}

// utcDay reads an RFC 3339 date to its UTC day (zero when unreadable).
func utcDay(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC().Truncate(24 * time.Hour)
}
