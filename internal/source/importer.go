package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/store"
)

// Reevaluator re-evaluates what an import changed; *match.Matcher is one.
type Reevaluator interface {
	AfterImport(ctx context.Context, changed []store.AdvisoryKey) (int, error)
	AfterIndex(ctx context.Context, groups []string) (int, error)
}

// Importer runs imports: fetch, parse, load, switch, re-evaluate.
type Importer struct {
	Store    *store.Store
	Sources  *Registry
	Fetcher  *Fetcher
	Eval     Reevaluator // nil: no re-evaluation
	Log      *slog.Logger
	Progress io.Writer // a terminal to draw a progress line on, or nil
	Now      func() time.Time
}

// Result is what one import did.
type Result struct {
	Source    string
	Unchanged bool
	Records   int
	Changed   int // packages (per OS group) whose records changed
	Hosts     int // hosts re-evaluated
	Duration  time.Duration
	// Parts are the source's parts in force after the import: which
	// locations each was read from and what it covers completely.
	Parts []store.Part
}

// Import loads source name from locations (its default URLs when none).
// When every location is unchanged since the last import and force is
// false, it only records the check. The documents read replace the parts
// of the source's data they fill (Coverer); the other parts stay, and
// Result.Parts says what is in force. A failed import is recorded
// (store.RecordImportError) until one succeeds.
func (im *Importer) Import(ctx context.Context, name string, locations []string, force bool) (Result, error) {
	res, err := im.importSource(ctx, name, locations, force)
	if _, known := im.Sources.byName[name]; !known {
		return res, err
	}
	if err != nil {
		if rerr := im.Store.RecordImportError(context.WithoutCancel(ctx), name, im.Now(), err.Error()); rerr != nil {
			im.Log.Error("import error not recorded", "source", name, "error", rerr)
		}
		return res, err
	}
	if err := im.Store.ClearImportError(ctx, name); err != nil {
		return res, err
	}
	parts, err := im.Store.SourceParts(ctx, name)
	res.Parts = parts[name]
	return res, err
}

func (im *Importer) importSource(ctx context.Context, name string, locations []string, force bool) (Result, error) {
	start := time.Now()
	res := Result{Source: name}
	src, err := im.Sources.Get(name)
	if err != nil {
		return res, err
	}
	if len(locations) == 0 {
		locations = src.Locations()
	}
	if len(locations) == 0 {
		return res, fmt.Errorf("source %s has no default location: name the files or URLs to import", name)
	}
	var expanded []string
	for _, l := range locations {
		ls, err := Expand(l)
		if err != nil {
			return res, err
		}
		expanded = append(expanded, ls...)
	}
	prev, err := im.Store.Locations(ctx, name)
	if err != nil {
		return res, err
	}
	run := store.ImportRun{Source: name, StartedAt: im.Now().UTC()}
	var docs []*Fetched
	defer func() {
		for _, d := range docs {
			d.Close()
		}
	}()
	unchanged := true
	var notModified []string // answered 304: fetched again below if anything else changed
	for _, loc := range expanded {
		p := prev[loc]
		var cond Previous
		if !force {
			cond = Previous{Fingerprint: p.Fingerprint, ETag: p.ETag, Modified: p.Modified}
		}
		f, err := im.Fetcher.Fetch(ctx, loc, cond)
		if errors.Is(err, ErrNotModified) && p.Fingerprint != "" {
			im.Log.Info("import fetch", "source", name, "location", loc, "result", "not modified")
			notModified = append(notModified, loc)
			continue
		}
		if err != nil {
			return res, fmt.Errorf("fetch %s: %w", loc, err)
		}
		docs = append(docs, f)
		same := f.Fingerprint == p.Fingerprint
		unchanged = unchanged && same
		im.Log.Info("import fetch", "source", name, "location", loc, "fingerprint", f.Fingerprint[:12], "unchanged", same)
	}
	if len(prev) != len(expanded) {
		unchanged = false // a location added or dropped changes the import
	}
	if unchanged && !force {
		for _, loc := range notModified {
			run.Locations = append(run.Locations, prev[loc])
		}
		for _, d := range docs {
			run.Locations = append(run.Locations, store.Location{Location: d.Location, Fingerprint: d.Fingerprint, ETag: d.ETag, Modified: d.Modified})
		}
		res.Unchanged, res.Duration = true, time.Since(start)
		im.Log.Info("import unchanged", "source", name, "duration", res.Duration.Round(time.Millisecond))
		return res, im.Store.RecordUnchanged(ctx, run)
	}
	// Something changed: the import replaces all of the source's records,
	// so the locations that answered "not modified" are needed too.
	for _, loc := range notModified {
		f, err := im.Fetcher.Fetch(ctx, loc, Previous{})
		if err != nil {
			return res, fmt.Errorf("fetch %s: %w", loc, err)
		}
		docs = append(docs, f)
	}
	for _, d := range docs {
		run.Locations = append(run.Locations, store.Location{Location: d.Location, Fingerprint: d.Fingerprint, ETag: d.ETag, Modified: d.Modified})
	}

	// Package indexes (binary -> source maps) load first; the rest are
	// advisory documents, which together replace the source's records.
	var advisoryDocs []*Fetched
	var indexGroups []string
	for _, d := range docs {
		group, isIndex, err := im.indexGroup(src, d)
		if err != nil {
			return res, err
		}
		if !isIndex {
			advisoryDocs = append(advisoryDocs, d)
			continue
		}
		n, err := im.loadIndex(ctx, src.(BinaryIndexer), d, group)
		if err != nil {
			return res, err
		}
		res.Records += n
		indexGroups = append(indexGroups, group)
		im.Log.Info("import index", "source", name, "location", d.Location, "os_group", group, "binaries", n)
	}
	if len(advisoryDocs) > 0 {
		prog := newProgress(im.Progress, "importing "+name)
		ir, err := im.Store.ImportParts(ctx, run, func(pl *store.PartLoader) error {
			for _, d := range advisoryDocs {
				rc, err := d.Open()
				if err != nil {
					return err
				}
				t := time.Now()
				n := 0
				tl := newTally(d.Name, d.Location, d.Group)
				err = src.Parse(ctx, Document{Name: d.Name, Body: tl.reader(rc), Group: d.Group}, func(a model.Advisory) error {
					n++
					prog.add(1)
					tl.record(a)
					return pl.Add(a)
				})
				rc.Close()
				if err != nil {
					return fmt.Errorf("%s: %w", d.Location, err)
				}
				p := tl.parsed()
				cov := coverageOf(src, p)
				if err := pl.EndDocument(store.Part{Name: cov.Part, Locations: []string{d.Location}, Complete: cov.Complete, Newest: p.Newest}); err != nil {
					return err
				}
				im.Log.Info("import parse", "source", name, "location", d.Location, "records", n, "part", cov.Part,
					"complete", strings.Join(cov.Complete, " "), "duration", time.Since(t).Round(time.Millisecond))
			}
			return nil
		})
		prog.done()
		if err != nil {
			return res, err
		}
		res.Records, res.Changed = res.Records+ir.Records, len(ir.Changed)
		im.Log.Info("import loaded", "source", name, "records", ir.Records, "changed_packages", len(ir.Changed),
			"duration", ir.Duration.Round(time.Millisecond))
		if im.Eval != nil && len(ir.Changed) > 0 {
			t := time.Now()
			if res.Hosts, err = im.Eval.AfterImport(ctx, ir.Changed); err != nil {
				return res, fmt.Errorf("re-evaluate: %w", err)
			}
			im.Log.Info("import re-evaluated", "source", name, "hosts", res.Hosts, "duration", time.Since(t).Round(time.Millisecond))
		}
	} else if err := im.Store.RecordUnchanged(ctx, run); err != nil { // locations only
		return res, err
	}
	if im.Eval != nil && len(indexGroups) > 0 {
		n, err := im.Eval.AfterIndex(ctx, indexGroups)
		if err != nil {
			return res, fmt.Errorf("re-evaluate: %w", err)
		}
		res.Hosts += n
	}
	res.Duration = time.Since(start)
	return res, nil
}

