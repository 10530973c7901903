package oracle

import (
	"context"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/oval"
)

// SourceName is model.Advisory.Source of the ELSA records.
const SourceName = "oracle-oval"

const maxReasons = 32

// Stats counts what ParseOVAL read.
type Stats struct {
	OVAL         oval.Stats     `json:"oval"`
	Generator    string         `json:"generator"`
	Definitions  int            `json:"definitions"`
	Records      int            `json:"records"`
	ByStatus     map[string]int `json:"by_status"`
	ByGroup      map[string]int `json:"by_group"`
	Flattened    int            `json:"flattened"`
	Ksplice      int            `json:"ksplice_criteria,omitempty"` // "X is ksplice-based" criteria dropped
	NoGroup      int            `json:"no_group_branches,omitempty"`
	Unflattened  int            `json:"unflattened,omitempty"`
	UnflatReason map[string]int `json:"unflattened_reasons,omitempty"`
}

// OSGroup returns the group of Oracle Linux major ("8" -> "oracle:8");
// majors outside 5..10 are refused.
func OSGroup(major string) (string, bool) {
	n, err := strconv.Atoi(major)
	if err != nil || n < 5 || n > 10 || strconv.Itoa(n) != major {
		return "", false
	}
	return "oracle:" + major, true
}

// ParseOVAL reads an ELSA OVAL document and emits its records; tempDir
// holds the OVAL reader's spool.
func ParseOVAL(ctx context.Context, r io.Reader, tempDir string, emit func(model.Advisory) error) (Stats, error) {
	st := Stats{ByStatus: map[string]int{}, ByGroup: map[string]int{}, UnflatReason: map[string]int{}}
	p := oval.Parser{TempDir: tempDir}
	groups := func(b oval.Branch) []string {
		var out []string
		for _, t := range b.OS {
			if !strings.EqualFold(t.ReleasePackage(), "oraclelinux-release") && !strings.EqualFold(t.ReleasePackage(), "enterprise-release") {
				continue
			}
			if g, ok := OSGroup(t.OSVersion()); ok && !slices.Contains(out, g) {
				out = append(out, g)
			}
		}
		return out
	}
	err := p.Parse(ctx, r, func(d *oval.Definition) error {
		st.Definitions++
		st.Ksplice += dropKsplice(d.Criteria)
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
			return nil
		}
		st.Flattened++
		recs, skipped := oval.Advisories(d, bs, oval.RecordOptions{Source: SourceName, Groups: groups})
		st.NoGroup += skipped
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

// isKsplice tells Oracle's "PACKAGE is ksplice-based" test: an rpminfo
// test whose only state entity is release pattern match "ksplice".
func isKsplice(t *oval.Test) bool {
	if t == nil || t.Type != "rpminfo_test" || len(t.States) != 1 || len(t.States[0].Fields) != 1 {
		return false
	}
	f := t.States[0].Fields[0]
	return f.Name == "release" && f.Operation == "pattern match" && strings.Contains(f.Value, "ksplice")
}

// dropKsplice removes the "is ksplice-based" criteria from the
// conjunctions that hold them (the branch's fixed version says .ksplice;
// the driver keeps Ksplice and plain builds apart) and returns how many
// it removed. A criteria node left without children is not touched.
func dropKsplice(n *oval.Node) int {
	if n == nil {
		return 0
	}
	c := 0
	if op := n.Operator; (op == "" || op == oval.OpAND) && !n.Negate {
		kept := n.Children[:0:0]
		for _, ch := range n.Children {
			if ch.TestRef != "" && !ch.Negate && isKsplice(ch.Test) {
				c++
				continue
			}
			kept = append(kept, ch)
		}
		if len(kept) > 0 {
			n.Children = kept
		} else {
			c = 0
		}
	}
	for _, ch := range n.Children {
		c += dropKsplice(ch)
	}
	return c
}
