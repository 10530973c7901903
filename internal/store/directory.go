package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"
)

// Directory is the whole of an external directory of sites and people
// (GOCDB): NGIs under a federation, sites in NGIs, users with a role and
// grants. SyncDirectory makes the store agree with it.
type Directory struct {
	Origin     string // the origin of what it makes (OriginGOCDB)
	Federation string // the group every NGI is under ("" none)
	NGIs       []string
	Sites      []DirectorySite
	Users      []DirectoryUser
}

// DirectorySite is a site and its NGI ("" none).
type DirectorySite struct{ Name, NGI string }

// DirectoryUser is a user with its DN, role and grants (sites or NGIs).
type DirectoryUser struct {
	Name, DN, Role string
	Grants         []string
}

// errDryRun rolls a dry run's transaction back.
var errDryRun = errors.New("dry run")

// SyncDirectory makes the store agree with d, in one transaction: it
// creates the federation, NGIs, sites, users and grants d names, moves
// sites to their NGI, and removes the users and grants of d.Origin that d
// no longer names (and that origin's groups left without sites or
// subgroups). Users made by hand (another origin) are never changed. It
// returns the changes, one line each ("+ ...", "- ...", "~ ...", "! ...");
// with dryRun nothing is kept.
func (s *Store) SyncDirectory(ctx context.Context, d Directory, dryRun bool) ([]string, error) {
	if d.Origin == "" || d.Origin == OriginLocal {
		return nil, fmt.Errorf("a directory sync needs its own origin, not %q", d.Origin)
	}
	now := time.Now().UTC()
	var changes []string
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		changes = changes[:0]
		c, err := syncDirectory(ctx, tx, d, now)
		changes = c
		if err == nil && dryRun {
			return errDryRun
		}
		return err
	})
	if errors.Is(err, errDryRun) {
		err = nil
	}
	return changes, err
}

