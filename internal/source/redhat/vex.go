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

// VEXStats counts what ParseVEX read.
type VEXStats struct {
	Category        string         `json:"category"`
	Vulnerabilities int            `json:"vulnerabilities"`
	Records         int            `json:"records"`
	ByStatus        map[string]int `json:"by_status"`
	ByGroup         map[string]int `json:"by_group"`
	NoGroup         int            `json:"no_group_products,omitempty"` // product ids of platforms that are no RHEL release (layered products, ELS)
	Source          int            `json:"source_rpms,omitempty"`       // fixed product ids of source RPMs (the binaries are listed apart)
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
)

// PlatformGroups maps a Red Hat platform product (its id and CPE) to the
// OS groups whose hosts it describes: enterprise_linux:N -> rhel:N (every
// minor release, GA and z-stream, is the main stream of its major);
// rhel_eus:N.M, rhel_aus, rhel_e4s, rhel_tus -> rhel:N.M-eus ... (the
// groups the OVAL reader gives the stream files); a main-stream fix
// Red Hat also ships to that minor's EUS ("AppStream-9.2.0.Z.MAIN.EUS")
// gives rhel:9 and rhel:9.2-eus. Layered products (Satellite, JBoss Core
// Services, Software Collections) and ELS (rhel_els) give none.
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
// record per (OS group, binary package, CVE, status, fixed version,
// module stream), the arches of its product ids joined into the record's
// arch restriction:
//
//   - fixed: FixedVersion is the component's epoch:version-release, the
//     advisory the vendor_fix remediation's errata (RHSA-2023:6745; the
//     document's own id for an advisory), source RPMs dropped (their
//     binaries are listed);
//   - known_affected: affected, or what the none_available /
//     no_fix_planned remediation's details say (Will not fix, Fix
//     deferred, Out of support scope -> end-of-life), the details kept as
//     the record's note;
//   - known_not_affected: not-affected; under_investigation: undetermined.
//
// Severity is the impact threat naming the product id (Red Hat's word,
// lower-cased), else the document's aggregate severity.
func ParseVEX(r io.Reader, emit func(model.Advisory) error) (VEXStats, error) {
	st := VEXStats{ByStatus: map[string]int{}, ByGroup: map[string]int{}}
	groupsOf := map[string][]string{}
	platformGroups := func(doc *csaf.Document, id string) []string {
		if g, ok := groupsOf[id]; ok {
			return g
		}
		var g []string
		if p := doc.Products[id]; p != nil {
			g = PlatformGroups(id, p.CPE)
		}
		groupsOf[id] = g
		return g
	}
	err := csaf.Read(r, func(doc *csaf.Document, v *csaf.Vulnerability) error {
		if st.Category == "" {
			st.Category = doc.Category
			if doc.Category != "csaf_vex" && doc.Category != "csaf_security_advisory" {
				return fmt.Errorf("CSAF: category %q, want csaf_vex or csaf_security_advisory", doc.Category)
			}
		}
		st.Vulnerabilities++
		if !strings.HasPrefix(v.CVE, "CVE-") {
			return nil
		}
		return vexRecords(doc, v, &st, platformGroups, emit)
	})
	return st, err
}

func vexRecords(doc *csaf.Document, v *csaf.Vulnerability, st *VEXStats, platformGroups func(*csaf.Document, string) []string, emit func(model.Advisory) error) error {
	severity := map[string]string{}
	for _, t := range v.Threats {
		if t.Category != "impact" {
			continue
		}
		for _, id := range t.ProductIDs {
			severity[id] = strings.ToLower(strings.TrimSpace(t.Details))
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
	published := utcDay(doc.CurrentReleaseDate)
	desc := vexDescription(v)

	type recKey struct {
		group, name, evr, module, note string
		status                         model.Status
	}
	type acc struct {
		a      model.Advisory
		arches []string
		anyArc bool
	}
	recs := map[recKey]*acc{}
	var order []recKey
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
			groups := platformGroups(doc, p.Platform)
			if len(groups) == 0 {
				st.NoGroup++
				continue
			}
			c, ok := componentOf(doc.Products[p.Component])
			if !ok {
				st.Unread++
				continue
			}
			s, note := status, ""
			if status == model.StatusFixed {
				if c.evr == "" {
					st.Unread++
					continue
				}
				if c.arch == "src" {
					st.Source++
					continue
				}
			} else {
				c.evr = ""
				if c.arch == "src" {
					c.arch = ""
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
			for _, g := range groups {
				k := recKey{g, c.name, c.evr, c.module, note, s}
				r := recs[k]
				if r == nil {
					a := model.Advisory{Source: VEXSourceName, OSGroup: g, Package: c.name, CVE: v.CVE,
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
					r = &acc{a: a}
					recs[k] = r
					order = append(order, k)
				}
				if c.arch == "" {
					r.anyArc = true
				} else if !slices.Contains(r.arches, c.arch) {
					r.arches = append(r.arches, c.arch)
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
