package store

import (
	"context"
	"fmt"
	"sync"
)

// targetCVE is one distinct (CVE, status, data group, vendor severity) of
// a target's findings that are not excepted: what the vulnerabilities
// listing and the tag exposure need of it.
type targetCVE struct {
	cve, status, dataGroup, severity string
}

// targetCVEs keeps each target's targetCVE rows by target id. A target
// is never changed once committed (content-addressed, targets.go) and its
// id never reused, so a kept entry is exact for as long as it is kept;
// a target deleted by the GC is simply not asked for again. Bounded by
// rows: reset when full. The strings of one read are interned (a CVE
// recurs in many targets).
type targetCVEs struct {
	mu   sync.Mutex
	byID map[int64][]targetCVE
	rows int
}

// maxTargetCVERows bounds the rows kept (about 80 bytes each).
const maxTargetCVERows = 2_000_000

// targetCVEsOf returns the targetCVE rows of each of ids, reading the
// targets not kept yet in one statement.
func (s *Store) targetCVEsOf(ctx context.Context, ids []int64) (map[int64][]targetCVE, error) {
	c := &s.vulnTargets
	out := make(map[int64][]targetCVE, len(ids))
	var missing []int64
	c.mu.Lock()
	for _, id := range ids {
		if rs, ok := c.byID[id]; ok {
			out[id] = rs
		} else {
			missing = append(missing, id)
		}
	}
	c.mu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	read := map[int64][]targetCVE{}
	intern := map[string]string{}
	in := func(v string) string {
		if x, ok := intern[v]; ok {
			return x
		}
		intern[v] = v
		return v
	}
	err := s.eachRow(ctx, `SELECT DISTINCT f.target_id, f.cve, f.status, COALESCE(ff.data_group, ''), COALESCE(ff.severity, '')
		FROM target_findings f LEFT JOIN finding_facts ff ON ff.id = f.facts_id
		WHERE `+s.engine.inList("f.target_id", 1)+` AND f.status <> '`+StatusExcepted+`'`,
		[]any{s.engine.intList(missing)}, func(scan func(...any) error) error {
			var id int64
			var r targetCVE
			if err := scan(&id, &r.cve, &r.status, &r.dataGroup, &r.severity); err != nil {
				return err
			}
			r = targetCVE{in(r.cve), in(r.status), in(r.dataGroup), in(r.severity)}
			read[id] = append(read[id], r)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("targets' cves: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range missing {
		rs := read[id]
		if rs == nil {
			rs = []targetCVE{} // a target with no finding: kept as known
		}
		out[id] = rs
		if c.byID == nil || c.rows+len(rs) > maxTargetCVERows {
			c.byID, c.rows = map[int64][]targetCVE{}, 0
		}
		c.byID[id] = rs
		c.rows += len(rs)
	}
	return out, nil
}

// WarmTargetCVEs reads the CVEs of the targets the hosts are on that are
// not kept yet (the first view of /cves after a start, or after an
// evaluation moved hosts onto new targets, would read them) and returns
// how many it read. When all are kept it costs one read of the cells.
func (s *Store) WarmTargetCVEs(ctx context.Context) (int, error) {
	var targets []int64
	seen := map[int64]bool{}
	err := s.eachCell(ctx, nil, func(c fleetCell, _ string, removed bool) {
		if !removed && c.target != 0 && !seen[c.target] {
			seen[c.target] = true
			targets = append(targets, c.target)
		}
	})
	if err != nil {
		return 0, fmt.Errorf("warm targets' cves: %w", err)
	}
	c := &s.vulnTargets
	c.mu.Lock()
	missing := 0
	for _, id := range targets {
		if _, ok := c.byID[id]; !ok {
			missing++
		}
	}
	c.mu.Unlock()
	if missing == 0 {
		return 0, nil
	}
	if _, err := s.targetCVEsOf(ctx, targets); err != nil {
		return 0, err
	}
	return missing, nil
}
