package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pakiti-go/pakiti/internal/store"
)

// originImport names the users (and their grants) pakiti users import
// made: the next import changes them, --remove deletes them; users of
// other origins are left alone.
const originImport = "import"

// importKeys are the JSON keys of Pakiti 3's users -c import (its
// configuration made them changeable): login, display name, e-mail (read
// and ignored: this server keeps neither), admin flag, host groups.
type importKeys struct {
	login, admin, groups, dn string
}

// importedUser is one entry of the file.
type importedUser struct {
	name   string
	admin  bool
	groups []string
	dn     string
}

// readImportedUsers reads Pakiti 3's users JSON: an array of objects.
func readImportedUsers(r io.Reader, k importKeys) ([]importedUser, error) {
	var raw []map[string]any
	if err := json.NewDecoder(r).Decode(&raw); err != nil {
		return nil, fmt.Errorf("users JSON (an array of objects): %w", err)
	}
	out := make([]importedUser, 0, len(raw))
	seen := map[string]bool{}
	for i, o := range raw {
		name, _ := o[k.login].(string)
		name = strings.TrimSpace(name)
		if name == "" {
			return nil, fmt.Errorf("entry %d: no %q (the login)", i+1, k.login)
		}
		if seen[name] {
			return nil, fmt.Errorf("entry %d: %s is listed twice", i+1, name)
		}
		seen[name] = true
		u := importedUser{name: name}
		switch v := o[k.admin].(type) {
		case bool:
			u.admin = v
		case float64:
			u.admin = v != 0
		case string:
			u.admin = v == "1" || strings.EqualFold(v, "true")
		case nil:
		default:
			return nil, fmt.Errorf("entry %d (%s): %q is neither a boolean, a number nor a string", i+1, name, k.admin)
		}
		switch v := o[k.groups].(type) {
		case []any:
			for _, g := range v {
				s, ok := g.(string)
				if !ok {
					return nil, fmt.Errorf("entry %d (%s): %q holds a non-string", i+1, name, k.groups)
				}
				u.groups = append(u.groups, strings.TrimSpace(s))
			}
		case string: // one group, or several separated by commas
			for _, s := range strings.Split(v, ",") {
				if s = strings.TrimSpace(s); s != "" {
					u.groups = append(u.groups, s)
				}
			}
		case nil:
		default:
			return nil, fmt.Errorf("entry %d (%s): %q is neither a list nor a string", i+1, name, k.groups)
		}
		if k.dn != "" {
			u.dn, _ = o[k.dn].(string)
		}
		out = append(out, u)
	}
	return out, nil
}

// importResult counts what an import did.
type importResult struct {
	added, changed, unchanged, kept, removed int
	unknown                                  []string // groups that name no site or group
}

