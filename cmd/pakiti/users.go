package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os/user"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/pakiti-go/pakiti/internal/auth"
	"github.com/pakiti-go/pakiti/internal/store"
)

// The users commands manage who may log in and what they see. Whoever
// runs them holds the database: they act as an admin, recorded in the
// audit log as cli:OSUSER.

func newUsers(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "users", Short: "Users, their roles (admin, csirt, viewer), grants and API tokens"}
	cmd.AddCommand(newUsersAdd(g), newUsersSet(g), newUsersGrant(g, true), newUsersGrant(g, false), newUsersToken(g),
		newUsersTokens(g), newUsersList(g), newUsersRemove(g), newUsersDisable(g, true), newUsersDisable(g, false), newUsersImport(g))
	return cmd
}

// cliActor names the CLI's user in the audit log.
func cliActor() string {
	if u, err := user.Current(); err == nil {
		return "cli:" + u.Username
	}
	return "cli"
}

// audit records an admin action of the CLI.
func audit(ctx context.Context, st *store.Store, action, target, detail string) error {
	if err := st.Audit(ctx, store.AuditEntry{Actor: cliActor(), Action: action, Target: target, Detail: detail}); err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	return nil
}

// readPassword reads a password from the first line of r.
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func newUsersAdd(g *globals) *cobra.Command {
	var role, dn string
	var grants []string
	var pwStdin bool
	cmd := &cobra.Command{
		Use:   "add NAME [--role admin|csirt|viewer] [--grant SITE_OR_NGI]... [--password-stdin] [--dn DN]",
		Short: "Add a user: a viewer sees the sites and groups (NGIs, federations) granted to it",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			hash := ""
			if pwStdin {
				pw, err := readPassword(cmd.InOrStdin())
				if err != nil {
					return err
				}
				if hash, err = auth.HashPassword(pw); err != nil {
					return err
				}
			}
			st, err := g.open(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			// The grants' targets exist before the user is added.
			for _, gr := range grants {
				if !knownTarget(ctx, st, gr) {
					return fmt.Errorf("--grant %s: no site or group has that name (pakiti sites add, pakiti sites group)", gr)
				}
			}
			if err := st.AddUser(ctx, store.User{Name: args[0], Role: role, DN: dn}, hash); err != nil {
				return err
			}
			for _, gr := range grants {
				if err := st.Grant(ctx, args[0], gr, store.OriginLocal); err != nil {
					return err
				}
			}
			detail := "role=" + role
			if len(grants) > 0 {
				detail += " grants=" + strings.Join(grants, ",")
			}
			if err := audit(ctx, st, "user.add", args[0], detail); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "added user %s (%s)\n", args[0], role)
			return nil
		},
	}
	cmd.Flags().StringVar(&role, "role", store.RoleViewer, "admin (sees and changes everything), csirt (sees everything) or viewer (sees its grants)")
	cmd.Flags().StringArrayVar(&grants, "grant", nil, "a site or group (NGI, federation) the user sees; repeat for several")
	cmd.Flags().BoolVar(&pwStdin, "password-stdin", false, "read the user's password (for the login page) from the first line of standard input")
	cmd.Flags().StringVar(&dn, "dn", "", "the user's certificate DN, as the proxy's header or the TLS client certificate gives it (--auth header)")
	return cmd
}

// knownTarget tells whether name is a site or a group.
func knownTarget(ctx context.Context, st *store.Store, name string) bool {
	sites, err := st.SiteList(ctx, store.AllSites())
	if err != nil {
		return false
	}
	for _, s := range sites {
		if s.Name == name {
			return true
		}
	}
	groups, err := st.Groups(ctx)
	if err != nil {
		return false
	}
	for _, gr := range groups {
		if gr.Name == name {
			return true
		}
	}
	return false
}

func newUsersSet(g *globals) *cobra.Command {
	var role, dn string
	var pwStdin bool
	cmd := &cobra.Command{
		Use:   "set NAME [--role R] [--dn DN] [--password-stdin]",
		Short: "Change a user's role, certificate DN or password (a new password ends its sessions)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var hash, dnp *string
			var changed []string
			if pwStdin {
				pw, err := readPassword(cmd.InOrStdin())
				if err != nil {
					return err
				}
				h, err := auth.HashPassword(pw)
				if err != nil {
					return err
				}
				hash = &h
				changed = append(changed, "password")
			}
			if cmd.Flags().Changed("dn") {
				dnp = &dn
				changed = append(changed, "dn="+dn)
			}
			if role != "" {
				changed = append(changed, "role="+role)
			}
			if len(changed) == 0 {
				return errors.New("nothing to change: give --role, --dn or --password-stdin")
			}
			st, err := g.open(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			if err := st.SetUser(ctx, args[0], role, dnp, hash); err != nil {
				return err
			}
			return audit(ctx, st, "user.set", args[0], strings.Join(changed, " "))
		},
	}
	cmd.Flags().StringVar(&role, "role", "", "admin, csirt or viewer")
	cmd.Flags().StringVar(&dn, "dn", "", "certificate DN (empty: none)")
	cmd.Flags().BoolVar(&pwStdin, "password-stdin", false, "read the new password from the first line of standard input")
	return cmd
}

