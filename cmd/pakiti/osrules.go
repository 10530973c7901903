package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/pakiti-go/pakiti/internal/drivers"
	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/osgroup"
	"github.com/pakiti-go/pakiti/internal/osrules"
	"github.com/pakiti-go/pakiti/internal/store"
)

// newOSRules is `pakiti os-rules`: the rules that map a host's OS to its
// OS group, in three layers (the database's, the --os-rules file's, the
// built-in ones); the database's are changed here, and a change re-maps
// and re-evaluates the stored hosts it concerns.
func newOSRules(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "os-rules",
		Short: "OS group rules (which vulnerability data a host's OS reads): list, check, add, change, move, remove",
	}
	var file, format string
	fileFlag := func(c *cobra.Command) {
		c.Flags().StringVar(&file, "os-rules", "", "the rule file pakiti serve is given (--os-rules): its rules come after the database's, before the built-in ones")
	}
	formatFlag := func(c *cobra.Command, formats string) {
		c.Flags().StringVar(&format, "format", "table", formats)
	}

	list := &cobra.Command{
		Use:   "list",
		Short: "Print the rules in force, in the order tried, with their origin (database, file, builtin)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "table" && format != "json" && format != "rules" {
				return fmt.Errorf("--format must be table, json or rules, not %q", format)
			}
			svc, _, done, err := g.osRules(cmd.Context(), file, false)
			if err != nil {
				return err
			}
			defer done()
			es, err := svc.List(cmd.Context())
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			switch format {
			case "json":
				return writeJSON(out, map[string]any{"rules": es})
			case "rules":
				rs := make([]osgroup.Rule, len(es))
				for i, e := range es {
					rs[i] = e.Rule()
				}
				return osgroup.Format(out, rs)
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ORIGIN\t#\tID\tON\tMATCH\tGROUP")
			for _, e := range es {
				id, on := "-", "system"
				if e.ID != 0 {
					id = strconv.FormatInt(e.ID, 10)
				}
				if e.OSIDRule {
					on = "os-id"
				}
				fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", e.Origin, e.Position, id, on, e.Match, e.Group)
			}
			return tw.Flush()
		},
	}
	fileFlag(list)
	formatFlag(list, "table, json, or rules (the rule file format: a start for serve --os-rules FILE)")

	var facts osgroup.Facts
	check := &cobra.Command{
		Use:   "check SYSTEM",
		Short: "Print the OS group a report's system: line (and os-release facts) maps to",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, _, done, err := g.osRules(cmd.Context(), file, false)
			if err != nil {
				return err
			}
			defer done()
			facts.System = args[0]
			v, err := svc.Check(cmd.Context(), facts)
			if err != nil {
				return err
			}
			if format == "json" {
				return writeJSON(cmd.OutOrStdout(), v)
			}
			grp := v.Group
			if grp == "" {
				grp = "(none: not evaluated)"
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), grp)
			return err
		},
	}
	fileFlag(check)
	formatFlag(check, "table (the group alone) or json (with the rule that decides)")
	check.Flags().StringVar(&facts.OSID, "os-id", "", "os-release ID (protocol 6)")
	check.Flags().StringVar(&facts.OSVersionID, "os-version-id", "", "os-release VERSION_ID (protocol 6)")

	var spec osrules.Spec
	specFlags := func(c *cobra.Command, position string) {
		c.Flags().IntVar(&spec.Position, "position", 0, position)
		c.Flags().BoolVar(&spec.OSIDRule, "os-id-rule", false, `REGEXP is tried against os-release "ID VERSION_ID" (protocol 6 hosts) instead of the system: line (as an "id:" prefix)`)
	}
	// change runs a change and prints what it did.
	change := func(cmd *cobra.Command, do func(ctx context.Context, svc *osrules.Service) (osrules.Change, error)) error {
		if format != "table" && format != "json" {
			return fmt.Errorf("--format must be table or json, not %q", format)
		}
		svc, st, done, err := g.osRules(cmd.Context(), file, true)
		if err != nil {
			return err
		}
		defer done()
		ch, err := do(cmd.Context(), svc)
		if err != nil {
			return err
		}
		if err := audit(cmd.Context(), st, "osrule."+cmd.Name(), strings.Join(cmd.Flags().Args(), " "), fmt.Sprintf("%+v", ch)); err != nil {
			return err
		}
		if format == "json" {
			return writeJSON(cmd.OutOrStdout(), ch)
		}
		return printChange(cmd.OutOrStdout(), ch)
	}
	add := &cobra.Command{
		Use:   "add REGEXP GROUP",
		Short: "Add a rule to the database's (last, or at --position N); re-maps and re-evaluates the hosts it moves",
		Long: `Add a rule to the database's rules, which are tried before the --os-rules file's and the
built-in ones. REGEXP (Go RE2 syntax) is tried against a report's system: line, or with
--os-id-rule against os-release "ID VERSION_ID"; GROUP may name its submatches as $1 or ${name}.
Every stored host whose OS now gets another group is moved to it and evaluated again.`,
		Example: `  pakiti os-rules add '^CentOS Linux release 7\.' scientific:7
  pakiti os-rules add --os-id-rule --position 1 '^debian (\d+)$' debian:$1`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return change(cmd, func(ctx context.Context, svc *osrules.Service) (osrules.Change, error) {
				sp := spec
				sp.Match, sp.Group = args[0], args[1]
				return svc.Add(ctx, sp)
			})
		},
	}
	specFlags(add, "position among the database's rules, 1 first (default: last)")
	upd := &cobra.Command{
		Use:   "change ID REGEXP GROUP",
		Short: "Change a rule of the database (and move it with --position N); re-maps and re-evaluates hosts",
		Args:  cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseRuleID(args[0])
			if err != nil {
				return err
			}
			return change(cmd, func(ctx context.Context, svc *osrules.Service) (osrules.Change, error) {
				sp := spec
				sp.Match, sp.Group = args[1], args[2]
				return svc.Update(ctx, id, sp)
			})
		},
	}
	specFlags(upd, "move it to this position, 1 first (default: it stays)")
	var to int
	move := &cobra.Command{
		Use:   "move ID --to N",
		Short: "Move a rule of the database to position N (1 is tried first); re-maps and re-evaluates hosts",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseRuleID(args[0])
			if err != nil {
				return err
			}
			if to < 1 {
				return errors.New("--to N is the new position, 1 or more")
			}
			return change(cmd, func(ctx context.Context, svc *osrules.Service) (osrules.Change, error) { return svc.Move(ctx, id, to) })
		},
	}
	move.Flags().IntVar(&to, "to", 0, "new position, 1 first (past the end: last)")
	remove := &cobra.Command{
		Use:   "remove ID",
		Short: "Remove a rule of the database; re-maps and re-evaluates hosts",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseRuleID(args[0])
			if err != nil {
				return err
			}
			return change(cmd, func(ctx context.Context, svc *osrules.Service) (osrules.Change, error) { return svc.Remove(ctx, id) })
		},
	}
	remap := &cobra.Command{
		Use:   "remap",
		Short: "Bring every stored host's OS group in line with the rules in force (after serve got another --os-rules file)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return change(cmd, func(ctx context.Context, svc *osrules.Service) (osrules.Change, error) { return svc.Remap(ctx) })
		},
	}
	for _, c := range []*cobra.Command{add, upd, move, remove, remap} {
		fileFlag(c)
		formatFlag(c, "table or json")
	}
	cmd.AddCommand(list, check, add, upd, move, remove, remap)
	return cmd
}

