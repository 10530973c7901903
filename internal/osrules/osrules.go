// Package osrules keeps the OS group rules in force and lets admins change
// them while servers run. Three layers are tried in order: the rules
// stored in the database (editable: pakiti os-rules add|change|move|remove,
// the API), then the rules of the --os-rules file, then the built-in ones
// (internal/osgroup). A change to the database's rules re-maps every stored
// host whose OS facts now give another group, and has the matcher evaluate
// those hosts again. Servers sharing a database see each other's changes:
// each reads the rule table's version counter (one primary-key read, at
// most every CheckEvery) and re-reads the rules when it moved.
package osrules

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pakiti-go/pakiti/internal/osgroup"
	"github.com/pakiti-go/pakiti/internal/store"
)

// Origin names the layer a rule comes from.
type Origin string

// The layers, in the order they are tried.
const (
	Database Origin = "database"
	File     Origin = "file"
	Builtin  Origin = "builtin"
)

// Entry is one rule in force, with where it comes from.
type Entry struct {
	ID       int64  `json:"id,omitempty"` // database rules: the id to change, move or remove it by
	Origin   Origin `json:"origin"`
	Position int    `json:"position"` // within its layer, 1 is tried first
	// Match is the regular expression, tried against the report's
	// system: line or, for an OS ID rule, os-release "ID VERSION_ID".
	Match     string     `json:"match"`
	OSIDRule  bool       `json:"os_id_rule"`
	Group     string     `json:"group"` // template: $1, ${name}
	CreatedAt *time.Time `json:"created_at,omitempty"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
}

// Rule is the rule in the osgroup form ("id:" prefix for OS ID rules).
func (e Entry) Rule() osgroup.Rule {
	m := e.Match
	if e.OSIDRule {
		m = "id:" + m
	}
	return osgroup.Rule{Match: m, Group: e.Group}
}

// Evaluator evaluates hosts again after their group changed;
// *match.Matcher is one.
type Evaluator interface {
	EvaluateHosts(ctx context.Context, names []string) (int, error)
}

// DefaultCheckEvery is how often, at most, a server reads the rule table's
// version to see another server's change.
const DefaultCheckEvery = 2 * time.Second

// Service is the rules of one server (or one CLI run).
type Service struct {
	Store *store.Store // nil: no database rules (pakiti os-rules list before any database exists)
	// File are the rules of the --os-rules file (nil: none), FileName its
	// path, for listings.
	File     osgroup.Rules
	FileName string
	// Eval evaluates the hosts a change moved (nil: they are re-mapped,
	// and evaluated at their next report).
	Eval Evaluator
	Log  *slog.Logger
	Now  func() time.Time
	// CheckEvery is how often, at most, Rules reads the version (0: at
	// every call).
	CheckEvery time.Duration

	mu   sync.Mutex // one reload at a time
	snap atomic.Pointer[snapshot]
}

// snapshot is the rules as read at one version.
type snapshot struct {
	version int64
	db      []Entry
	rules   osgroup.Rules // db, then File, then Builtin
	checked time.Time     // when the version was last read
}

// New returns a Service with the real clock and DefaultCheckEvery.
func New(st *store.Store, file osgroup.Rules, fileName string, eval Evaluator, log *slog.Logger) *Service {
	return &Service{Store: st, File: file, FileName: fileName, Eval: eval, Log: log, Now: time.Now, CheckEvery: DefaultCheckEvery}
}

// versionTimeout bounds the version read of Rules, which has no context of
// its own (the intake asks for the rules of every report).
const versionTimeout = 2 * time.Second

// Rules returns the rules in force: the database's, the file's, the
// built-in ones. It reads the rule table's version at most every
// CheckEvery and the rules when the version moved; when the database does
// not answer, it keeps the rules it has (logged). It satisfies the
// intake's RuleSource.
func (s *Service) Rules() osgroup.Rules {
	ctx, cancel := context.WithTimeout(context.Background(), versionTimeout)
	defer cancel()
	snap, err := s.current(ctx, false)
	if err != nil {
		s.Log.Error("OS group rules: keeping the rules in force", "error", err)
	}
	return snap.rules
}

// current returns the snapshot, re-read when its version moved (or when
// force is set); on an error it returns the last snapshot (or the file's
// and built-in rules) with the error.
func (s *Service) current(ctx context.Context, force bool) (*snapshot, error) {
	now := s.Now()
	if sn := s.snap.Load(); sn != nil && !force && s.CheckEvery > 0 && now.Sub(sn.checked) < s.CheckEvery {
		return sn, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sn := s.snap.Load()
	if sn != nil && !force && s.CheckEvery > 0 && now.Sub(sn.checked) < s.CheckEvery {
		return sn, nil // another caller checked meanwhile
	}
	fallback := sn
	if fallback == nil {
		fallback = &snapshot{version: -1, rules: s.layered(nil)}
	}
	if s.Store == nil {
		return fallback, nil // no database: the file's and built-in rules
	}
	v, err := s.Store.OSRulesVersion(ctx)
	if err != nil {
		return fallback, err
	}
	if sn != nil && v == sn.version && !force {
		next := *sn
		next.checked = now
		s.snap.Store(&next)
		return &next, nil
	}
	stored, v, err := s.Store.OSRules(ctx)
	if err != nil {
		return fallback, err
	}
	next := &snapshot{version: v, checked: now}
	var compiled osgroup.Rules
	for _, r := range stored {
		e := entryOf(r)
		c, err := osgroup.CompileRule(e.Rule())
		if err != nil {
			// Written by hand or by another version: skipped, not fatal.
			s.Log.Error("OS group rule of the database skipped", "id", r.ID, "error", err)
			continue
		}
		next.db = append(next.db, e)
		compiled = append(compiled, c)
	}
	next.rules = s.layered(compiled)
	switch {
	case sn == nil:
		s.Log.Debug("OS group rules read", "version", v, "database_rules", len(next.db), "rules", len(next.rules))
	case sn.version != v:
		s.Log.Info("OS group rules changed: read again", "version", v, "database_rules", len(next.db), "rules", len(next.rules))
	}
	s.snap.Store(next)
	return next, nil
}

// layered puts db, the file's and the built-in rules in one list.
func (s *Service) layered(db osgroup.Rules) osgroup.Rules {
	out := make(osgroup.Rules, 0, len(db)+len(s.File)+len(osgroup.Builtin))
	out = append(out, db...)
	out = append(out, s.File...)
	return append(out, osgroup.Builtin...)
}

func entryOf(r store.OSRule) Entry {
	c, u := r.CreatedAt, r.UpdatedAt
	return Entry{ID: r.ID, Origin: Database, Position: r.Position, Match: r.Pattern, OSIDRule: r.OSID, Group: r.Group,
		CreatedAt: &c, UpdatedAt: &u}
}

// List returns every rule in force, as freshly read: the database's, the
// file's, the built-in ones.
func (s *Service) List(ctx context.Context) ([]Entry, error) {
	sn, err := s.current(ctx, true)
	if err != nil {
		return nil, err
	}
	out := append([]Entry(nil), sn.db...)
	for _, l := range []struct {
		origin Origin
		rules  osgroup.Rules
	}{{File, s.File}, {Builtin, osgroup.Builtin}} {
		for i, r := range l.rules {
			out = append(out, Entry{Origin: l.origin, Position: i + 1, Match: strings.TrimPrefix(r.Match, "id:"), OSIDRule: r.OnID(), Group: r.Group})
		}
	}
	return out, nil
}

// Verdict is the group a host with given facts gets, and the rule that
// decides it (nil: none, the host is not evaluated).
type Verdict struct {
	Facts osgroup.Facts `json:"facts"`
	Group string        `json:"group"`
	Rule  *Entry        `json:"rule"`
}

// Check says which group facts get, and by which rule, with the rules in
// force as freshly read.
func (s *Service) Check(ctx context.Context, f osgroup.Facts) (Verdict, error) {
	es, err := s.List(ctx)
	if err != nil {
		return Verdict{}, err
	}
	rs := make([]osgroup.Rule, len(es))
	for i, e := range es {
		rs[i] = e.Rule()
	}
	compiled, err := osgroup.Compile(rs)
	if err != nil {
		return Verdict{}, err
	}
	v := Verdict{Facts: f}
	g, i := compiled.Match(f)
	if i >= 0 {
		v.Group, v.Rule = g, &es[i]
	}
	return v, nil
}

// ErrInvalid wraps the reason a rule is refused (a regular expression
// that does not compile, a group naming a missing submatch).
var ErrInvalid = errors.New("invalid OS group rule")

// Spec is a rule as an admin writes it.
type Spec struct {
	Match    string `json:"match"`
	OSIDRule bool   `json:"os_id_rule"`
	Group    string `json:"group"`
	// Position in the database's rules, 1 first; 0: last (add) or
	// unchanged (change).
	Position int `json:"position"`
}

// check normalises and checks a spec: a Match starting with "id:" is an
// OS ID rule, as in a rule file.
func (sp Spec) check() (Spec, error) {
	sp.Match, sp.Group = strings.TrimSpace(sp.Match), strings.TrimSpace(sp.Group)
	if m, ok := strings.CutPrefix(sp.Match, "id:"); ok {
		sp.Match, sp.OSIDRule = m, true
	}
	switch {
	case sp.Match == "":
		return sp, fmt.Errorf("%w: an empty regular expression would match every host", ErrInvalid)
	case sp.Group == "":
		return sp, fmt.Errorf("%w: no group", ErrInvalid)
	case sp.Position < 0:
		return sp, fmt.Errorf("%w: %w", ErrInvalid, store.ErrBadPosition)
	case strings.ContainsAny(sp.Match+sp.Group, "\n\r"):
		return sp, fmt.Errorf("%w: a rule is one line", ErrInvalid)
	}
	if _, err := osgroup.CompileRule(Entry{Match: sp.Match, OSIDRule: sp.OSIDRule, Group: sp.Group}.Rule()); err != nil {
		return sp, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return sp, nil
}
