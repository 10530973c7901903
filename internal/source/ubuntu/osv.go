package ubuntu

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/pakiti-go/pakiti/internal/csaf"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/source/osv"
)

// Ubuntu's OSV records (github.com/canonical/ubuntu-security-notices,
// osv/cve/YYYY/UBUNTU-CVE-*.json, osv/usn/USN-*.json, osv/lsn/LSN-*.json)
// are read with the generic OSV reader (internal/source/osv) and mapped to
// the OS groups and origins the tracker reader gives, by ecosystem:
//
//	Ubuntu:22.04:LTS, Ubuntu:24.10     ubuntu:22.04, ubuntu:24.10; origin ubuntu-tracker
//	Ubuntu:Pro:16.04:LTS               ubuntu:16.04; origin by the entry's
//	                                   ecosystem_specific.availability: "Ubuntu Pro
//	                                   (Infra-only)" ubuntu-esm-infra, "Ubuntu Pro"
//	                                   ubuntu-esm-apps, "Livepatch" ubuntu-livepatch;
//	                                   none said: ubuntu-pro (a Pro channel not named)
//	Ubuntu:Pro:FIPS:18.04:LTS          ubuntu:18.04; ubuntu-fips (FIPS-updates:
//	                                   ubuntu-fips-updates, FIPS-preview: ubuntu-fips-preview)
//	LSN-* records (Livepatch)          their group; origin ubuntu-livepatch
//
// A Pro entry with a fix gives two records: the channel's (fixed in the
// +esm version; it applies to packages installed from a Pro channel, see
// Driver.Applies) and one of origin ubuntu-without-CHANNEL (WithoutPro:
// ubuntu-without-esm-apps...), status affected,
// FixedVersion the Pro fix, for a host that has the release's version:
// it is vulnerable while below that version, and without Pro it has no
// fix to install — unfixed, never "open". A Pro entry without a fix
// (introduced 0 only) is the release's record (origin ubuntu-tracker):
// no host has a fix, Pro or not.
//
// Livepatch (LSN) records say which kernel CVEs a live patch fixes up to
// a kernel version. A live patch does not change the installed kernel's
// version, so no version comparison can tell whether a host has it: the
// records are kept (the advisory page lists them) but apply to no
// package.
//
// CVE ids: Ubuntu's records name them as UBUNTU-CVE-YYYY-N in upstream
// and related; those become CVE-YYYY-N (a USN record names its CVEs only
// so). The USN or LSN id is the record's AdvisoryID. Severity is the
// record's "Ubuntu" severity word, else the entry's
// ecosystem_specific.ubuntu_priority.

// Origins of OSV records the tracker does not give.
const (
	// OriginPro is a Pro channel an OSV record does not name.
	OriginPro = "ubuntu-pro"
	// OriginLivepatch is a Livepatch (LSN) record: never applied.
	OriginLivepatch = "ubuntu-livepatch"
	// withoutPrefix starts the origin of the view of a Pro fix from a
	// host without that Pro service (WithoutPro).
	withoutPrefix = "ubuntu-without-"
)

// WithoutPro is the origin of the view of a Pro channel's fix from a host
// without that channel: ubuntu-without-esm-apps, ubuntu-without-esm-infra,
// ubuntu-without-pro (a Pro channel the record does not name). Such a
// record is affected below the Pro fix, with nothing to install.
func WithoutPro(channelOrigin string) string { return withoutPrefix + Channel(channelOrigin) }

// IsWithoutPro tells the origins WithoutPro gives.
func IsWithoutPro(origin string) bool { return strings.HasPrefix(origin, withoutPrefix) }

// OSVStats counts what an OSV parse read and left out.
type OSVStats = osv.Stats

// Reasons an OSV entry gives no record (besides the OSV reader's).
const (
	skipNotUbuntu     = "ecosystem not Ubuntu"
	skipUnknownOSVRel = "unknown Ubuntu release in ecosystem"
	skipNoOSVRecord   = "no OSV record with an id"
)

