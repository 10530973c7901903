package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/pakiti-go/pakiti/internal/model"
)

// catalogueCache remembers the ids of catalogue packages. Catalogue rows
// are never changed, but the collector (gc.go) deletes unused ones, on any
// server: each of its batches bumps the catalogue's generation in the
// database (catalogue_gc). A transaction creating a set reads that
// generation under the catalogue lock before it reads the cache (sync),
// and a cache of another generation is emptied; ids learned by a
// transaction are added only while the cache is of the generation the
// transaction read (addAll), so that ids of packages deleted since never
// come back. Only ids from committed transactions are added.
type catalogueCache struct {
	mu  sync.RWMutex
	ids map[model.Package]int64
	max int
	gen int64 // the catalogue generation the ids belong to
}

// sync empties the cache when the catalogue's generation is not its own.
func (c *catalogueCache) sync(gen int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		c.ids, c.gen = map[model.Package]int64{}, gen
	}
}

func newCatalogueCache(max int) *catalogueCache {
	return &catalogueCache{ids: map[model.Package]int64{}, max: max}
}

func (c *catalogueCache) get(p model.Package) (int64, bool) {
	c.mu.RLock()
	id, ok := c.ids[p]
	c.mu.RUnlock()
	return id, ok
}

// addAll adds ids learned by a transaction that read generation gen;
// nothing if the cache is of another generation.
func (c *catalogueCache) addAll(m map[model.Package]int64, gen int64) {
	if len(m) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	if len(c.ids)+len(m) > c.max {
		c.ids = make(map[model.Package]int64, len(m)) // crude, but bounds memory
	}
	for p, id := range m {
		c.ids[clonePackage(p)] = id
	}
}

// clonePackage copies p's strings into one allocation of their own. The
// packages of a report are substrings of its body: a cache key that kept
// one would keep the whole body (megabytes) alive for as long as the key.
func clonePackage(p model.Package) model.Package {
	all := strings.Join([]string{p.Name, p.Version, p.Arch, p.SourceName, p.SourceVersion, p.Module}, "")
	cut := func(n int) string {
		s := all[:n]
		all = all[n:]
		return s
	}
	return model.Package{Name: cut(len(p.Name)), Version: cut(len(p.Version)), Arch: cut(len(p.Arch)),
		SourceName: cut(len(p.SourceName)), SourceVersion: cut(len(p.SourceVersion)), Module: cut(len(p.Module))}
}

// catalogueGeneration reads the catalogue's generation in tx (0 before
// the first collection).
func catalogueGeneration(ctx context.Context, tx *sql.Tx) (int64, error) {
	var gen int64
	err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(generation), 0) FROM catalogue_gc`).Scan(&gen)
	if err != nil {
		return 0, fmt.Errorf("catalogue generation: %w", err)
	}
	return gen, nil
}

// packageIDs returns the catalogue ids of pkgs, adding the packages the
// catalogue lacks. Ids learned here are returned in fresh, to be cached once
// the transaction commits. A package is its name, version, arch and
// source; its module stream (protocol 6) is a fact of that build: a
// package reported with a module finds the row of the same build
// reported without one (an older client) and sets it there
// (setModule); reported without, it finds the row with one.
func (s *Store) packageIDs(ctx context.Context, tx *sql.Tx, pkgs []model.Package) (ids []int64, fresh map[model.Package]int64, err error) {
	ids = make([]int64, len(pkgs))
	fresh = map[model.Package]int64{}
	var sel, ins *sql.Stmt
	defer func() {
		if sel != nil {
			sel.Close()
		}
		if ins != nil {
			ins.Close()
		}
	}()
	for i, p := range pkgs {
		if id, ok := s.cache.get(p); ok {
			ids[i] = id
			continue
		}
		if sel == nil {
			if sel, err = tx.PrepareContext(ctx, `SELECT id, module FROM packages
				WHERE name = $1 AND version = $2 AND arch = $3 AND source_name = $4 AND source_version = $5`); err != nil {
				return nil, nil, err
			}
			if ins, err = tx.PrepareContext(ctx, `INSERT INTO packages (name, version, arch, source_name, source_version, module)
				VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id`); err != nil {
				return nil, nil, err
			}
		}
		args := []any{p.Name, p.Version, p.Arch, p.SourceName, p.SourceVersion}
		var id int64
		var module string
		err := sel.QueryRowContext(ctx, args...).Scan(&id, &module)
		if errors.Is(err, sql.ErrNoRows) {
			err = ins.QueryRowContext(ctx, append(args, p.Module)...).Scan(&id)
			module = p.Module
			if errors.Is(err, sql.ErrNoRows) { // another writer added it meanwhile
				err = sel.QueryRowContext(ctx, args...).Scan(&id, &module)
			}
		}
		if err == nil && module == "" && p.Module != "" {
			err = s.setModule(ctx, tx, id, p.Module)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("catalogue package %s %s: %w", p.Name, p.Version, err)
		}
		ids[i] = id
		fresh[p] = id
	}
	return ids, fresh, nil
}

// insertMembers writes a new set's members with one statement: the ids
// travel as one list parameter (numbered parameters by the thousand cost
// more than the rows themselves).
func (s *Store) insertMembers(ctx context.Context, tx *sql.Tx, setID int64, ids []int64) error {
	if err := s.engine.insertMembers(ctx, tx, setID, ids); err != nil {
		return fmt.Errorf("package set members: %w", err)
	}
	return nil
}
