package store

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/pakiti-go/pakiti/internal/model"
)

// PolicySnapshot is the CVE tags and exceptions as loaded at one moment,
// held in maps so that deciding a finding costs no query: what the
// findings writer asks of every finding it writes (the shape of the
// engine's FindingPolicy).
type PolicySnapshot struct {
	tags       map[string][]string            // CVE -> its enabled tags, sorted
	exceptions map[cvePackage][]Exception     // (CVE, package) -> exceptions, by id
	all        map[string]map[string]struct{} // tag -> its CVEs, for filters
	loadedAt   time.Time
	gen        string // Generation (livepolicy.go)
}

type cvePackage struct{ cve, pkg string }

// LoadPolicy reads every enabled tag and every exception (expired ones
// too: whether an exception applies depends on the time asked about).
func (s *Store) LoadPolicy(ctx context.Context, now time.Time) (*PolicySnapshot, error) {
	tags, err := s.Tags(ctx, TagFilter{EnabledOnly: true})
	if err != nil {
		return nil, err
	}
	es, err := s.Exceptions(ctx, ExceptionFilter{})
	if err != nil {
		return nil, err
	}
	return NewPolicySnapshot(tags, es, now), nil
}

// NewPolicySnapshot builds a snapshot from tags (disabled ones are left
// out) and exceptions.
func NewPolicySnapshot(tags []CVETag, es []Exception, loadedAt time.Time) *PolicySnapshot {
	p := &PolicySnapshot{tags: map[string][]string{}, exceptions: map[cvePackage][]Exception{},
		all: map[string]map[string]struct{}{}, loadedAt: loadedAt}
	for _, t := range tags {
		if !t.Enabled {
			continue
		}
		p.tags[t.CVE] = append(p.tags[t.CVE], t.Tag)
		if p.all[t.Tag] == nil {
			p.all[t.Tag] = map[string]struct{}{}
		}
		p.all[t.Tag][t.CVE] = struct{}{}
	}
	for cve := range p.tags {
		sort.Strings(p.tags[cve])
	}
	for _, e := range es {
		k := cvePackage{e.CVE, e.Package}
		p.exceptions[k] = append(p.exceptions[k], e)
	}
	for k := range p.exceptions {
		sort.Slice(p.exceptions[k], func(i, j int) bool { return p.exceptions[k][i].ID < p.exceptions[k][j].ID })
	}
	p.gen = p.generation(loadedAt)
	return p
}

// Tags returns the enabled tags of a CVE, sorted; nil when it has none.
// The slice is shared: do not change it.
func (p *PolicySnapshot) Tags(cve string) []string { return p.tags[cve] }

// HasTag tells whether cve carries tag (any enabled tag for AnyTag; every
// CVE for "").
func (p *PolicySnapshot) HasTag(cve, tag string) bool {
	switch tag {
	case "":
		return true
	case AnyTag:
		return len(p.tags[cve]) > 0
	}
	_, ok := p.all[tag][cve]
	return ok
}

// Exception tells whether an exception covers finding f of host hs (its
// name and site) in OS group osGroup at now and, when one does, describes
// it (the one with the lowest id, when several do).
func (p *PolicySnapshot) Exception(f model.Finding, hs HostSite, osGroup string, now time.Time) (bool, string) {
	for _, e := range p.exceptions[cvePackage{f.CVE, f.Package}] {
		if e.Applies(f, hs, osGroup, now) {
			return true, e.Describe()
		}
	}
	return false, ""
}

// anyException tells whether an exception names the CVE and package of
// one of fs (applying or not).
func (p *PolicySnapshot) anyException(fs []model.Finding) bool {
	if len(p.exceptions) == 0 {
		return false
	}
	for _, f := range fs {
		if len(p.exceptions[cvePackage{f.CVE, f.Package}]) > 0 {
			return true
		}
	}
	return false
}

// LoadedAt is when the snapshot was read.
func (p *PolicySnapshot) LoadedAt() time.Time { return p.loadedAt }

// PolicyFor loads the enabled tags and the exceptions of the given CVEs
// only: what answering one host's findings needs (a /feed/ answer), in
// two queries whatever the number of tags defined.
func (s *Store) PolicyFor(ctx context.Context, cves []string, now time.Time) (*PolicySnapshot, error) {
	if len(cves) == 0 {
		return NewPolicySnapshot(nil, nil, now), nil
	}
	list := s.engine.stringList(cves)
	rows, err := s.r.QueryContext(ctx, `SELECT cve, tag, reason, info_url, enabled, author, modified_at FROM cve_tags
		WHERE enabled AND `+s.engine.inList("cve", 1), list)
	if err != nil {
		return nil, fmt.Errorf("tags of CVEs: %w", err)
	}
	var tags []CVETag
	for rows.Next() {
		var t CVETag
		if err := rows.Scan(&t.CVE, &t.Tag, &t.Reason, &t.InfoURL, &t.Enabled, &t.Author, &t.ModifiedAt); err != nil {
			rows.Close()
			return nil, err
		}
		tags = append(tags, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("tags of CVEs: %w", err)
	}
	rows, err = s.r.QueryContext(ctx, `SELECT `+exceptionColumns+` FROM cve_exceptions WHERE `+s.engine.inList("cve", 1), list)
	if err != nil {
		return nil, fmt.Errorf("exceptions of CVEs: %w", err)
	}
	defer rows.Close()
	var es []Exception
	for rows.Next() {
		e, err := scanException(rows)
		if err != nil {
			return nil, err
		}
		es = append(es, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("exceptions of CVEs: %w", err)
	}
	return NewPolicySnapshot(tags, es, now), nil
}
