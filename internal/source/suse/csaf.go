package suse

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/pakiti-go/pakiti/internal/model"
)

// VEXSourceName is model.Advisory.Source of the CSAF VEX records.
const VEXSourceName = "suse-csaf-vex"

// maxVEXBytes bounds one CSAF VEX document (SUSE's largest, the kernel's,
// are a few tens of MB).
const maxVEXBytes = 256 << 20

// VEXStats counts what ParseVEX read.
type VEXStats struct {
	Vulnerabilities int            `json:"vulnerabilities"`
	Records         int            `json:"records"`
	ByStatus        map[string]int `json:"by_status"`
	ByGroup         map[string]int `json:"by_group"`
	NoGroup         int            `json:"no_group_products,omitempty"` // product ids of products without a group
	Unread          int            `json:"unread_products,omitempty"`   // product ids of a form we do not read
}

type vexDoc struct {
	Document struct {
		Category string `json:"category"`
		Tracking struct {
			ID                 string `json:"id"`
			CurrentReleaseDate string `json:"current_release_date"`
		} `json:"tracking"`
	} `json:"document"`
	ProductTree struct {
		Relationships []struct {
			FullProductName struct {
				ProductID string `json:"product_id"`
			} `json:"full_product_name"`
			ProductReference string `json:"product_reference"`
			RelatesTo        string `json:"relates_to_product_reference"`
		} `json:"relationships"`
	} `json:"product_tree"`
	Vulnerabilities []struct {
		CVE   string `json:"cve"`
		Notes []struct {
			Category string `json:"category"`
			Text     string `json:"text"`
		} `json:"notes"`
		ProductStatus map[string][]string `json:"product_status"`
		Threats       []struct {
			Category string `json:"category"`
			Details  string `json:"details"`
		} `json:"threats"`
	} `json:"vulnerabilities"`
}

// vexStatus maps CSAF product status lists to statuses; fixed ones carry
// the version in their product id.
var vexStatus = map[string]model.Status{
	"fixed":               model.StatusFixed,
	"recommended":         model.StatusFixed,
	"known_affected":      model.StatusAffected,
	"known_not_affected":  model.StatusNotAffected,
	"under_investigation": model.StatusUndetermined,
}

var (
	reSLEProduct = regexp.MustCompile(`^SUSE Linux Enterprise (Server|Server for SAP Applications|High Performance Computing|Module for [A-Za-z ]+?|High Availability Extension|Workstation Extension|Software Development Kit|Live Patching|Real Time|Desktop) ([0-9]+)(?: SP([0-9]+))?(?:[- ](?:LTSS|ESPOS|BCL|LTSS ERICSSON|LTSS TERADATA))?$`)
	reLeap       = regexp.MustCompile(`^openSUSE Leap ([0-9]+\.[0-9]+)$`)
)

// VEXProductGroup maps a CSAF product name to the OS group ProductGroup
// gives the same product in OVAL: "SUSE Linux Enterprise Server 15 SP3"
// and its -LTSS, for SAP, HPC, module and extension products -> sles:15.3,
// "SUSE Linux Enterprise Desktop 15 SP3" -> sled:15.3, "openSUSE Leap
// 15.3" -> opensuse-leap:15.3.
func VEXProductGroup(product string) (string, bool) {
	if m := reSLEProduct.FindStringSubmatch(product); m != nil {
		v := m[2]
		if m[3] != "" && m[3] != "0" {
			v += "." + m[3]
		}
		if m[1] == "Desktop" {
			return "sled:" + v, true
		}
		return "sles:" + v, true
	}
	if m := reLeap.FindStringSubmatch(product); m != nil {
		return "opensuse-leap:" + m[1], true
	}
	return "", false
}

var reNVR = regexp.MustCompile(`^(.+)-([^-]+-[^-]+)$`)

// ParseVEX reads one SUSE CSAF VEX document (one CVE) and emits a record
// per (OS group, package, status) of its product statuses.
func ParseVEX(r io.Reader, emit func(model.Advisory) error) (VEXStats, error) {
	st := VEXStats{ByStatus: map[string]int{}, ByGroup: map[string]int{}}
	var d vexDoc
	dec := json.NewDecoder(io.LimitReader(r, maxVEXBytes))
	if err := dec.Decode(&d); err != nil {
		return st, fmt.Errorf("CSAF VEX: %w", err)
	}
	if d.Document.Category != "csaf_vex" {
		return st, fmt.Errorf("CSAF: category %q, want csaf_vex", d.Document.Category)
	}
	published, _ := time.Parse(time.RFC3339, d.Document.Tracking.CurrentReleaseDate)
	published = published.UTC().Truncate(24 * time.Hour)
	type rel struct{ product, component string }
	rels := map[string]rel{}
	for _, r := range d.ProductTree.Relationships {
		rels[r.FullProductName.ProductID] = rel{r.RelatesTo, r.ProductReference}
	}
	for _, v := range d.Vulnerabilities {
		st.Vulnerabilities++
		if !strings.HasPrefix(v.CVE, "CVE-") {
			continue
		}
		sev, desc := "", ""
		for _, t := range v.Threats {
			if t.Category == "impact" {
				sev = strings.ToLower(strings.TrimSpace(t.Details))
			}
		}
		for _, n := range v.Notes {
			if n.Category == "general" && desc == "" {
				desc = clip(strings.TrimSpace(reSpace.ReplaceAllString(n.Text, " ")), 300)
			}
		}
		lists := make([]string, 0, len(v.ProductStatus))
		for k := range v.ProductStatus {
			lists = append(lists, k)
		}
		sort.Strings(lists)
		seen := map[string]bool{}
		for _, list := range lists {
			status, ok := vexStatus[list]
			if !ok {
				continue
			}
			for _, id := range v.ProductStatus[list] {
				rl, ok := rels[id]
				if !ok {
					p, c, cut := strings.Cut(id, ":")
					if !cut {
						st.Unread++
						continue
					}
					rl = rel{p, c}
				}
				group, ok := VEXProductGroup(rl.product)
				if !ok {
					st.NoGroup++
					continue
				}
				a := model.Advisory{Source: VEXSourceName, OSGroup: group, CVE: v.CVE, Status: status,
					Severity: sev, Description: desc, Published: published, Package: rl.component}
				if status == model.StatusFixed {
					m := reNVR.FindStringSubmatch(rl.component)
					if m == nil {
						st.Unread++
						continue
					}
					a.Package, a.FixedVersion = m[1], m[2]
				}
				k := a.OSGroup + "\x00" + a.Package + "\x00" + a.FixedVersion + "\x00" + string(a.Status)
				if seen[k] {
					continue
				}
				seen[k] = true
				st.Records++
				st.ByStatus[string(status)]++
				st.ByGroup[group]++
				if err := emit(a); err != nil {
					return st, err
				}
			}
		}
	}
	return st, nil
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
