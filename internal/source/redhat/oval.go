package redhat

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/oval"
)

// SourceName is model.Advisory.Source of the OVAL records.
const SourceName = "redhat-oval"

// maxReasons bounds the distinct reasons kept in Stats.Unflattened.
const maxReasons = 32

// Stats counts what ParseOVAL read.
type Stats struct {
	OVAL         oval.Stats     `json:"oval"`
	Generator    string         `json:"generator"`
	Definitions  int            `json:"definitions"`
	ByClass      map[string]int `json:"by_class"`
	Records      int            `json:"records"`
	ByStatus     map[string]int `json:"by_status"`
	ByGroup      map[string]int `json:"by_group"`
	Flattened    int            `json:"flattened"`
	Deprecated   int            `json:"deprecated,omitempty"`
	NoGroup      int            `json:"no_group_branches,omitempty"` // branches whose product test names no RHEL major
	NoID         int            `json:"no_id,omitempty"`             // definitions with neither CVE nor advisory id
	Unflattened  int            `json:"unflattened,omitempty"`
	UnflatReason map[string]int `json:"unflattened_reasons,omitempty"` // reason -> definitions (first maxReasons reasons)
}

// ParseOptions tunes ParseOVAL.
type ParseOptions struct {
	// Name is the document's name; an extended-support stream in it
	// (rhel-9.2-eus) names the OS groups.
	Name string
	// TempDir holds the OVAL reader's spool.
	TempDir string
	// Unflattened, when set, receives each definition Flatten could not
	// read, for oval.Eval.
	Unflattened func(*oval.Definition, error)
}

// ParseOVAL reads a Red Hat OVAL v1 or v2 document and emits its records.
func ParseOVAL(ctx context.Context, r io.Reader, opt ParseOptions, emit func(model.Advisory) error) (Stats, error) {
	st := Stats{ByClass: map[string]int{}, ByStatus: map[string]int{}, ByGroup: map[string]int{}, UnflatReason: map[string]int{}}
	p := oval.Parser{TempDir: opt.TempDir}
	streamMajor, stream := streamOf(opt.Name)
	groups := func(b oval.Branch) []string {
		var out []string
		for _, t := range b.OS {
			if t.ReleasePackage() != "redhat-release" {
				continue
			}
			major := t.OSVersion()
			g, ok := OSGroup(major)
			if !ok {
				continue
			}
			if stream != "" && major == streamMajor {
				g = osGroupPrefix + stream
			}
			if !slices.Contains(out, g) {
				out = append(out, g)
			}
		}
		return out
	}
	err := p.Parse(ctx, r, func(d *oval.Definition) error {
		st.Definitions++
		st.ByClass[d.Class]++
		if d.Deprecated {
			st.Deprecated++
			return nil
		}
		bs, err := oval.Flatten(d)
		if err != nil {
			if !errors.Is(err, oval.ErrShape) {
				return err
			}
			st.Unflattened++
			reason := strings.TrimPrefix(err.Error(), oval.ErrShape.Error()+": ")
			if _, ok := st.UnflatReason[reason]; ok || len(st.UnflatReason) < maxReasons {
				st.UnflatReason[reason]++
			}
			if opt.Unflattened != nil {
				opt.Unflattened(d, err)
			}
			return nil
		}
		st.Flattened++
		recs, skipped := oval.Advisories(d, bs, oval.RecordOptions{Source: SourceName, Groups: groups})
		st.NoGroup += skipped
		if len(recs) == 0 && skipped == len(bs) && len(d.IDs()) == 0 && d.AdvisoryID() == "" {
			st.NoID++
		}
		for _, a := range recs {
			st.Records++
			st.ByStatus[string(a.Status)]++
			st.ByGroup[a.OSGroup]++
			if err := emit(a); err != nil {
				return err
			}
		}
		return nil
	})
	st.OVAL = p.Stats
	st.Generator = strings.TrimSpace(p.Generator.ProductName + " " + p.Generator.Timestamp)
	if len(st.UnflatReason) == 0 {
		st.UnflatReason = nil
	}
	return st, err
}
