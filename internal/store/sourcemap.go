package store

import (
	"context"
	"fmt"

	"github.com/pakiti-go/pakiti/internal/model"
)

// basisBinaryName is the basis of an evaluation whose source package is
// the binary's own name for want of a binary -> source map
// (match.BasisBinaryName).
const basisBinaryName = "binary-name"

// hostDataState sets h's data state. A host whose report names binaries
// only (protocol 5) in a group matched by source package
// (CoverageConfig.NeedsSourceMap) is evaluated exactly only when each of
// its binaries was mapped to its source: by a Packages index of its
// release, or by what protocol-6 reports of the group taught. When the
// group has no index and packages were matched by their binary name, its
// complete state is partial (coverage.go unmapped, for every view of the
// group); a protocol-5 host among them is told how many of its own
// packages were: libssl1.1 looked up as "libssl1.1" misses openssl's
// records.
func (s *Store) hostDataState(ctx context.Context, cs *coverageSnapshot, h *model.Host) error {
	h.DataState, h.DataReason, h.DataSources = s.coverage.dataState(cs, h.OSGroup, h.Evaluated)
	if h.DataState != model.DataPartial || h.DataReason != nameMatchedReason(h.OSGroup) || h.Protocol >= 6 {
		return nil // the group's state; a protocol-6 host of a group with unmapped packages stays partial as the group's views say
	}
	n, err := s.unmappedPackages(ctx, h.Hostname)
	if err != nil || n == 0 {
		return err
	}
	h.DataReason = fmt.Sprintf("no binary -> source map for %s: %d of the %d packages of this protocol-5 report were matched by their binary name (import the release's Packages indexes (Debian, Ubuntu), or let a protocol-6 host of %s report)",
		h.OSGroup, n, h.Packages, h.OSGroup)
	return nil
}

// unmappedPackages counts the packages of a host's set evaluated, in its
// OS group, by their binary name.
func (s *Store) unmappedPackages(ctx context.Context, hostname string) (int, error) {
	var n int
	err := s.readRow(ctx, `SELECT COUNT(*) FROM hosts h
		JOIN package_set_members m ON m.set_id = h.package_set_id
		JOIN evaluated e ON e.os_group = h.os_group AND e.package_id = m.package_id
		WHERE h.hostname = $1 AND e.basis = $2`, hostname, basisBinaryName).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("packages matched by binary name: %w", err)
	}
	return n, nil
}

// UnmappedNames returns which of names (binaries a report or index just
// mapped to their source) have evaluations in osGroup keyed by their own
// name for want of a map: the packages to evaluate again now that the
// map names their source (Invalidate, by AdvisoryKey).
func (s *Store) UnmappedNames(ctx context.Context, osGroup string, names []string) ([]string, error) {
	var out []string
	for len(names) > 0 {
		n := min(len(names), 500)
		err := s.eachRow(ctx, `SELECT DISTINCT source_name FROM evaluated WHERE os_group = $1 AND basis = $2 AND `+
			s.engine.inList("source_name", 3), []any{osGroup, basisBinaryName, s.engine.stringList(names[:n])},
			func(scan func(...any) error) error {
				var name string
				err := scan(&name)
				out = append(out, name)
				return err
			})
		if err != nil {
			return nil, fmt.Errorf("binaries matched by name: %w", err)
		}
		names = names[n:]
	}
	return out, nil
}
