package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Access control (migration 0010): sites belong to groups (an NGI, whose
// parent is a federation); users have a role and grants on sites or
// groups. A viewer sees a site granted to it or whose group, or one of the
// group's ancestors, is granted: UserScope turns that into the resolved
// Scope that every read already applies.

// Roles of users.
const (
	RoleAdmin  = "admin"  // sees everything, may change everything
	RoleCSIRT  = "csirt"  // sees everything, changes nothing
	RoleViewer = "viewer" // sees the sites of its grants
)

// ValidRole tells whether r names a role.
func ValidRole(r string) bool { return r == RoleAdmin || r == RoleCSIRT || r == RoleViewer }

// Origins of users, groups and grants: made by hand, or by the GOCDB
// import (which removes the stale ones it made, and no others).
const (
	OriginLocal = "local"
	OriginGOCDB = "gocdb"
)

// ErrExists is returned when adding what exists already.
var ErrExists = errors.New("exists already")

// User is a person or script that may log in.
type User struct {
	ID          int64     `json:"-"`
	Name        string    `json:"name"`
	Role        string    `json:"role"`
	DN          string    `json:"dn,omitempty"`
	Origin      string    `json:"origin"`
	HasPassword bool      `json:"has_password"`
	Grants      []string  `json:"grants"` // site and group names, sorted
	CreatedAt   time.Time `json:"created_at"`
}

// SiteInfo is a site with its group and allowed networks.
type SiteInfo struct {
	Name     string   `json:"name"`
	Group    string   `json:"group,omitempty"`
	Networks []string `json:"networks,omitempty"`
	Hosts    int      `json:"hosts"`
}

// GroupInfo is a group of sites (an NGI, a federation).
type GroupInfo struct {
	Name   string `json:"name"`
	Parent string `json:"parent,omitempty"`
	Origin string `json:"origin"`
}

// groupID returns the id of the named group, creating it (under no
// parent) when create is set.
func groupID(ctx context.Context, tx *sql.Tx, name, origin string, create bool, now time.Time) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM site_groups WHERE name = $1`, name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) && create {
		err = tx.QueryRowContext(ctx, `INSERT INTO site_groups (name, origin, created_at) VALUES ($1, $2, $3) RETURNING id`,
			name, origin, now).Scan(&id)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("no group is named %q: %w", name, ErrNotFound)
	}
	return id, err
}

// SetGroup creates the group name, or changes its parent; parent "" makes
// it a root (a federation). A parent that does not exist is created; a
// parent that would make a cycle is refused.
func (s *Store) SetGroup(ctx context.Context, name, parent, origin string) error {
	if name == "" || name == parent {
		return fmt.Errorf("a group needs a name other than its parent's")
	}
	now := time.Now().UTC()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := siteIDIn(ctx, tx, name); err == nil {
			return fmt.Errorf("%q is a site, not a group", name)
		}
		id, err := groupID(ctx, tx, name, origin, true, now)
		if err != nil {
			return err
		}
		var pid sql.NullInt64
		if parent != "" {
			p, err := groupID(ctx, tx, parent, origin, true, now)
			if err != nil {
				return err
			}
			// Walk up from the parent: meeting name is a cycle.
			for up := (sql.NullInt64{Int64: p, Valid: true}); up.Valid; {
				if up.Int64 == id {
					return fmt.Errorf("group %q cannot be under %q: %q is under %q already", name, parent, parent, name)
				}
				if err := tx.QueryRowContext(ctx, `SELECT parent_id FROM site_groups WHERE id = $1`, up.Int64).Scan(&up); err != nil {
					return err
				}
			}
			pid = sql.NullInt64{Int64: p, Valid: true}
		}
		_, err = tx.ExecContext(ctx, `UPDATE site_groups SET parent_id = $1 WHERE id = $2`, pid, id)
		return err
	})
}

// AddSite creates the site name (or updates an existing one) with its
// group (created when missing; "" leaves it as it is) and, when networks
// is not nil, its allowed networks (empty: anywhere).
func (s *Store) AddSite(ctx context.Context, name, group string, networks []string) error {
	if name == "" {
		return fmt.Errorf("a site needs a name")
	}
	now := time.Now().UTC()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var gid int64
		if group != "" {
			if _, err := siteIDIn(ctx, tx, group); err == nil {
				return fmt.Errorf("%q is a site: a site's parent is a group (an NGI)", group)
			}
			var err error
			if gid, err = groupID(ctx, tx, group, OriginLocal, true, now); err != nil {
				return err
			}
		}
		var exists int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM site_groups WHERE name = $1`, name).Scan(&exists); err != nil {
			return err
		}
		if exists > 0 {
			return fmt.Errorf("%q is a group: sites and groups need different names", name)
		}
		var id int64
		if err := tx.QueryRowContext(ctx, qAddSite, name, now).Scan(&id); err != nil {
			return fmt.Errorf("add site: %w", err)
		}
		if gid != 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE sites SET group_id = $1 WHERE id = $2`, gid, id); err != nil {
				return err
			}
		}
		if networks != nil {
			if _, err := tx.ExecContext(ctx, `UPDATE sites SET networks = $1 WHERE id = $2`, strings.Join(networks, " "), id); err != nil {
				return err
			}
		}
		return nil
	})
}

func siteIDIn(ctx context.Context, tx *sql.Tx, name string) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, qFindSite, name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotFound
	}
	return id, err
}

// SiteList lists the sites in scope with their group, networks and host
// counts, by name.
func (s *Store) SiteList(ctx context.Context, sc Scope) ([]SiteInfo, error) {
	cond, args := s.scopeSQL(sc, "s", 1)
	rows, err := s.r.QueryContext(ctx, `SELECT s.name, COALESCE(g.name, ''), s.networks,
			(SELECT COUNT(*) FROM hosts h WHERE h.site_id = s.id)
		FROM sites s LEFT JOIN site_groups g ON g.id = s.group_id
		WHERE `+cond+` ORDER BY s.name`, args...)
	if err != nil {
		return nil, fmt.Errorf("sites: %w", err)
	}
	defer rows.Close()
	out := []SiteInfo{}
	for rows.Next() {
		var si SiteInfo
		var nets string
		if err := rows.Scan(&si.Name, &si.Group, &nets, &si.Hosts); err != nil {
			return nil, err
		}
		si.Networks = strings.Fields(nets)
		out = append(out, si)
	}
	return out, rows.Err()
}

// Groups lists every group with its parent, by name. Groups hold no hosts
// themselves: naming them is not reading the fleet.
func (s *Store) Groups(ctx context.Context) ([]GroupInfo, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT g.name, COALESCE(p.name, ''), g.origin
		FROM site_groups g LEFT JOIN site_groups p ON p.id = g.parent_id ORDER BY g.name`)
	if err != nil {
		return nil, fmt.Errorf("groups: %w", err)
	}
	defer rows.Close()
	out := []GroupInfo{}
	for rows.Next() {
		var g GroupInfo
		if err := rows.Scan(&g.Name, &g.Parent, &g.Origin); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// AddUser creates a user with a role, an optional password hash (made by
// the caller: internal/auth) and certificate DN. A user that exists is
// ErrExists.
func (s *Store) AddUser(ctx context.Context, u User, passwordHash string) error {
	if !ValidRole(u.Role) {
		return fmt.Errorf("role must be admin, csirt or viewer, not %q", u.Role)
	}
	if u.Name == "" {
		return fmt.Errorf("a user needs a name")
	}
	if u.Origin == "" {
		u.Origin = OriginLocal
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE name = $1`, u.Name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("user %q: %w", u.Name, ErrExists)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO users (name, role, password_hash, dn, origin, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, u.Name, u.Role, passwordHash, u.DN, u.Origin, time.Now().UTC())
		return err
	})
}

// SetUser changes a user's role, DN (when not nil) and password hash (when
// not nil).
func (s *Store) SetUser(ctx context.Context, name, role string, dn, passwordHash *string) error {
	if role != "" && !ValidRole(role) {
		return fmt.Errorf("role must be admin, csirt or viewer, not %q", role)
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		id, err := userID(ctx, tx, name)
		if err != nil {
			return err
		}
		if role != "" {
			if _, err := tx.ExecContext(ctx, `UPDATE users SET role = $1 WHERE id = $2`, role, id); err != nil {
				return err
			}
		}
		if dn != nil {
			if _, err := tx.ExecContext(ctx, `UPDATE users SET dn = $1 WHERE id = $2`, *dn, id); err != nil {
				return err
			}
		}
		if passwordHash != nil {
			if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2`, *passwordHash, id); err != nil {
				return err
			}
			// A new password ends the user's sessions.
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, id); err != nil {
				return err
			}
		}
		return nil
	})
}

