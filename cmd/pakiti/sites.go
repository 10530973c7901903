package main

import (
	"fmt"
	"net/netip"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/pakiti-go/pakiti/internal/auth"
	"github.com/pakiti-go/pakiti/internal/store"
)

func newSites(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "sites", Short: "Sites and their groups (NGIs, federations), report tokens and networks"}
	cmd.AddCommand(newSitesAdd(g), newSitesGroup(g), newSitesList(g), newSitesToken(g), newSitesMoveHost(g), newSitesImportGOCDB(g), newSitesCert(g), newSitesStats(g), newSitesInfo(g))
	return cmd
}

func newSitesAdd(g *globals) *cobra.Command {
	var parent string
	var networks []string
	cmd := &cobra.Command{
		Use:   "add NAME [--parent NGI] [--network CIDR]...",
		Short: "Add a site (or change one): its group (an NGI, created if new) and the networks its reports may come from",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var nets []string
			if cmd.Flags().Changed("network") {
				nets = []string{}
				for _, n := range networks {
					for f := range strings.FieldsFuncSeq(n, func(r rune) bool { return r == ',' || r == ' ' }) {
						p, err := netip.ParsePrefix(f)
						if err != nil {
							if a, aerr := netip.ParseAddr(f); aerr == nil {
								p = netip.PrefixFrom(a, a.BitLen())
							} else {
								return fmt.Errorf("--network %q: want a CIDR such as 192.0.2.0/24 or 2001:db8::/32", f)
							}
						}
						nets = append(nets, p.Masked().String())
					}
				}
			}
			ctx := cmd.Context()
			st, err := g.open(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			if err := st.AddSite(ctx, args[0], parent, nets); err != nil {
				return err
			}
			detail := "parent=" + parent
			if nets != nil {
				detail += " networks=" + strings.Join(nets, ",")
			}
			return audit(ctx, st, "site.add", args[0], detail)
		},
	}
	cmd.Flags().StringVar(&parent, "parent", "", "the site's group (its NGI)")
	cmd.Flags().StringArrayVar(&networks, "network", nil, "a network (CIDR) the site's reports may come from; repeat; --network '' allows any")
	return cmd
}

func newSitesGroup(g *globals) *cobra.Command {
	var parent string
	cmd := &cobra.Command{
		Use:   "group NAME [--parent FEDERATION]",
		Short: "Add a group of sites (an NGI, a federation) or set its parent",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := g.open(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			if err := st.SetGroup(ctx, args[0], parent, store.OriginLocal); err != nil {
				return err
			}
			return audit(ctx, st, "group.set", args[0], "parent="+parent)
		},
	}
	cmd.Flags().StringVar(&parent, "parent", "", "the group above (a federation)")
	return cmd
}

func newSitesList(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "list [--format table|json]",
		Short: "List sites with their group, networks and host counts, and the groups",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := g.openExisting(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			sites, err := st.SiteList(cmd.Context(), store.AllSites())
			if err != nil {
				return err
			}
			groups, err := st.Groups(cmd.Context())
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if format == "json" {
				return writeJSON(out, map[string]any{"sites": sites, "groups": groups})
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SITE\tGROUP\tHOSTS\tNETWORKS")
			for _, s := range sites {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", s.Name, s.Group, s.Hosts, strings.Join(s.Networks, ","))
			}
			fmt.Fprintln(tw, "\nGROUP\tPARENT\t\t")
			for _, gr := range groups {
				fmt.Fprintf(tw, "%s\t%s\t\t\n", gr.Name, gr.Parent)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "table or json")
	return cmd
}

func newSitesToken(g *globals) *cobra.Command {
	var revoke bool
	cmd := &cobra.Command{
		Use:   "token SITE [--revoke]",
		Short: "Make a report token for a site (printed once, alone on the last line), or revoke the site's tokens",
		Long: `Makes a new report token for SITE and prints it once, alone on the last
line. The site's hosts send it with pakiti-client --token TOKEN (or
"token = TOKEN" in the client's config file); a report sent with it must
be for SITE. pakiti serve --feed-auth=token refuses reports without a
token. Only its hash is kept; --revoke revokes every token of the site.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := g.open(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			if revoke {
				n, err := st.RevokeFeedTokens(ctx, args[0])
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "revoked %d report tokens of %s\n", n, args[0])
				return audit(ctx, st, "site.token.revoke", args[0], fmt.Sprintf("tokens=%d", n))
			}
			tok, hash := auth.NewToken(auth.FeedTokenPrefix)
			id, err := st.AddFeedToken(ctx, args[0], hash)
			if err != nil {
				return err
			}
			if err := audit(ctx, st, "site.token.add", args[0], fmt.Sprintf("id=%d", id)); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "report token %d of site %s; it is shown only now:\n%s\n", id, args[0], tok)
			return nil
		},
	}
	cmd.Flags().BoolVar(&revoke, "revoke", false, "revoke every report token of the site")
	return cmd
}

func newSitesMoveHost(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "move-host HOST SITE",
		Short: "Put a host under another site (reports cannot move a host where --feed-lock-hosts is on)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := g.open(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			from, _, err := st.HostSite(ctx, store.AllSites(), args[0])
			if err != nil {
				return err
			}
			if err := st.MoveHost(ctx, args[0], args[1]); err != nil {
				return err
			}
			return audit(ctx, st, "host.move", args[0], "from="+from+" to="+args[1])
		},
	}
}

func newAudit(g *globals) *cobra.Command {
	var actor, format string
	var limit int
	cmd := &cobra.Command{
		Use:   "audit [--actor NAME] [--limit N] [--format table|json]",
		Short: "Show the audit log of admin actions (grants, users, tokens, sites), newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := g.openExisting(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			log, err := st.AuditLog(cmd.Context(), actor, limit)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if format == "json" {
				return writeJSON(out, log)
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "WHEN\tWHO\tACTION\tTARGET\tDETAIL")
			for _, e := range log {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", e.At.Format("2006-01-02 15:04:05Z"), e.Actor, e.Action, e.Target, e.Detail)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&actor, "actor", "", "only this actor's actions (a user, or cli:OSUSER)")
	cmd.Flags().IntVar(&limit, "limit", 100, "newest entries to show")
	cmd.Flags().StringVar(&format, "format", "table", "table or json")
	return cmd
}