// importUsers makes the users of the file agree with it: a new user is
// added (admin or viewer), a user an earlier import made gets the file's
// role, DN and grants (grants not listed are revoked); users made by hand
// or by GOCDB are kept as they are. With remove, users an earlier import
// made that the file lacks are deleted.
func importUsers(ctx context.Context, st *store.Store, us []importedUser, remove bool) (importResult, error) {
	var res importResult
	cur, err := st.Users(ctx)
	if err != nil {
		return res, err
	}
	byName := map[string]store.User{}
	for _, u := range cur {
		byName[u.Name] = u
	}
	inFile := map[string]bool{}
	for _, u := range us {
		inFile[u.name] = true
		role := store.RoleViewer
		if u.admin {
			role = store.RoleAdmin
		}
		old, exists := byName[u.name]
		switch {
		case exists && old.Origin != originImport:
			res.kept++
			continue
		case !exists:
			if err := st.AddUser(ctx, store.User{Name: u.name, Role: role, DN: u.dn, Origin: originImport}, ""); err != nil {
				return res, err
			}
			if err := audit(ctx, st, "user.add", u.name, "role="+role+" origin=import"); err != nil {
				return res, err
			}
			res.added++
		}
		changed := exists && (old.Role != role || old.DN != u.dn)
		if changed {
			dn := u.dn
			if err := st.SetUser(ctx, u.name, role, &dn, nil); err != nil {
				return res, err
			}
		}
		for _, g := range u.groups {
			if slices.Contains(old.Grants, g) {
				continue
			}
			err := st.Grant(ctx, u.name, g, originImport)
			if errors.Is(err, store.ErrNotFound) {
				res.unknown = append(res.unknown, g)
				continue
			}
			if err != nil {
				return res, err
			}
			if err := audit(ctx, st, "grant.add", u.name+" "+g, "origin=import"); err != nil {
				return res, err
			}
			changed = true
		}
		for _, g := range old.Grants {
			if slices.Contains(u.groups, g) {
				continue
			}
			if err := st.Revoke(ctx, u.name, g); err != nil {
				return res, err
			}
			if err := audit(ctx, st, "grant.remove", u.name+" "+g, "origin=import"); err != nil {
				return res, err
			}
			changed = true
		}
		if exists && changed {
			res.changed++
		} else if exists {
			res.unchanged++
		}
	}
	if remove {
		for _, u := range cur {
			if u.Origin != originImport || inFile[u.Name] {
				continue
			}
			if err := st.RemoveUser(ctx, u.Name); err != nil {
				return res, err
			}
			if err := audit(ctx, st, "user.remove", u.Name, "origin=import, absent from the import"); err != nil {
				return res, err
			}
			res.removed++
		}
	}
	slices.Sort(res.unknown)
	res.unknown = slices.Compact(res.unknown)
	return res, nil
}

// newUsersImport is Pakiti 3's users -c import.
func newUsersImport(g *globals) *cobra.Command {
	var k importKeys
	var remove bool
	cmd := &cobra.Command{
		Use:   "import [FILE|-] [--remove] [--login-key login] [--admin-key admin] [--groups-key hostGroupsNames] [--dn-key K]",
		Short: "Make users agree with a JSON array of users (Pakiti 3's users -c import; stdin without FILE)",
		Long: `Reads a JSON array of users as Pakiti 3's "users -c import" did, e.g.
[{"login": "/DC=org/DC=terena/.../CN=Alice", "displayName": "Alice", "mail": "a@example.org",
  "admin": false, "hostGroupsNames": ["praguelcg2"]}]
A user new to the database is added (role admin when "admin" is true, else
viewer, granted its host groups: sites or groups such as NGIs). A user an
earlier import added follows the file: role, DN and grants (those not listed
are revoked). Users made otherwise (pakiti users add, GOCDB, OIDC) are kept
as they are. --remove deletes the users an earlier import added that the
file lacks. Display names and e-mail addresses are not kept. Every change
is audited.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			in := cmd.InOrStdin()
			if len(args) == 1 && args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				in = f
			}
			us, err := readImportedUsers(in, k)
			if err != nil {
				return err
			}
			st, err := g.openExisting(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			res, err := importUsers(cmd.Context(), st, us, remove)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d users read: %d added, %d changed, %d unchanged, %d kept (not made by an import), %d removed\n",
				len(us), res.added, res.changed, res.unchanged, res.kept, res.removed)
			if len(res.unknown) > 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "not granted, no site or group of that name: %s\n", strings.Join(res.unknown, ", "))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&k.login, "login-key", "login", "the key of the user name (a login or certificate DN)")
	cmd.Flags().StringVar(&k.admin, "admin-key", "admin", "the key of the admin flag")
	cmd.Flags().StringVar(&k.groups, "groups-key", "hostGroupsNames", "the key of the host groups (sites, NGIs) granted")
	cmd.Flags().StringVar(&k.dn, "dn-key", "", "the key of a certificate DN, when the login is not one")
	cmd.Flags().BoolVarP(&remove, "remove", "r", false, "delete the users an earlier import added that the file lacks")
	return cmd
}