func syncDirectory(ctx context.Context, tx *sql.Tx, d Directory, now time.Time) ([]string, error) {
	var out []string
	add := func(format string, a ...any) { out = append(out, fmt.Sprintf(format, a...)) }
	// ensureGroup creates a group (reporting it) and returns its id.
	ensureGroup := func(name string) (int64, error) {
		id, err := groupID(ctx, tx, name, "", false, now)
		if errors.Is(err, ErrNotFound) {
			if sid, serr := siteIDIn(ctx, tx, name); serr == nil && sid > 0 {
				return 0, fmt.Errorf("%q is a site here and an NGI in the directory", name)
			}
			add("+ group %s", name)
			return groupID(ctx, tx, name, d.Origin, true, now)
		}
		return id, err
	}
	var fed sql.NullInt64
	if d.Federation != "" {
		id, err := ensureGroup(d.Federation)
		if err != nil {
			return nil, err
		}
		fed = sql.NullInt64{Int64: id, Valid: true}
	}
	ngis := map[string]int64{}
	names := append([]string(nil), d.NGIs...)
	for _, st := range d.Sites {
		if st.NGI != "" && !slices.Contains(names, st.NGI) {
			names = append(names, st.NGI)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		id, err := ensureGroup(n)
		if err != nil {
			return nil, err
		}
		ngis[n] = id
		if fed.Valid {
			var parent sql.NullInt64
			if err := tx.QueryRowContext(ctx, `SELECT parent_id FROM site_groups WHERE id = $1`, id).Scan(&parent); err != nil {
				return nil, err
			}
			if parent != fed {
				if _, err := tx.ExecContext(ctx, `UPDATE site_groups SET parent_id = $1 WHERE id = $2`, fed, id); err != nil {
					return nil, err
				}
				add("~ group %s under %s", n, d.Federation)
			}
		}
	}
	for _, st := range d.Sites {
		var id int64
		var group sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT id, group_id FROM sites WHERE name = $1`, st.Name).Scan(&id, &group)
		if errors.Is(err, sql.ErrNoRows) {
			if _, gerr := groupID(ctx, tx, st.Name, "", false, now); gerr == nil {
				return nil, fmt.Errorf("%q is a group here and a site in the directory", st.Name)
			}
			if err = tx.QueryRowContext(ctx, qAddSite, st.Name, now).Scan(&id); err != nil {
				return nil, err
			}
			add("+ site %s", st.Name)
		} else if err != nil {
			return nil, err
		}
		want := sql.NullInt64{}
		if st.NGI != "" {
			want = sql.NullInt64{Int64: ngis[st.NGI], Valid: true}
		}
		if want.Valid && group != want {
			if _, err := tx.ExecContext(ctx, `UPDATE sites SET group_id = $1 WHERE id = $2`, want, id); err != nil {
				return nil, err
			}
			add("~ site %s in %s", st.Name, st.NGI)
		}
	}
	// Users.
	type have struct {
		id           int64
		role, dn, or string
	}
	existing := map[string]have{}
	rows, err := tx.QueryContext(ctx, `SELECT id, name, role, dn, origin FROM users`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var h have
		var name string
		if err := rows.Scan(&h.id, &name, &h.role, &h.dn, &h.or); err != nil {
			rows.Close()
			return nil, err
		}
		existing[name] = h
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	named := map[string]bool{}
	for _, u := range d.Users {
		named[u.Name] = true
		h, ok := existing[u.Name]
		switch {
		case ok && h.or != d.Origin:
			add("! user %s is %s, not from %s: left alone", u.Name, h.or, d.Origin)
			continue
		case !ok:
			if err := tx.QueryRowContext(ctx, `INSERT INTO users (name, role, dn, origin, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
				u.Name, u.Role, u.DN, d.Origin, now).Scan(&h.id); err != nil {
				return nil, err
			}
			add("+ user %s (%s)", u.Name, u.Role)
		case h.role != u.Role || h.dn != u.DN:
			if _, err := tx.ExecContext(ctx, `UPDATE users SET role = $1, dn = $2 WHERE id = $3`, u.Role, u.DN, h.id); err != nil {
				return nil, err
			}
			add("~ user %s (%s)", u.Name, u.Role)
		}
		if err := syncGrants(ctx, tx, h.id, u, d.Origin, false, add); err != nil {
			return nil, err
		}
	}
	// Stale users of this origin.
	for _, name := range sortedKeys(existing) {
		h := existing[name]
		if h.or != d.Origin || named[name] {
			continue
		}
		for _, q := range []string{`DELETE FROM grants WHERE user_id = $1`, `DELETE FROM api_tokens WHERE user_id = $1`,
			`DELETE FROM sessions WHERE user_id = $1`, `DELETE FROM users WHERE id = $1`} {
			if _, err := tx.ExecContext(ctx, q, h.id); err != nil {
				return nil, err
			}
		}
		add("- user %s", name)
	}
	// Stale groups of this origin, once empty.
	keep := map[string]bool{d.Federation: true}
	for _, n := range names {
		keep[n] = true
	}
	grows, err := tx.QueryContext(ctx, `SELECT g.id, g.name FROM site_groups g WHERE g.origin = $1
		AND NOT EXISTS (SELECT 1 FROM sites s WHERE s.group_id = g.id)
		AND NOT EXISTS (SELECT 1 FROM site_groups c WHERE c.parent_id = g.id) ORDER BY g.name`, d.Origin)
	if err != nil {
		return nil, err
	}
	stale := map[string]int64{}
	for grows.Next() {
		var id int64
		var name string
		if err := grows.Scan(&id, &name); err != nil {
			grows.Close()
			return nil, err
		}
		if !keep[name] {
			stale[name] = id
		}
	}
	grows.Close()
	if err := grows.Err(); err != nil {
		return nil, err
	}
	for _, name := range sortedKeys(stale) {
		if _, err := tx.ExecContext(ctx, `DELETE FROM grants WHERE group_id = $1`, stale[name]); err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM site_groups WHERE id = $1`, stale[name]); err != nil {
			return nil, err
		}
		add("- group %s", name)
	}
	return out, nil
}

// syncGrants makes the grants of origin of user uid those of u: adds the
// missing, removes the others. With lenient, a target that names no site
// or group is skipped (claims of an identity provider name many groups).
func syncGrants(ctx context.Context, tx *sql.Tx, uid int64, u DirectoryUser, origin string, lenient bool, add func(string, ...any)) error {
	grows, err := tx.QueryContext(ctx, `SELECT gr.id, COALESCE(s.name, g.name) FROM grants gr
		LEFT JOIN sites s ON s.id = gr.site_id LEFT JOIN site_groups g ON g.id = gr.group_id
		WHERE gr.user_id = $1 AND gr.origin = $2`, uid, origin)
	if err != nil {
		return err
	}
	held := map[string]int64{}
	for grows.Next() {
		var gid int64
		var target string
		if err := grows.Scan(&gid, &target); err != nil {
			grows.Close()
			return err
		}
		held[target] = gid
	}
	grows.Close()
	if err := grows.Err(); err != nil {
		return err
	}
	for _, target := range u.Grants {
		if _, ok := held[target]; ok {
			delete(held, target)
			continue
		}
		col, tid, err := grantTarget(ctx, tx, target)
		if lenient && errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO grants (user_id, `+col+`, origin) VALUES ($1, $2, $3)`, uid, tid, origin); err != nil {
			return err
		}
		add("+ grant %s -> %s", u.Name, target)
	}
	for _, target := range sortedKeys(held) {
		if _, err := tx.ExecContext(ctx, `DELETE FROM grants WHERE id = $1`, held[target]); err != nil {
			return err
		}
		add("- grant %s -> %s", u.Name, target)
	}
	return nil
}

// SyncUser makes one user of an identity provider (origin) what its
// claims say: created if new, its role and grants (on the sites and groups
// the claims name that exist) set. A user of another origin (made by
// hand) is returned unchanged: the store's grants win over the claims.
func (s *Store) SyncUser(ctx context.Context, origin string, u DirectoryUser) (User, error) {
	if origin == OriginLocal || !ValidRole(u.Role) {
		return User{}, fmt.Errorf("sync user %s: origin %q, role %q", u.Name, origin, u.Role)
	}
	now := time.Now().UTC()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var id int64
		var have string
		err := tx.QueryRowContext(ctx, `SELECT id, origin FROM users WHERE name = $1`, u.Name).Scan(&id, &have)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if err := tx.QueryRowContext(ctx, `INSERT INTO users (name, role, dn, origin, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
				u.Name, u.Role, u.DN, origin, now).Scan(&id); err != nil {
				return err
			}
		case err != nil:
			return err
		case have != origin:
			return nil
		default:
			if _, err := tx.ExecContext(ctx, `UPDATE users SET role = $1 WHERE id = $2`, u.Role, id); err != nil {
				return err
			}
		}
		return syncGrants(ctx, tx, id, u, origin, true, func(string, ...any) {})
	})
	if err != nil {
		return User{}, err
	}
	got, _, err := s.UserByName(ctx, u.Name)
	return got, err
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
