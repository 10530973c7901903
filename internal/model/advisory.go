package model

import "time"

// Status is what a vendor says of a package in a release for one CVE.
type Status string

// The statuses every source maps its own words to.
const (
	StatusFixed        Status = "fixed"        // fixed in FixedVersion; older versions are affected
	StatusAffected     Status = "affected"     // affected, no fix released yet
	StatusUndetermined Status = "undetermined" // not analysed yet: treat as affected-unknown, never as clean
	StatusWillNotFix   Status = "will-not-fix" // affected; the vendor will not fix it (Debian <ignored>)
	StatusFixDeferred  Status = "fix-deferred" // affected; fix postponed (Debian <postponed>)
	StatusNotAffected  Status = "not-affected" // never affected (Debian fixed_version "0", <not-affected>)
	StatusEndOfLife    Status = "end-of-life"  // the package gets no security support in that release
)

// Affects tells whether a package version for which the record applies
// is vulnerable without looking at versions (everything but fixed and
// not-affected); fixed records need a version comparison.
func (s Status) Affects() bool {
	switch s {
	case StatusFixed, StatusNotAffected:
		return false
	}
	return true
}

// Advisory is one vendor record: a CVE (or vendor id) for a package in an
// OS group, with the version that fixes it or the status that says why
// there is none.
type Advisory struct {
	Source       string `json:"source"`        // e.g. "debian-tracker", "debian-dsa"
	OSGroup      string `json:"os_group"`      // e.g. "debian:12"
	Package      string `json:"package"`       // as the source names it (Debian: source package)
	CVE          string `json:"cve"`           // CVE id, or the vendor's own id (Debian TEMP-...)
	FixedVersion string `json:"fixed_version"` // empty unless Status is fixed
	Status       Status `json:"status"`
	Severity     string `json:"severity,omitempty"`    // the vendor's word (Debian urgency), normalised to lower case
	AdvisoryID   string `json:"advisory,omitempty"`    // DSA-5555-1, DLA-3380-1, RHSA-...
	Arch         string `json:"arch,omitempty"`        // restriction, when the vendor gives one: arches separated by "|" (as OVAL writes them)
	Module       string `json:"module,omitempty"`      // RPM module stream "name:stream" the record applies to; "" for non-modular packages
	Description  string `json:"description,omitempty"` // short text, when the source has one
	Note         string `json:"note,omitempty"`        // e.g. "no-dsa: minor issue", the reason behind a status
	Temporary    bool   `json:"temporary,omitempty"`   // the id is not a CVE (Debian TEMP-...)
	// Published is when the vendor issued or last changed the record, when
	// the source says (zero otherwise): the data date of a source is its
	// newest record's.
	Published time.Time `json:"published,omitzero"`
}

// Finding is one CVE of one installed package of one host, with the facts
// that decided it when it opened or last changed (kept whatever happens to
// the verdict cache). Status is the finding's: open, unfixed,
// reboot-pending, update-available, resolved or excepted; VendorStatus is
// what the vendor said (fixed, affected...). Open findings have no
// ResolvedAt; resolved ones say why (Resolution).
type Finding struct {
	CVE           string     `json:"cve"`
	Package       string     `json:"package"`
	Version       string     `json:"installed"`
	Arch          string     `json:"arch"`
	SourcePackage string     `json:"source_package"`
	SourceVersion string     `json:"source_version"`
	Basis         string     `json:"basis"` // how the source package was found: report, learned, packages-index, binary-name
	FixedVersion  string     `json:"fixed"`
	Status        string     `json:"status"`
	VendorStatus  Status     `json:"vendor_status"`
	Severity      string     `json:"severity"`
	AdvisoryID    string     `json:"advisory"`
	Origin        string     `json:"source"`               // the data source, e.g. debian-tracker
	DataGroup     string     `json:"data_group,omitempty"` // the OS group whose data decided, when borrowed (rhel:7 for a centos:7 host); "" for the host's own
	DataDate      *time.Time `json:"data_date,omitempty"`  // when the data that decided it was imported
	Kernel        string     `json:"kernel,omitempty"`     // the kernel release of a kernel image's finding
	Tags          []string   `json:"tags"`
	FirstSeen     time.Time  `json:"first_seen"`
	ResolvedAt    *time.Time `json:"resolved_at"`
	Resolution    string     `json:"resolution,omitempty"` // why it resolved: package-updated, data-changed, excepted, host-removed
}