func parseRuleID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 1 {
		return 0, fmt.Errorf("rule id %q: a database rule's ID, as pakiti os-rules list shows it", s)
	}
	return id, nil
}

// osRules returns the rule service of the command: the database's rules
// (the store opened, with the matcher to evaluate re-mapped hosts), the
// file's, the built-in ones. A read (write false) on a SQLite file that
// does not exist lists the file's and built-in rules without creating it.
func (g *globals) osRules(ctx context.Context, file string, write bool) (*osrules.Service, *store.Store, func(), error) {
	fileRules, err := osgroup.LoadFile(file)
	if err != nil {
		return nil, nil, nil, err
	}
	log, err := g.logger()
	if err != nil {
		return nil, nil, nil, err
	}
	if !write && sqliteMissing(g.db) {
		return osrules.New(nil, fileRules, file, nil, log), nil, func() {}, nil
	}
	st, err := g.open(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	svc := osrules.New(st, fileRules, file, match.New(st, drivers.Registry(), log), log)
	return svc, st, func() { st.Close() }, nil
}

// sqliteMissing tells whether dsn names a SQLite file that does not exist.
func sqliteMissing(dsn string) bool {
	if strings.Contains(dsn, "://") {
		return false
	}
	path, _, _ := strings.Cut(strings.TrimPrefix(dsn, "sqlite:"), "?")
	_, err := os.Stat(path)
	return errors.Is(err, fs.ErrNotExist)
}

// printChange says what a change did: the rule, the hosts moved from group
// to group, how many were evaluated again.
func printChange(w io.Writer, ch osrules.Change) error {
	r := ch.Rule
	rule := r.Match + " => " + r.Group
	if r.OSIDRule {
		rule = "id:" + rule
	}
	switch ch.Action {
	case "add":
		fmt.Fprintf(w, "added rule %d at position %d: %s\n", r.ID, r.Position, rule)
	case "change":
		fmt.Fprintf(w, "changed rule %d (position %d): %s\n", r.ID, r.Position, rule)
	case "move":
		fmt.Fprintf(w, "moved rule %d to position %d: %s\n", r.ID, r.Position, rule)
	case "remove":
		fmt.Fprintf(w, "removed rule %d: %s\n", r.ID, rule)
	}
	fmt.Fprintf(w, "%d %s re-mapped, %d evaluated\n", ch.Regrouped, plural(ch.Regrouped, "host", "hosts"), ch.Evaluated)
	for _, m := range ch.Moves {
		fmt.Fprintf(w, "  %s -> %s: %d\n", groupName(m.From), groupName(m.To), m.Hosts)
	}
	return nil
}

func groupName(g string) string {
	if g == "" {
		return "(none)"
	}
	return g
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