func userID(ctx context.Context, tx *sql.Tx, name string) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM users WHERE name = $1`, name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("no user is named %q: %w", name, ErrNotFound)
	}
	return id, err
}

// RemoveUser deletes a user with its grants, tokens and sessions.
func (s *Store) RemoveUser(ctx context.Context, name string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		id, err := userID(ctx, tx, name)
		if err != nil {
			return err
		}
		for _, q := range []string{`DELETE FROM grants WHERE user_id = $1`, `DELETE FROM api_tokens WHERE user_id = $1`,
			`DELETE FROM sessions WHERE user_id = $1`, `DELETE FROM users WHERE id = $1`} {
			if _, err := tx.ExecContext(ctx, q, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// Grant lets user see target, a site or a group (and so its sites and
// subgroups' sites). Granting twice is one grant.
func (s *Store) Grant(ctx context.Context, user, target, origin string) error {
	if origin == "" {
		origin = OriginLocal
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		uid, err := userID(ctx, tx, user)
		if err != nil {
			return err
		}
		col, id, err := grantTarget(ctx, tx, target)
		if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM grants WHERE user_id = $1 AND `+col+` = $2`, uid, id).Scan(&n); err != nil || n > 0 {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO grants (user_id, `+col+`, origin) VALUES ($1, $2, $3)`, uid, id, origin)
		return err
	})
}

// Revoke removes user's grant on target.
func (s *Store) Revoke(ctx context.Context, user, target string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		uid, err := userID(ctx, tx, user)
		if err != nil {
			return err
		}
		col, id, err := grantTarget(ctx, tx, target)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM grants WHERE user_id = $1 AND `+col+` = $2`, uid, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%s has no grant on %s: %w", user, target, ErrNotFound)
		}
		return nil
	})
}

