package osrules

import (
	"context"
	"fmt"
	"sort"

	"github.com/pakiti-go/pakiti/internal/osgroup"
	"github.com/pakiti-go/pakiti/internal/store"
)

// Change is what a change to the rules did.
type Change struct {
	Action string `json:"action"` // add, change, move, remove
	Rule   Entry  `json:"rule"`   // as it is now (remove: as it was)
	// Regrouped counts the hosts whose group the change moved, Moves says
	// from which group to which.
	Regrouped int    `json:"regrouped"`
	Moves     []Move `json:"moves"`
	// Evaluated counts the hosts evaluated again (Regrouped, unless the
	// service has no evaluator).
	Evaluated int `json:"evaluated"`
}

// Move counts the hosts a change moved from one group to another ("":
// no group, not evaluated).
type Move struct {
	From  string `json:"from"`
	To    string `json:"to"`
	Hosts int    `json:"hosts"`
}

// Add stores a new rule at sp.Position (0: after the database's last) and
// re-maps the hosts.
func (s *Service) Add(ctx context.Context, sp Spec) (Change, error) {
	sp, err := sp.check()
	if err != nil {
		return Change{}, err
	}
	r, err := s.Store.AddOSRule(ctx, store.OSRule{Position: sp.Position, Pattern: sp.Match, OSID: sp.OSIDRule, Group: sp.Group}, s.Now())
	if err != nil {
		return Change{}, err
	}
	return s.remap(ctx, "add", entryOf(r))
}

// Update changes rule id to sp (and moves it when sp.Position is set) and
// re-maps the hosts.
func (s *Service) Update(ctx context.Context, id int64, sp Spec) (Change, error) {
	sp, err := sp.check()
	if err != nil {
		return Change{}, err
	}
	_, r, err := s.Store.UpdateOSRule(ctx, id, sp.Match, sp.OSIDRule, sp.Group, s.Now())
	if err != nil {
		return Change{}, err
	}
	if sp.Position > 0 && sp.Position != r.Position {
		if _, r, err = s.Store.MoveOSRule(ctx, id, sp.Position, s.Now()); err != nil {
			return Change{}, err
		}
	}
	return s.remap(ctx, "change", entryOf(r))
}

// Move moves rule id to position to and re-maps the hosts.
func (s *Service) Move(ctx context.Context, id int64, to int) (Change, error) {
	if to < 1 {
		return Change{}, fmt.Errorf("%w: %w", ErrInvalid, store.ErrBadPosition)
	}
	_, r, err := s.Store.MoveOSRule(ctx, id, to, s.Now())
	if err != nil {
		return Change{}, err
	}
	return s.remap(ctx, "move", entryOf(r))
}

// Remove deletes rule id and re-maps the hosts.
func (s *Service) Remove(ctx context.Context, id int64) (Change, error) {
	r, err := s.Store.RemoveOSRule(ctx, id)
	if err != nil {
		return Change{}, err
	}
	return s.remap(ctx, "remove", entryOf(r))
}

// Remap brings every stored host's group in line with the rules in force
// and evaluates the hosts it moved. Changes call it; it also repairs the
// groups after a restart with another --os-rules file.
func (s *Service) Remap(ctx context.Context) (Change, error) {
	return s.remap(ctx, "remap", Entry{})
}

// remap re-reads the rules, tries them once per distinct OS of the stored
// hosts, moves the hosts whose group differs and evaluates them. A host
// reporting at the same moment through a server that has not yet seen the
// change may keep its old group until its next report (Rules: CheckEvery).
func (s *Service) remap(ctx context.Context, action string, rule Entry) (Change, error) {
	ch := Change{Action: action, Rule: rule, Moves: []Move{}}
	sn, err := s.current(ctx, true)
	if err != nil {
		return ch, fmt.Errorf("the rule is %sed, but re-reading the rules failed (hosts not re-mapped; pakiti os-rules remap retries): %w", action, err)
	}
	facts, err := s.Store.HostOSFacts(ctx, store.AllSites())
	if err != nil {
		return ch, err
	}
	moves := map[[2]string]int{}
	var names []string
	for _, f := range facts {
		g := sn.rules.Group(osgroup.Facts{System: f.OS, OSID: f.OSID, OSVersionID: f.OSVersionID})
		if g == f.OSGroup {
			continue
		}
		moved, err := s.Store.RegroupHosts(ctx, store.AllSites(), f, g)
		if err != nil {
			return ch, err
		}
		moves[[2]string{f.OSGroup, g}] += len(moved)
		names = append(names, moved...)
	}
	for k, n := range moves {
		if n > 0 {
			ch.Moves = append(ch.Moves, Move{From: k[0], To: k[1], Hosts: n})
		}
	}
	sort.Slice(ch.Moves, func(i, j int) bool {
		a, b := ch.Moves[i], ch.Moves[j]
		if a.From != b.From {
			return a.From < b.From
		}
		return a.To < b.To
	})
	ch.Regrouped = len(names)
	if s.Eval != nil && len(names) > 0 {
		sort.Strings(names)
		if ch.Evaluated, err = s.Eval.EvaluateHosts(ctx, names); err != nil {
			return ch, fmt.Errorf("evaluate the %d re-mapped hosts: %w", len(names), err)
		}
	}
	s.Log.Info("OS group rules changed", "action", action, "rule", rule.ID, "match", rule.Match, "group", rule.Group,
		"version", sn.version, "hosts_regrouped", ch.Regrouped, "hosts_evaluated", ch.Evaluated)
	return ch, nil
}
