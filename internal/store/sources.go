package store

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/pakiti-go/pakiti/internal/model"
)

// SourceStatus is what the database holds of one source.
type SourceStatus struct {
	Source       string    `json:"source"`
	Records      int       `json:"records"`
	OSGroups     []string  `json:"os_groups"`
	LoadedAt     time.Time `json:"loaded_at"`    // the import in force
	CheckedAt    time.Time `json:"checked_at"`   // the latest import run, changed or not
	Locations    []string  `json:"locations"`    // every location whose records are in force (of all parts)
	Fingerprint  string    `json:"fingerprint"`  // of the import in force
	DurationMS   int64     `json:"duration_ms"`  // of the import in force
	ChangedKeys  int       `json:"changed_keys"` // packages whose records changed in that import
	SourceHealth           // coverage.go: parts, complete groups, freshness, last error
}

// Sources lists the sources with records in force, by name.
func (s *Store) Sources(ctx context.Context) ([]SourceStatus, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT c.source, i.records, i.started_at, i.locations, i.fingerprint,
			i.duration_ms, i.changed_keys
		FROM source_current c JOIN source_imports i ON i.id = c.import_id ORDER BY c.source`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []SourceStatus{}
	for rows.Next() {
		var st SourceStatus
		var locs string
		if err := rows.Scan(&st.Source, &st.Records, &st.LoadedAt, &locs, &st.Fingerprint,
			&st.DurationMS, &st.ChangedKeys); err != nil {
			return nil, err
		}
		st.Locations = strings.Split(locs, "\n")
		st.LoadedAt = st.LoadedAt.UTC()
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		err := s.r.QueryRowContext(ctx, `SELECT started_at FROM source_imports WHERE source = $1
			ORDER BY id DESC LIMIT 1`, out[i].Source).Scan(&out[i].CheckedAt)
		if err != nil {
			return nil, err
		}
		out[i].CheckedAt = out[i].CheckedAt.UTC()
		groups, err := s.r.QueryContext(ctx, `SELECT os_group FROM os_group_data WHERE source = $1 ORDER BY os_group`, out[i].Source)
		if err != nil {
			return nil, err
		}
		for groups.Next() {
			var g string
			groups.Scan(&g)
			out[i].OSGroups = append(out[i].OSGroups, g)
		}
		groups.Close()
		slices.SortFunc(out[i].OSGroups, model.CompareOSGroups) // debian:3.0 before debian:10
	}
	return s.addSourceHealth(ctx, out)
}