// ecosystem reads an Ubuntu OSV ecosystem and an entry's availability
// into the OS group and origin of its records, or the reason it gives
// none.
func ecosystem(eco, availability string, livepatch bool) (group, origin, skip string) {
	parts := strings.Split(eco, ":")
	if len(parts) < 2 || parts[0] != "Ubuntu" {
		return "", "", skipNotUbuntu
	}
	parts = parts[1:]
	if parts[len(parts)-1] == "LTS" {
		parts = parts[:len(parts)-1]
	}
	if len(parts) == 0 {
		return "", "", skipNotUbuntu
	}
	ver := parts[len(parts)-1]
	var g string
	for _, r := range releases {
		if r.version == ver {
			g = osGroupPrefix + r.version
		}
	}
	if g == "" {
		return "", "", skipName(skipUnknownOSVRel, eco)
	}
	kind := parts[:len(parts)-1]
	switch {
	case len(kind) == 0:
		return g, OriginTracker, ""
	case kind[0] != "Pro":
		return "", "", skipName(skipUnknownChannel, eco)
	case len(kind) == 1:
		a := strings.ToLower(availability)
		switch {
		case livepatch || strings.Contains(a, "livepatch"):
			return g, OriginLivepatch, ""
		case strings.Contains(a, "infra-only"):
			return g, OriginESMInfra, ""
		case strings.Contains(a, "ubuntu pro"):
			return g, OriginESMApps, ""
		}
		return g, OriginPro, ""
	case len(kind) == 2:
		switch strings.ToLower(kind[1]) {
		case "fips":
			return g, OriginFIPS, ""
		case "fips-updates":
			return g, OriginFIPSUpdates, ""
		case "fips-preview":
			return g, OriginFIPSPreview, ""
		}
	}
	return "", "", skipName(skipUnknownChannel, eco)
}

// ubuntuSpecific is what records need of an entry's ecosystem_specific.
type ubuntuSpecific struct {
	Availability   string `json:"availability"`
	UbuntuPriority string `json:"ubuntu_priority"`
	// Binaries are the binary packages the source builds, at the
	// record's fixed version ("binary_name": "openssh-client",
	// "binary_version": "1:8.9p1-3ubuntu0.10").
	Binaries []struct {
		Name    string `json:"binary_name"`
		Version string `json:"binary_version"`
	} `json:"binaries"`
}

// ParseOSV reads Ubuntu OSV records (any form osv.Read takes: one JSON
// record, an array or JSON lines of them, a zip or tar of them) and emits
// their records (see the comment above). A document that holds no OSV
// record with an id is an error.
func ParseOSV(ctx context.Context, r io.Reader, name string, emit func(model.Advisory) error) (OSVStats, error) {
	return ParseOSVBinaries(ctx, r, name, emit, nil)
}

// ParseOSVBinaries is ParseOSV that also hands each entry's binaries
// (ecosystem_specific.binaries: the binary packages its source builds,
// with their versions) to bin with the entry's OS group, as binary ->
// source pairs: a protocol-5 host, which names binaries only, is then
// keyed by its packages' sources without a Packages index, for every
// package an OSV record names. The source version is the purl's
// (pkg:deb/ubuntu/openssh@1:8.9p1-3ubuntu0.10?arch=source), else the
// binary's. Debug symbol packages (-dbgsym) and Livepatch records are
// left out; bin nil reads no binaries.
func ParseOSVBinaries(ctx context.Context, r io.Reader, name string, emit func(model.Advisory) error, bin func(group string, b source.Binary) error) (OSVStats, error) {
	var st OSVStats
	withID := 0
	err := osv.Read(ctx, r, name, &st, func(v *osv.Vuln) error {
		if v.ID != "" {
			withID++
		}
		return convertOSV(v, &st, emit, bin)
	})
	if err == nil && withID == 0 {
		err = fmt.Errorf("%s: %s", name, skipNoOSVRecord)
	}
	return st, err
}

