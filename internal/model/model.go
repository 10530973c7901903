// Package model holds the domain types every other package speaks: hosts,
// reports, packages and package sets. It does no I/O.
package model

import "time"

// DefaultSite is the site a host lands in when its report names none, as in
// the PHP Pakiti.
const DefaultSite = "N/A"

// Package is one installed binary package as a host reported it. Version is
// kept exactly as reported (dpkg: the Version field; rpm: epoch:version-release;
// apk: version-rN). SourceName and SourceVersion are set when the report carried
// them (protocol 6) and empty otherwise. Module is the RPM module stream
// ("nodejs:12") of a module build when the report carried its
// MODULARITYLABEL (protocol 6), "" otherwise.
type Package struct {
	Name          string `json:"name"`
	Version       string `json:"version"`
	Arch          string `json:"arch"`
	SourceName    string `json:"source"`
	SourceVersion string `json:"source_version"`
	Module        string `json:"module,omitempty"`
	// Matched is the source package the matcher compared, when it has
	// evaluated the package (set on reads, never reported).
	Matched *Matched `json:"matched,omitempty"`
}

// Matched says which source package and version an installed package was
// matched as, and how that was found (report, learned, packages-index,
// binary-name).
type Matched struct {
	Source  string `json:"source"`
	Version string `json:"version"`
	Basis   string `json:"basis"`
}

// Host is a monitored machine, keyed by the first name it reports.
type Host struct {
	Hostname       string    `json:"hostname"`
	Site           string    `json:"site"`
	Tag            string    `json:"tag"`
	OS             string    `json:"os"`
	OSID           string    `json:"os_id,omitempty"`
	OSVersionID    string    `json:"os_version_id,omitempty"`
	OSGroup        string    `json:"os_group"` // "" when no rule matched: not evaluated
	Arch           string    `json:"arch"`
	Kernel         string    `json:"kernel"`
	CPU            string    `json:"cpu,omitempty"`
	Packager       string    `json:"packager"`
	RebootRequired *bool     `json:"reboot_required,omitempty"`
	ReporterAddr   string    `json:"reporter_addr"`
	Protocol       int       `json:"protocol"`
	FirstReport    time.Time `json:"first_report"`
	LastReport     time.Time `json:"last_report"`
	Packages       int       `json:"packages"`
	PackageSetHash string    `json:"package_set_hash"`
	// Reports: how many reports the host sent, all of them (the history
	// kept may be shorter: its retention collects old records).
	Reports int `json:"reports"`

	// Evaluated is false when the host's OS group has no vulnerability
	// data: its counts then say nothing, and it is shown as not evaluated.
	Evaluated          bool `json:"evaluated"`
	CVEs               int  `json:"cves"` // distinct CVEs of open findings (open and unfixed; not reboot-pending, not excepted)
	VulnerablePackages int  `json:"vulnerable_packages"`
	// AdvisoryFindings counts open findings of advisories that name no
	// CVE (a DSA/DLA regression update): not counted in CVEs.
	AdvisoryFindings int `json:"advisory_findings"`

	// DataState says whether the host's counts can be trusted (coverage.go).
	DataState   string       `json:"data_state"`
	DataReason  string       `json:"data_reason,omitempty"` // why the state is not complete
	DataSources []DataSource `json:"data_sources"`          // what the host was evaluated against

	// Counters kept by the findings writer (store.WriteFindings).
	BySeverity    map[string]int `json:"cves_by_severity"` // open CVEs by severity: critical, high, medium, low (and negligible)
	Unfixed       int            `json:"unfixed"`          // open CVEs with no fix
	RebootPending int            `json:"reboot_pending"`   // CVEs of the running kernel fixed by an installed kernel
	Excepted      int            `json:"excepted"`         // CVEs an exception covers
	TaggedCVEs    map[string]int `json:"tagged_cves"`      // open CVEs per CVE tag
	// Stale: the host has not reported for the stale period (default 7
	// days).
	Stale bool `json:"stale"`
}

// ReportRecord is one entry of a host's report history. Identical consecutive
// reports (same header and package-set hashes) share one record whose Count
// and LastReceived grow, so a host reporting daily does not add a row a day.
type ReportRecord struct {
	FirstReceived time.Time `json:"received_at"`
	LastReceived  time.Time `json:"last_received_at"`
	Count         int       `json:"count"`
	ReporterAddr  string    `json:"reporter_addr"`
	ThroughProxy  bool      `json:"through_proxy"`
	// ProxyAddr is the address a forwarded report came from; ReporterAddr
	// is then the host's own address as the proxy gave it ("" when it
	// gave none). "" for reports the host sent itself.
	ProxyAddr  string `json:"proxy_addr"`
	Protocol   int    `json:"protocol"`
	Packages   int    `json:"packages"`
	HeaderHash string `json:"header_hash"`
	PackageSet string `json:"package_set_hash"`
}
