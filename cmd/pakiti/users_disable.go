package main

import (
	"time"

	"github.com/spf13/cobra"
)

// newUsersDisable is pakiti users disable (and enable): a disabled user
// keeps its grants and tokens and is refused until enabled again.
func newUsersDisable(g *globals, disable bool) *cobra.Command {
	use, short, action := "disable NAME...", "Disable users: refused everywhere (login, sessions, API tokens, header) until enabled", "user.disable"
	if !disable {
		use, short, action = "enable NAME...", "Enable disabled users again", "user.enable"
	}
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := g.open(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			for _, name := range args {
				if err := st.SetUserDisabled(ctx, name, disable, time.Now()); err != nil {
					return err
				}
				if err := audit(ctx, st, action, name, ""); err != nil {
					return err
				}
			}
			return nil
		},
	}
}