// grantTarget finds a grant's target: a site first, then a group. col is
// a constant column name.
func grantTarget(ctx context.Context, tx *sql.Tx, target string) (col string, id int64, err error) {
	if id, err := siteIDIn(ctx, tx, target); err == nil {
		return "site_id", id, nil
	} else if !errors.Is(err, ErrNotFound) {
		return "", 0, err
	}
	id, err = groupID(ctx, tx, target, "", false, time.Time{})
	if errors.Is(err, ErrNotFound) {
		return "", 0, fmt.Errorf("no site or group is named %q (pakiti sites add): %w", target, ErrNotFound)
	}
	return "group_id", id, err
}

// Users lists the users with their grants, by name.
func (s *Store) Users(ctx context.Context) ([]User, error) {
	return s.users(ctx, "", nil)
}

// UserByName returns a user and its password hash.
func (s *Store) UserByName(ctx context.Context, name string) (User, string, error) {
	return s.oneUser(ctx, "u.name = $1", name)
}

// UserByDN returns the user of a certificate DN.
func (s *Store) UserByDN(ctx context.Context, dn string) (User, string, error) {
	if dn == "" {
		return User{}, "", ErrNotFound
	}
	return s.oneUser(ctx, "u.dn = $1", dn)
}

func (s *Store) oneUser(ctx context.Context, where string, arg any) (User, string, error) {
	var hash string
	us, err := s.users(ctx, where, []any{arg}, &hash)
	if err != nil {
		return User{}, "", err
	}
	if len(us) != 1 {
		return User{}, "", ErrNotFound
	}
	return us[0], hash, nil
}

