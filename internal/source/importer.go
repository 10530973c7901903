package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
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

// Import loads source name from locations (its default locations when
// none: a Planner's plan for the fleet, else Locations). Package indexes
// load one by one, each only when it changed; the other documents replace
// the parts of the source's data they fill (Coverer), the other parts
// stay and Result.Parts says what is in force; when every document is
// unchanged since the last import and force is false, only the check is
// recorded. A failed import is recorded (store.RecordImportError) until
// one succeeds.
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
		if locations, err = im.defaults(ctx, src); err != nil {
			return res, err
		}
	}
	if len(locations) == 0 {
		return res, fmt.Errorf("source %s has no default location: name the files or URLs to import", name)
	}
	var expanded []string
	for _, l := range locations {
		if rs, ok := src.(Resolver); ok {
			ls, ok, err := rs.Resolve(ctx, l)
			if err != nil {
				return res, err
			}
			if ok {
				expanded = append(expanded, ls...)
				continue
			}
		}
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
	prevIdx, err := im.Store.SourceIndexes(ctx, name)
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
	var notModified []string // advisory documents answered 304: fetched again below if anything else changed
	var indexLocs []store.Location
	var indexGroups []string
	advisoryLocs := 0
	for _, loc := range expanded {
		p := prev[loc]
		_, wasIndex := prevIdx[loc]
		var cond Previous
		if !force {
			cond = Previous{Fingerprint: p.Fingerprint, ETag: p.ETag, Modified: p.Modified}
		}
		f, err := im.Fetcher.Fetch(ctx, loc, cond)
		if errors.Is(err, ErrNotModified) && p.Fingerprint != "" {
			im.Log.Info("import fetch", "source", name, "location", loc, "result", "not modified")
			if wasIndex {
				indexLocs = append(indexLocs, p)
				continue
			}
			advisoryLocs++
			notModified = append(notModified, loc)
			continue
		}
		if errors.Is(err, ErrNotFound) && optional(src, loc) {
			im.Log.Warn("import location missing", "source", name, "location", loc)
			continue
		}
		if err != nil {
			return res, fmt.Errorf("fetch %s: %w", loc, err)
		}
		same := f.Fingerprint == p.Fingerprint
		im.Log.Info("import fetch", "source", name, "location", loc, "fingerprint", f.Fingerprint[:12], "unchanged", same)
		if wasIndex && same && !force {
			f.Close()
			indexLocs = append(indexLocs, p)
			continue
		}
		group, isIndex, err := im.indexGroup(src, f)
		if err != nil {
			f.Close()
			return res, err
		}
		if isIndex {
			n, err := im.loadIndex(ctx, src, f, group)
			f.Close()
			if err != nil {
				return res, err
			}
			res.Records += n
			indexGroups = append(indexGroups, group)
			indexLocs = append(indexLocs, store.Location{Location: f.Location, Fingerprint: f.Fingerprint, ETag: f.ETag, Modified: f.Modified})
			continue
		}
		advisoryLocs++
		docs = append(docs, f)
		unchanged = unchanged && same
	}
	if advisoryLocs != len(prev)-countIndexes(prev, prevIdx) {
		unchanged = false // an advisory location added or dropped changes the import
	}
	run.Locations = append(run.Locations, indexLocs...)
	if advisoryLocs == 0 || (unchanged && !force) {
		for _, loc := range notModified {
			run.Locations = append(run.Locations, prev[loc])
		}
		for _, d := range docs {
			run.Locations = append(run.Locations, store.Location{Location: d.Location, Fingerprint: d.Fingerprint, ETag: d.ETag, Modified: d.Modified})
		}
		res.Unchanged = len(indexGroups) == 0
		if err := im.Store.RecordUnchanged(ctx, run); err != nil {
			return res, err
		}
		if err := im.afterIndex(ctx, &res, indexGroups); err != nil {
			return res, err
		}
		res.Duration = time.Since(start)
		im.Log.Info("import unchanged", "source", name, "indexes_loaded", len(indexGroups), "duration", res.Duration.Round(time.Millisecond))
		return res, nil
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

	if cl, ok := src.(Cataloguer); ok {
		return im.loadCatalogue(ctx, cl, run, docs, res, start)
	}
	prog := newProgress(im.Progress, "importing "+name)
	var named BinaryNames
	tc, trees := src.(TreeCoverer)
	ir, err := im.Store.ImportParts(ctx, run, func(pl *store.PartLoader) error {
		var tt treeTally
		for _, d := range docs {
			rc, err := d.Open()
			if err != nil {
				return err
			}
			t := time.Now()
			n := 0
			tl := newTally(d.Name, d.Location, d.Group)
			err = src.Parse(ctx, Document{Name: d.Name, Body: tl.reader(rc), Group: d.Group, Binaries: named.Add}, func(a model.Advisory) error {
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
			if trees {
				tt.add(cov.Part, tl)
			}
		}
		if !trees {
			return nil
		}
		// What the documents of a part cover together (a tracker's
		// directory): filed as an empty document of that part, whose
		// complete groups join the part's.
		return tt.complete(tc, func(part string, groups []string) error {
			im.Log.Info("import part complete", "source", name, "part", part, "complete", strings.Join(groups, " "))
			return pl.EndDocument(store.Part{Name: part, Complete: groups})
		})
	})
	prog.done()
	if err != nil {
		return res, err
	}
	// The binaries the documents named join their groups' maps before
	// anything is re-evaluated; those groups are re-evaluated whole
	// (afterIndex), as after a package index.
	namedGroups, err := named.Store(ctx, im.Store)
	if err != nil {
		return res, err
	}
	indexGroups = append(indexGroups, namedGroups...)
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
	if err := im.afterIndex(ctx, &res, indexGroups); err != nil {
		return res, err
	}
	res.Duration = time.Since(start)
	return res, nil
}

// countIndexes counts the previous locations that were package indexes.
func countIndexes(prev map[string]store.Location, idx map[string]store.SourceIndex) int {
	n := 0
	for loc := range prev {
		if _, ok := idx[loc]; ok {
			n++
		}
	}
	return n
}

// optional tells whether src may go without loc when its server has none.
func optional(src Source, loc string) bool {
	o, ok := src.(Optionaler)
	return ok && o.Optional(loc)
}

// defaults are a source's default locations: a Planner's plan for the
// fleet (what it cannot read is logged), else Locations.
func (im *Importer) defaults(ctx context.Context, src Source) ([]string, error) {
	p, ok := src.(Planner)
	if !ok {
		return src.Locations(), nil
	}
	locs, missing, err := p.Plan(ctx, im.Store)
	if err != nil {
		return nil, err
	}
	for _, m := range missing {
		im.Log.Warn("import location missing", "source", src.Name(), "location", m)
	}
	return locs, nil
}

// afterIndex re-evaluates the OS groups that got a package index.
func (im *Importer) afterIndex(ctx context.Context, res *Result, groups []string) error {
	if im.Eval == nil || len(groups) == 0 {
		return nil
	}
	slices.Sort(groups)
	n, err := im.Eval.AfterIndex(ctx, slices.Compact(groups))
	if err != nil {
		return fmt.Errorf("re-evaluate: %w", err)
	}
	res.Hosts += n
	return nil
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

// loadIndex stores a package index's binary -> source map in batches and
// records the index; a security suite's index (IndexSuiter) also becomes
// the binaries that suite offers (store.ReplaceSecurityUpdates).
func (im *Importer) loadIndex(ctx context.Context, src Source, d *Fetched, group string) (int, error) {
	bi := src.(BinaryIndexer)
	suite := ""
	if is, ok := src.(IndexSuiter); ok {
		suite = is.IndexSuite(d.Location)
	}
	rc, err := d.Open()
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	t := time.Now()
	var batch []store.BinarySource
	var ups []store.SecurityUpdate
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
		if suite == "security" {
			ups = append(ups, store.SecurityUpdate{Name: b.Name, Arch: b.Arch, Version: b.Version,
				SourceName: b.SourceName, SourceVersion: b.SourceVersion})
		}
		if len(batch) >= 5000 {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err == nil && suite == "security" {
		err = im.Store.ReplaceSecurityUpdates(ctx, d.Location, group, ups)
	}
	if err == nil {
		err = im.Store.RecordIndex(ctx, src.Name(), store.SourceIndex{Location: d.Location, OSGroup: group, Suite: suite,
			Binaries: n, LoadedAt: im.Now().UTC()},
			store.Location{Location: d.Location, Fingerprint: d.Fingerprint, ETag: d.ETag, Modified: d.Modified})
	}
	if err != nil {
		return n, fmt.Errorf("%s: %w", d.Location, err)
	}
	im.Log.Info("import index", "source", src.Name(), "location", d.Location, "os_group", group, "suite", suite,
		"binaries", n, "duration", time.Since(t).Round(time.Millisecond))
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

// loadCatalogue hands a Cataloguer's one document to it: the set it holds
// replaces the one in force whole, and nothing is re-evaluated (a
// catalogue names no package: no verdict depends on it).
func (im *Importer) loadCatalogue(ctx context.Context, cl Cataloguer, run store.ImportRun, docs []*Fetched, res Result, start time.Time) (Result, error) {
	if len(docs) != 1 {
		return res, fmt.Errorf("source %s reads one document, not %d", res.Source, len(docs))
	}
	d := docs[0]
	rc, err := d.Open()
	if err != nil {
		return res, err
	}
	defer rc.Close()
	ir, err := cl.Load(ctx, im.Store, run, Document{Name: d.Name, Body: rc, Group: d.Group})
	if err != nil {
		return res, fmt.Errorf("%s: %w", d.Location, err)
	}
	res.Records = ir.Records
	res.Duration = time.Since(start)
	im.Log.Info("import loaded", "source", res.Source, "records", ir.Records, "duration", res.Duration.Round(time.Millisecond))
	return res, nil
}