func newUsersGrant(g *globals, grant bool) *cobra.Command {
	use, short := "grant NAME SITE_OR_GROUP...", "Let a user see sites or groups (NGIs, federations)"
	if !grant {
		use, short = "revoke NAME SITE_OR_GROUP...", "Take grants away from a user"
	}
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := g.open(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			for _, target := range args[1:] {
				action := "grant.add"
				if grant {
					err = st.Grant(ctx, args[0], target, store.OriginLocal)
				} else {
					action = "grant.revoke"
					err = st.Revoke(ctx, args[0], target)
				}
				if err != nil {
					return err
				}
				if err := audit(ctx, st, action, args[0], target); err != nil {
					return err
				}
			}
			return nil
		},
	}
}

func newUsersToken(g *globals) *cobra.Command {
	var expires string
	var revoke int64
	cmd := &cobra.Command{
		Use:   "token NAME [--expires 90d] | token NAME --revoke ID",
		Short: "Make an API token for a user (printed once, alone on the last line), or revoke one",
		Long: `Makes a new API token for a user and prints it once, alone on the last
line: scripts send it as "Authorization: Bearer TOKEN". Only its hash is
kept: a lost token is revoked (--revoke ID, ids in pakiti users tokens NAME)
and replaced.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := g.open(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			if revoke > 0 {
				if err := st.RevokeAPIToken(ctx, args[0], revoke); err != nil {
					return err
				}
				return audit(ctx, st, "token.revoke", args[0], strconv.FormatInt(revoke, 10))
			}
			var exp time.Time
			if expires != "" && expires != "0" {
				d, err := parseDays(expires)
				if err != nil {
					return fmt.Errorf("--expires: %w", err)
				}
				exp = time.Now().Add(d)
			}
			tok, hash := auth.NewToken(auth.APITokenPrefix)
			id, err := st.AddAPIToken(ctx, args[0], hash, exp)
			if err != nil {
				return err
			}
			detail := "id=" + strconv.FormatInt(id, 10)
			if !exp.IsZero() {
				detail += " expires=" + exp.UTC().Format(time.RFC3339)
			}
			if err := audit(ctx, st, "token.add", args[0], detail); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "API token %d of %s (%s); it is shown only now:\n", id, args[0], expiry(exp))
			fmt.Fprintln(out, tok)
			return nil
		},
	}
	cmd.Flags().StringVar(&expires, "expires", "", "the token expires after this long (90d, 720h; default never)")
	cmd.Flags().Int64Var(&revoke, "revoke", 0, "revoke the user's token of this id instead")
	return cmd
}

func expiry(t time.Time) string {
	if t.IsZero() {
		return "no expiry"
	}
	return "expires " + t.UTC().Format("2006-01-02 15:04 UTC")
}

// parseDays reads 90d or a Go duration.
func parseDays(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days <= 0 {
			return 0, fmt.Errorf("%q: want days (90d) or a duration (720h)", s)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q: want days (90d) or a duration (720h)", s)
	}
	return d, nil
}

func newUsersTokens(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "tokens [NAME]",
		Short: "List API tokens (ids, dates; never the tokens)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := g.openExisting(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			name := ""
			if len(args) == 1 {
				name = args[0]
			}
			toks, err := st.APITokens(cmd.Context(), name)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tUSER\tCREATED\tEXPIRES\tREVOKED")
			for _, t := range toks {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", t.ID, t.User, t.CreatedAt.UTC().Format(time.DateTime), timeOr(t.ExpiresAt, "never"), timeOr(t.RevokedAt, ""))
			}
			return tw.Flush()
		},
	}
}

func timeOr(t *time.Time, none string) string {
	if t == nil {
		return none
	}
	return t.UTC().Format(time.DateTime)
}

func newUsersList(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "list [--format table|json]",
		Short: "List users with their roles and grants",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := g.openExisting(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			users, err := st.Users(cmd.Context())
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if format == "json" {
				if users == nil {
					users = []store.User{}
				}
				return writeJSON(out, users)
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "USER\tROLE\tPASSWORD\tORIGIN\tGRANTS\tDN")
			for _, u := range users {
				pw := "no"
				if u.HasPassword {
					pw = "yes"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", u.Name, u.Role, pw, u.Origin, strings.Join(u.Grants, ","), u.DN)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "table or json")
	return cmd
}

func newUsersRemove(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "remove NAME...",
		Short: "Remove users with their grants, tokens and sessions",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := g.open(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			for _, name := range args {
				if err := st.RemoveUser(ctx, name); err != nil {
					return err
				}
				if err := audit(ctx, st, "user.remove", name, ""); err != nil {
					return err
				}
			}
			return nil
		},
	}
}