// users reads users (where: a constant condition on u); hash receives the
// password hash of the last one.
func (s *Store) users(ctx context.Context, where string, args []any, hash ...*string) ([]User, error) {
	q := `SELECT u.id, u.name, u.role, u.dn, u.origin, u.password_hash, u.created_at FROM users u`
	if where != "" {
		q += " WHERE " + where
	}
	rows, err := s.r.QueryContext(ctx, q+" ORDER BY u.name", args...)
	if err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	var out []User
	for rows.Next() {
		var u User
		var h string
		if err := rows.Scan(&u.ID, &u.Name, &u.Role, &u.DN, &u.Origin, &h, &u.CreatedAt); err != nil {
			rows.Close()
			return nil, err
		}
		u.HasPassword, u.Grants = h != "", []string{}
		if len(hash) > 0 {
			*hash[0] = h
		}
		out = append(out, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	grants, err := s.grantNames(ctx)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Grants = append(out[i].Grants, grants[out[i].ID]...)
	}
	return out, nil
}

// grantNames returns each user's grants as names, sorted.
func (s *Store) grantNames(ctx context.Context) (map[int64][]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT gr.user_id, COALESCE(s.name, g.name) FROM grants gr
		LEFT JOIN sites s ON s.id = gr.site_id LEFT JOIN site_groups g ON g.id = gr.group_id`)
	if err != nil {
		return nil, fmt.Errorf("grants: %w", err)
	}
	defer rows.Close()
	out := map[int64][]string{}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		out[id] = append(out[id], name)
	}
	for _, l := range out {
		sort.Strings(l)
	}
	return out, rows.Err()
}

// UserScope is the Scope of a user: every site for admin and csirt; for a
// viewer, the sites granted to it and the sites of the groups granted to
// it and of their subgroups, resolved to ids (no grant: nothing).
func (s *Store) UserScope(ctx context.Context, u User) (Scope, error) {
	if u.Role == RoleAdmin || u.Role == RoleCSIRT {
		return AllSites(), nil
	}
	sc := Scope{resolved: true, ids: []int64{}}
	if u.Role != RoleViewer {
		return sc, nil
	}
	rows, err := s.r.QueryContext(ctx, `SELECT site_id, group_id FROM grants WHERE user_id = $1`, u.ID)
	if err != nil {
		return sc, fmt.Errorf("grants of %s: %w", u.Name, err)
	}
	var groups []int64
	seen := map[int64]bool{}
	for rows.Next() {
		var site, group sql.NullInt64
		if err := rows.Scan(&site, &group); err != nil {
			rows.Close()
			return sc, err
		}
		if site.Valid && !seen[site.Int64] {
			seen[site.Int64] = true
			sc.ids = append(sc.ids, site.Int64)
		}
		if group.Valid {
			groups = append(groups, group.Int64)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return sc, err
	}
	if len(groups) == 0 {
		sort.Slice(sc.ids, func(i, j int) bool { return sc.ids[i] < sc.ids[j] })
		return sc, nil
	}
	// The groups granted and every group under them (groups are few).
	children := map[int64][]int64{}
	grows, err := s.r.QueryContext(ctx, `SELECT id, parent_id FROM site_groups WHERE parent_id IS NOT NULL`)
	if err != nil {
		return sc, fmt.Errorf("groups: %w", err)
	}
	for grows.Next() {
		var id, parent int64
		if err := grows.Scan(&id, &parent); err != nil {
			grows.Close()
			return sc, err
		}
		children[parent] = append(children[parent], id)
	}
	grows.Close()
	if err := grows.Err(); err != nil {
		return sc, err
	}
	in := map[int64]bool{}
	for len(groups) > 0 {
		g := groups[len(groups)-1]
		groups = groups[:len(groups)-1]
		if !in[g] {
			in[g] = true
			groups = append(groups, children[g]...)
		}
	}
	all := make([]int64, 0, len(in))
	for g := range in {
		all = append(all, g)
	}
	srows, err := s.r.QueryContext(ctx, `SELECT id FROM sites WHERE `+s.engine.inList("group_id", 1), s.engine.intList(all))
	if err != nil {
		return sc, fmt.Errorf("sites of groups: %w", err)
	}
	defer srows.Close()
	for srows.Next() {
		var id int64
		if err := srows.Scan(&id); err != nil {
			return sc, err
		}
		if !seen[id] {
			seen[id] = true
			sc.ids = append(sc.ids, id)
		}
	}
	sort.Slice(sc.ids, func(i, j int) bool { return sc.ids[i] < sc.ids[j] })
	return sc, srows.Err()
}

// HostSite returns the site a host is stored under, if the host exists:
// the feed checks that a report does not move a host to another site.
func (s *Store) HostSite(ctx context.Context, sc Scope, hostname string) (string, bool, error) {
	cond, args := s.scopeSQL(sc, "s", 2)
	var site string
	err := s.r.QueryRowContext(ctx, `SELECT s.name FROM hosts h JOIN sites s ON s.id = h.site_id
		WHERE h.hostname = $1 AND `+cond, append([]any{hostname}, args...)...).Scan(&site)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("site of %s: %w", hostname, err)
	}
	return site, true, nil
}

// MoveHost puts a host under another site (an admin's move: the feed
// refuses a report that would move it, where host claims are on).
func (s *Store) MoveHost(ctx context.Context, hostname, site string) error {
	now := time.Now().UTC()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var id int64
		if err := tx.QueryRowContext(ctx, qAddSite, site, now).Scan(&id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE hosts SET site_id = $1 WHERE hostname = $2`, id, hostname)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("no host is named %q: %w", hostname, ErrNotFound)
		}
		return nil
	})
}
