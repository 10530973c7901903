package intake_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/pakiti-go/pakiti/internal/intake"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/store"
)

// countingEval counts AfterReport calls and fails them on demand.
type countingEval struct {
	intake.Evaluator
	after int
	fail  bool
}

func (c *countingEval) AfterReport(ctx context.Context, hostname, group string, pkgs []model.Package) error {
	c.after++
	if c.fail {
		return errors.New("evaluation broken on purpose")
	}
	return c.Evaluator.AfterReport(ctx, hostname, group, pkgs)
}

// TestSkipEvaluationSameTarget: a changed report that keeps what the
// host's findings are made from (here only its tag changed) is stored
// without an evaluation, and the host keeps its findings (DSA-5343-1:
// libssl1.1 1.1.1n-0+deb11u3 is vulnerable); a running kernel changed is
// evaluated; after a failed evaluation, the next report is evaluated even
// if it changes nothing the findings are made from.
func TestSkipEvaluationSameTarget(t *testing.T) {
	p := newPipeline(t)
	ce := &countingEval{Evaluator: p.h.Eval}
	p.h.Eval = ce
	ctx := context.Background()
	const host = "skip.example.org"
	base := kernelReport(host, "5.10.0-20-amd64")
	tagged := func(tag string) string {
		return strings.Replace(base, "site: PIPELINE\n", "site: PIPELINE\ntag: "+tag+"\n", 1)
	}
	openssl := func() int {
		t.Helper()
		fs, err := p.s.HostFindings(ctx, store.AllSites(), host, false)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, f := range fs {
			if f.Package == "libssl1.1" {
				n++
			}
		}
		return n
	}
	for _, st := range []struct {
		name      string
		body      string
		fail      bool
		evaluated int // AfterReport calls so far
	}{
		{"first report", base, false, 1},
		{"tag changed", tagged("a"), false, 1},
		{"tag changed again", tagged("b"), false, 1},
		{"running kernel changed", strings.Replace(tagged("b"), "kernel: 5.10.0-20-amd64", "kernel: 5.10.0-19-amd64", 1), false, 2},
		{"tag changed on the new kernel", strings.Replace(tagged("c"), "kernel: 5.10.0-20-amd64", "kernel: 5.10.0-19-amd64", 1), false, 2},
		{"kernel back, evaluation fails", tagged("c"), true, 3},
		{"tag changed after a failure", tagged("d"), false, 4},
		{"tag changed once more", tagged("e"), false, 4},
	} {
		ce.fail = st.fail
		if rec := p.post("?protocol=6", st.body); rec.Code != http.StatusOK || rec.Body.String() != "OK\n" {
			t.Fatalf("%s: answer %d %q", st.name, rec.Code, rec.Body.String())
		}
		if ce.after != st.evaluated {
			t.Errorf("%s: %d evaluations, want %d", st.name, ce.after, st.evaluated)
		}
		if n := openssl(); n != len(dsa5343) {
			t.Errorf("%s: %d open libssl1.1 findings, want %d (DSA-5343-1)", st.name, n, len(dsa5343))
		}
	}
}

// stateEval counts the evaluations that took the state the save handed
// over (AfterSave) and those that read it (AfterReport).
type stateEval struct {
	*countingEval
	saved int
}

func (e *stateEval) AfterSave(ctx context.Context, h store.HostState, pkgs []model.Package) error {
	e.saved++
	return e.Evaluator.(intake.StateEvaluator).AfterSave(ctx, h, pkgs)
}

// TestEvaluateHandedState: a new host's first report is evaluated from
// the state its save handed over (no read), a changed report from the
// state read; both write the host's findings (DSA-5343-1: libssl1.1
// 1.1.1n-0+deb11u3 is vulnerable).
func TestEvaluateHandedState(t *testing.T) {
	p := newPipeline(t)
	se := &stateEval{countingEval: &countingEval{Evaluator: p.h.Eval}}
	p.h.Eval = se
	ctx := context.Background()
	const host = "handed.example.org"
	for _, st := range []struct {
		name          string
		body          string
		saved, report int // AfterSave and AfterReport calls so far
	}{
		{"first report", kernelReport(host, "5.10.0-20-amd64"), 1, 0},
		{"running kernel changed", kernelReport(host, "5.10.0-19-amd64"), 1, 1},
		{"another new host on the same set", kernelReport("other-"+host, "5.10.0-19-amd64"), 2, 1},
	} {
		if rec := p.post("?protocol=6", st.body); rec.Code != http.StatusOK || rec.Body.String() != "OK\n" {
			t.Fatalf("%s: answer %d %q", st.name, rec.Code, rec.Body.String())
		}
		if se.saved != st.saved || se.after != st.report {
			t.Errorf("%s: %d evaluations from the handed state and %d read, want %d and %d", st.name, se.saved, se.after, st.saved, st.report)
		}
		fs, err := p.s.HostFindings(ctx, store.AllSites(), host, false)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, f := range fs {
			if f.Package == "libssl1.1" {
				n++
			}
		}
		if n != len(dsa5343) {
			t.Errorf("%s: %d open libssl1.1 findings, want %d (DSA-5343-1)", st.name, n, len(dsa5343))
		}
	}
}
