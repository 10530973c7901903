package match

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/version"
)

// setTarget is what the findings of every host on one package set in one
// OS group should be, before the host's running kernel picks its kernel
// findings: computed once per (group, set), however many hosts share it.
type setTarget struct {
	group     string
	setID     int64
	evaluated bool // the group has data; false: the hosts are not evaluated
	digest    string
	rows      []store.SetVerdict
	findings  []store.TargetFinding // one per row, digests computed; status open or unfixed
	images    []kernelImage         // the kernel images installed in the set
	scheme    version.Scheme
	dates     map[string]time.Time
	// byKernel holds the findings of the set's hosts by running kernel:
	// shared by them, never changed; under mu (a kept target serves
	// concurrent reports: reuse.go).
	mu       sync.Mutex
	byKernel map[string][]store.TargetFinding
	// updates are the set's "update available" findings (updates.go),
	// shared by its hosts' targets.
	updates []store.UpdateFinding
	// The driver's host rules (hostrules.go); facts nil when it has none.
	driver      Driver
	facts       []string
	findingRule FindingRule
	recordRule  RecordRule
	redecided   []redecided
}

// kernelImage is an installed kernel image: its release (uname -r) and
// the key it meets the records under.
type kernelImage struct {
	release, name, version string
}

// target evaluates a set in group (when the group has data) and returns
// its target.
func (m *Matcher) target(ctx context.Context, d Driver, has bool, group string, setID int64, dates map[string]time.Time, memo *verdictMemo) (*setTarget, error) {
	t := &setTarget{group: group, setID: setID, evaluated: has, dates: dates, digest: "no-data"}
	if err := m.setUpdates(ctx, d, t); err != nil {
		return nil, err
	}
	if !has {
		if len(t.updates) > 0 {
			t.digest = "no-data|" + updatesDigest(t.updates)
		}
		return t, nil
	}
	t.scheme = d.Scheme()
	evaluated, err := m.evaluateSet(ctx, d, group, setID)
	if err != nil {
		return nil, err
	}
	rows, findings, err := m.setRows(ctx, t, memo, evaluated)
	if err != nil {
		return nil, err
	}
	t.rows = rows
	h := sha256.New()
	var kernelNames []string
	seen := map[string]bool{}
	for _, r := range rows {
		fmt.Fprintf(h, "%d\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s\n", r.PackageID, r.CVE, r.Status,
			r.FixedVersion, r.Severity, r.AdvisoryID, r.Origin, r.Kernel, r.DataGroup, r.Key.SourceName, r.Key.SourceVersion, r.Key.Basis)
		if r.Kernel != "" && !seen[r.Key.SourceName] {
			seen[r.Key.SourceName] = true
			kernelNames = append(kernelNames, r.Key.SourceName)
		}
	}
	if len(kernelNames) > 0 {
		pkgs, err := m.Store.SetPackagesKeyed(ctx, group, setID, kernelNames)
		if err != nil {
			return nil, err
		}
		for _, p := range pkgs {
			k := Key{Name: p.Key.SourceName, Version: p.Key.SourceVersion, Basis: p.Key.Basis, Arch: p.Package.Arch}
			if class, release := d.Kernel(p.Package, k); class == KernelImage {
				t.images = append(t.images, kernelImage{release: release, name: k.Name, version: k.Version})
				fmt.Fprintf(h, "image\x00%s\x00%s\x00%s\n", release, k.Name, k.Version)
			}
		}
	}
	// Only a set with updates hashes them: the others keep the digests
	// they had before updates were part of targets.
	for _, u := range t.updates {
		fmt.Fprintf(h, "update\x00%s\x00%s\x00%s\x00%s\x00%s\n", u.Package, u.Arch, u.Installed, u.Available, u.Source)
	}
	t.digest = hex.EncodeToString(h.Sum(nil)[:16])
	t.findings = findings
	if err := m.prepareRules(ctx, d, t); err != nil {
		return nil, err
	}
	return t, nil
}

// verdictMemo keeps, within one batch of a refresh (match.go), each
// package's verdicts in a group and the findings they give, so that sets
// differing from one already read by a few packages read only those
// packages' verdicts: a package's verdicts never change until an
// invalidation deletes them (and queues every set holding it). Reset at
// each batch written, so verdicts are as fresh as when they were read set
// by set; nil: read each set whole (SetVerdicts).
type verdictMemo struct {
	group string
	byPkg map[int64]memoEntry
}

type memoEntry struct {
	rows     []store.SetVerdict
	findings []store.TargetFinding
}

// reset empties the memo for group.
func (v *verdictMemo) reset(group string) {
	if v != nil {
		v.group, v.byPkg = group, map[int64]memoEntry{}
	}
}