// convertOSV emits the records of one Ubuntu OSV record.
func convertOSV(v *osv.Vuln, st *OSVStats, emit func(model.Advisory) error, bin func(string, source.Binary) error) error {
	v.Aliases = ubuntuCVEs(v.Aliases)
	v.Related = ubuntuCVEs(v.Related)
	v.Upstream = ubuntuCVEs(v.Upstream)
	livepatch := strings.HasPrefix(v.ID, "LSN-")
	// The entries by origin, in order of first appearance: osv.Convert
	// gives every record of one call the same origin.
	type batch struct {
		origin  string
		mapping osv.Mapping
		entries []osv.Affected
	}
	var batches []*batch
	byOrigin := map[string]*batch{}
	for _, a := range v.Affected {
		var es ubuntuSpecific
		if len(a.EcosystemSpecific) > 0 {
			_ = json.Unmarshal(a.EcosystemSpecific, &es) // a wrong shape only loses availability and priority
		}
		group, origin, skip := ecosystem(a.Package.Ecosystem, es.Availability, livepatch)
		if skip != "" {
			st.Skip(skip)
			continue
		}
		if bin != nil && origin != OriginLivepatch {
			if err := entryBinaries(a, group, es, bin); err != nil {
				return err
			}
		}
		if len(a.Severity) == 0 && isPriority(es.UbuntuPriority) {
			a.Severity = []osv.Severity{{Type: "Ubuntu", Score: es.UbuntuPriority}}
		}
		if proOrigin(origin) {
			if !hasFix(a) {
				origin = OriginTracker // no fix, Pro or not: the release's record
			}
		}
		b := byOrigin[origin]
		if b == nil {
			b = &batch{origin: origin, mapping: osv.Mapping{}}
			byOrigin[origin] = b
			batches = append(batches, b)
		}
		b.mapping[a.Package.Ecosystem] = group
		b.entries = append(b.entries, a)
	}
	for _, b := range batches {
		one := *v
		one.Affected = b.entries
		err := osv.Convert(&one, &osv.Options{Source: b.origin, Mapping: b.mapping}, st, func(rec model.Advisory) error {
			if err := emit(rec); err != nil {
				return err
			}
			if rec.Status != model.StatusFixed || !proOrigin(rec.Source) {
				return nil
			}
			// The host without Pro: affected below the Pro fix.
			np := rec
			np.Source, np.Status = WithoutPro(rec.Source), model.StatusAffected
			np.Note = clip("fixed in "+rec.FixedVersion+" with Ubuntu Pro ("+Channel(rec.Source)+"); no fix without Pro", maxNote)
			st.Records++
			return emit(np)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// entryBinaries hands an entry's binaries to bin.
func entryBinaries(a osv.Affected, group string, es ubuntuSpecific, bin func(string, source.Binary) error) error {
	srcVersion := ""
	if p, ok := csaf.ParsePURL(a.Package.Purl); ok && p.Type == "deb" && p.Name == a.Package.Name {
		srcVersion = p.Version
	}
	for _, b := range es.Binaries {
		if b.Name == "" || b.Version == "" || strings.HasSuffix(b.Name, "-dbgsym") || a.Package.Name == "" {
			continue
		}
		sv := srcVersion
		if sv == "" {
			sv = b.Version
		}
		if err := bin(group, source.Binary{Name: b.Name, Version: b.Version, SourceName: a.Package.Name, SourceVersion: sv}); err != nil {
			return err
		}
	}
	return nil
}

// proOrigin tells the ESM origins of Pro channels (not FIPS, not
// Livepatch): their fixes have a without-Pro twin. OSV ecosystems give
// esm-infra, esm-apps and pro; the tracker's files also
// esm-infra-legacy/ and ros-esm/ lines.
func proOrigin(origin string) bool {
	switch origin {
	case OriginESMInfra, OriginESMApps, OriginPro, OriginESMInfraLegacy, OriginROSESM:
		return true
	}
	return false
}

// hasFix tells whether an entry names a fixed version.
func hasFix(a osv.Affected) bool {
	for _, r := range a.Ranges {
		for _, e := range r.Events {
			if e.Fixed != "" {
				return true
			}
		}
	}
	return false
}

// isPriority tells a tracker priority word.
func isPriority(w string) bool {
	for _, p := range Priorities {
		if p == w {
			return true
		}
	}
	return false
}

// ubuntuCVEs rewrites UBUNTU-CVE-YYYY-N ids as CVE-YYYY-N.
func ubuntuCVEs(ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		out = append(out, strings.TrimPrefix(strings.TrimSpace(id), "UBUNTU-"))
	}
	return out
}

// isOSVDocument recognises OSV JSON (a record or an array of them) and a
// zip archive (of OSV records: the tracker is never zipped).
func isOSVDocument(head []byte) bool {
	t := strings.TrimLeft(string(head), " \t\r\n\ufeff")
	return strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[") || strings.HasPrefix(t, "PK\x03\x04")
}