// indexGroup tells whether a fetched document is a package index.
func (im *Importer) indexGroup(src Source, d *Fetched) (string, bool, error) {
	bi, ok := src.(BinaryIndexer)
	if !ok {
		return "", false, nil
	}
	rc, err := d.Open()
	if err != nil {
		return "", false, err
	}
	defer rc.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(rc, head)
	return bi.BinaryIndexGroup(d.Location, head[:n])
}

// loadIndex stores a package index's binary -> source map in batches.
func (im *Importer) loadIndex(ctx context.Context, bi BinaryIndexer, d *Fetched, group string) (int, error) {
	rc, err := d.Open()
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	var batch []store.BinarySource
	n := 0
	flush := func() error {
		err := im.Store.LearnBinarySources(ctx, group, batch)
		batch = batch[:0]
		return err
	}
	err = bi.ParseBinaries(ctx, Document{Name: d.Name, Body: rc}, func(b Binary) error {
		n++
		batch = append(batch, store.BinarySource{Name: b.Name, Version: b.Version, SourceName: b.SourceName,
			SourceVersion: b.SourceVersion, Origin: "packages-index"})
		if len(batch) >= 5000 {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return n, fmt.Errorf("%s: %w", d.Location, err)
	}
	return n, nil
}

// progress draws "\rimporting debian: 123456 records (4.2 s)" on a terminal.
type progress struct {
	w     io.Writer
	label string
	n     int
	start time.Time
	last  time.Time
}

func newProgress(w io.Writer, label string) *progress {
	return &progress{w: w, label: label, start: time.Now()}
}

func (p *progress) add(n int) {
	p.n += n
	if p.w == nil || time.Since(p.last) < 200*time.Millisecond {
		return
	}
	p.last = time.Now()
	fmt.Fprintf(p.w, "\r%s: %d records (%.1f s)", p.label, p.n, time.Since(p.start).Seconds())
}

func (p *progress) done() {
	if p.w != nil {
		fmt.Fprintf(p.w, "\r%s: %d records (%.1f s)\n", p.label, p.n, time.Since(p.start).Seconds())
	}
}