// setRows returns the verdicts of t's set, by package id and CVE as
// store.SetVerdicts gives them, and their findings; fresh are the packages
// evaluated just now (read again).
func (m *Matcher) setRows(ctx context.Context, t *setTarget, memo *verdictMemo, fresh []int64) ([]store.SetVerdict, []store.TargetFinding, error) {
	if memo == nil {
		rows, err := m.Store.SetVerdicts(ctx, t.group, t.setID)
		if err != nil {
			return nil, nil, err
		}
		fs := make([]store.TargetFinding, len(rows))
		for i, r := range rows {
			fs[i] = t.finding(r)
		}
		return rows, fs, nil
	}
	if memo.group != t.group || memo.byPkg == nil || len(memo.byPkg) > 500000 {
		memo.reset(t.group)
	}
	for _, id := range fresh {
		delete(memo.byPkg, id)
	}
	ids, err := m.Store.SetPackageIDs(ctx, t.setID)
	if err != nil {
		return nil, nil, err
	}
	var missing []int64
	for _, id := range ids {
		if _, ok := memo.byPkg[id]; !ok {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		got, err := m.Store.PackageVerdicts(ctx, t.group, missing)
		if err != nil {
			return nil, nil, err
		}
		for _, id := range missing {
			memo.byPkg[id] = memoEntry{}
		}
		for _, r := range got {
			e := memo.byPkg[r.PackageID]
			e.rows = append(e.rows, r)
			e.findings = append(e.findings, t.finding(r))
			memo.byPkg[r.PackageID] = e
		}
	}
	var rows []store.SetVerdict
	var fs []store.TargetFinding
	for _, id := range ids {
		e := memo.byPkg[id]
		rows = append(rows, e.rows...)
		fs = append(fs, e.findings...)
	}
	return rows, fs, nil
}

// finding is the finding a verdict of the set gives, digests computed;
// status open or unfixed.
func (t *setTarget) finding(r store.SetVerdict) store.TargetFinding {
	status := store.StatusUnfixed
	if r.Status == model.StatusFixed {
		status = store.StatusOpen
	}
	dg := r.DataGroup
	if dg == "" {
		dg = t.group
	}
	return store.TargetFinding{PackageID: r.PackageID, Package: r.Package, CVE: r.CVE,
		Status: status, Facts: store.FindingFacts{FixedVersion: r.FixedVersion, VendorStatus: r.Status,
			Severity: r.Severity, AdvisoryID: r.AdvisoryID, Origin: r.Origin, DataGroup: r.DataGroup,
			SourceName: r.Key.SourceName, SourceVersion: r.Key.SourceVersion, Basis: r.Key.Basis,
			Kernel: r.Kernel, DataDate: t.dates[dg]}}.WithDigests()
}

// forHost returns the findings host h should have: the set's verdicts,
// kernel images' only for the running kernel; a running kernel's finding
// whose fix is in another installed kernel image is reboot-pending; the
// driver's host rules then read the host's facts (hostrules.go).
func (t *setTarget) forHost(h store.HostState) store.HostTarget {
	ht := store.HostTarget{HostID: h.ID, Hostname: h.Hostname, Site: h.Site, OSGroup: h.OSGroup, SetID: h.SetID,
		Key: t.digest + "|" + h.Kernel, Updates: t.updates}
	cache := h.Kernel
	if fd := t.factsDigest(h); fd != "" {
		ht.Key += "|" + fd
		cache += "|" + fd
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if fs, ok := t.byKernel[cache]; ok {
		ht.Findings = fs
		return ht
	}
	for i, r := range t.rows {
		if r.Kernel != "" && r.Kernel != h.Kernel {
			continue
		}
		f := t.findings[i]
		if r.Kernel != "" && f.Status == store.StatusOpen && t.fixedKernelInstalled(r, h.Kernel) {
			f.Status = store.StatusRebootPending
		}
		ht.Findings = append(ht.Findings, f)
	}
	ht.Findings = t.applyRules(h, ht.Findings)
	if t.byKernel == nil {
		t.byKernel = map[string][]store.TargetFinding{}
	}
	t.byKernel[cache] = ht.Findings
	return ht
}

// fixedKernelInstalled tells whether a kernel image other than the running
// one, of the same key, is at or past the fix of r.
func (t *setTarget) fixedKernelInstalled(r store.SetVerdict, running string) bool {
	for _, img := range t.images {
		if img.release != running && img.name == r.Key.SourceName && t.scheme.Compare(img.version, r.FixedVersion) >= 0 {
			return true
		}
	}
	return false
}
