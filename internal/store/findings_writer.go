package store

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"
	"time"

	"github.com/pakiti-go/pakiti/internal/model"
)

// The findings writer: the one place that opens, changes and resolves a
// host's findings and keeps the host's counters. Matching (internal/match)
// computes what a host's findings should be (a HostTarget, from the
// verdicts of its package set); WriteFindings compares that with what is
// stored, writes the difference with the facts that decided each finding,
// applies the finding policy (CVE tags, exceptions) and recomputes the
// counters in Go. Nothing is deleted: a finding that goes away is resolved
// with its reason, and its facts stay.

// Finding statuses (the API's "status"). A resolved finding is stored with
// the status it last had; the API says resolved (or excepted).
const (
	StatusOpen            = "open"             // vulnerable, a fixed version exists
	StatusUnfixed         = "unfixed"          // vulnerable, no fix (affected, will-not-fix, postponed, end-of-life)
	StatusRebootPending   = "reboot-pending"   // the running kernel is vulnerable, a fixed kernel is installed
	StatusUpdateAvailable = "update-available" // the security suite has a newer version (updates.go, kept apart)
	StatusResolved        = "resolved"         // no longer applies (API only)
	StatusExcepted        = "excepted"         // an exception covers it: out of the counts, kept visible
)

// Resolution reasons.
const (
	ResolvedPackageUpdated = "package-updated" // the host no longer has the package version
	ResolvedDataChanged    = "data-changed"    // the vendor data no longer makes it vulnerable
	ResolvedExcepted       = "excepted"        // an exception took it out
	ResolvedHostRemoved    = "host-removed"    // the host was deleted
)

// FindingPolicy is what the findings writer asks of CVE tags and
// exceptions (maintained elsewhere): the tags of a CVE, and whether an
// exception covers a finding of a host of site in osGroup at now.
// Generation names the policy's state: when it changes (a tag or an
// exception added, changed, removed or expired), every host's findings are
// written again at their next evaluation.
type FindingPolicy interface {
	Tags(cve string) []string
	Exception(f model.Finding, host HostSite, osGroup string, now time.Time) (excepted bool, reason string)
	Generation() string
}

// NoPolicy tags nothing and excepts nothing.
type NoPolicy struct{}

func (NoPolicy) Tags(string) []string { return nil }
func (NoPolicy) Exception(model.Finding, HostSite, string, time.Time) (bool, string) {
	return false, ""
}
func (NoPolicy) Generation() string { return "" }

// SetPolicy sets the policy the findings writer applies (NoPolicy when
// nil).
func (s *Store) SetPolicy(p FindingPolicy) {
	if p == nil {
		p = NoPolicy{}
	}
	s.policy.Store(&p)
}

// Policy returns the policy the writer applies.
func (s *Store) Policy() FindingPolicy {
	if p := s.policy.Load(); p != nil {
		return *p
	}
	return NoPolicy{}
}

// FindingFacts is what decided a finding: the verdict's facts and the date
// of the data that gave them.
type FindingFacts struct {
	FixedVersion  string
	VendorStatus  model.Status
	Severity      string
	AdvisoryID    string
	Origin        string
	DataGroup     string
	SourceName    string
	SourceVersion string
	Basis         string
	Kernel        string    // the kernel release of a kernel image's finding
	DataDate      time.Time // when the data in force was imported; zero when unknown
}

func (f FindingFacts) fields() []string {
	return []string{f.FixedVersion, string(f.VendorStatus), f.Severity, f.AdvisoryID, f.Origin, f.DataGroup,
		f.SourceName, f.SourceVersion, f.Basis, f.Kernel}
}

// Decision names the facts but the data date: a finding changes when its
// decision does.
func (f FindingFacts) Decision() string { return hashFields(f.fields()) }

func (f FindingFacts) digest() string {
	d := ""
	if !f.DataDate.IsZero() {
		d = f.DataDate.UTC().Format(time.RFC3339Nano)
	}
	return hashFields(append(f.fields(), d))
}

func hashFields(fs []string) string {
	h := sha256.New()
	for _, f := range fs {
		h.Write([]byte(f))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// TargetFinding is one finding a host should have now.
type TargetFinding struct {
	PackageID int64
	Package   model.Package // name, version, arch: for the policy
	CVE       string
	Status    string // open, unfixed or reboot-pending
	Facts     FindingFacts
	// Decision and Digest are Facts.Decision() and the facts' digest when
	// the caller computed them once for many hosts; "" computes them.
	Decision, Digest string
}

// WithDigests returns t with its facts' decision and digest computed, for
// a target shared by many hosts.
func (t TargetFinding) WithDigests() TargetFinding {
	t.Decision, t.Digest = t.Facts.Decision(), t.Facts.digest()
	return t
}

// HostTarget is what a host's findings should be.
type HostTarget struct {
	HostID   int64
	Hostname string // for host-scoped exceptions
	Site     string
	OSGroup  string
	SetID    int64  // the host's package set: a finding of a package it no longer has resolved as package-updated
	Key      string // what the target was computed from, stored as hosts.findings_key
	Findings []TargetFinding
	// Updates are the "update available" findings of the host's package
	// set (updates.go): part of the target, shared like the findings.
	Updates []UpdateFinding
	// Cause says why the host may move to another target: CauseReport
	// (its report changed), else CauseEvaluation (the data changed).
	Cause string
}

func (t TargetFinding) finding() model.Finding {
	return model.Finding{CVE: t.CVE, Package: t.Package.Name, Version: t.Package.Version, Arch: t.Package.Arch,
		SourcePackage: t.Facts.SourceName, SourceVersion: t.Facts.SourceVersion, Basis: t.Facts.Basis,
		FixedVersion: t.Facts.FixedVersion, VendorStatus: t.Facts.VendorStatus, Severity: t.Facts.Severity,
		AdvisoryID: t.Facts.AdvisoryID, Origin: t.Facts.Origin, DataGroup: t.Facts.DataGroup, Status: t.Status}
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// sortedTags returns a finding's tags column as a list.
func sortedTags(s string) []string {
	if s == "" {
		return []string{}
	}
	t := strings.Split(s, ",")
	sort.Strings(t)
	return t
}
