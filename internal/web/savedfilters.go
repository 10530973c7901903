package web

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"sync"
	"time"
)

// SavedFilter is a named host view an admin offers on the hosts page
// (Pakiti 3's favourite filters): Query is the hosts page's query string,
// e.g. "cve_tag=EGI-Critical&activity=24h".
type SavedFilter struct {
	Name  string `json:"name"`
	Query string `json:"query"`
}

// savedFilters reads the --saved-filters file, a JSON array of
// SavedFilter, again whenever it changes (its size or modification time),
// so an admin edits it without a restart. A filter whose query the hosts
// listing refuses is left out and logged; an unreadable file keeps the
// filters last read.
type savedFilters struct {
	path string
	log  *slog.Logger

	mu    sync.Mutex
	mod   time.Time
	size  int64
	list  []SavedFilter
	check time.Time
}

// savedFiltersCheck is how often, at most, the file is looked at.
const savedFiltersCheck = 2 * time.Second

func newSavedFilters(path string, log *slog.Logger) *savedFilters {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &savedFilters{path: path, log: log}
}

// List returns the saved filters, each Query normalised to the hosts
// view's own parameters.
func (sf *savedFilters) List(now time.Time) []SavedFilter {
	if sf == nil || sf.path == "" {
		return nil
	}
	sf.mu.Lock()
	defer sf.mu.Unlock()
	if now.Sub(sf.check) < savedFiltersCheck && !sf.check.IsZero() {
		return sf.list
	}
	sf.check = now
	fi, err := os.Stat(sf.path)
	if err != nil {
		sf.log.Error("saved filters", "file", sf.path, "error", err)
		return sf.list
	}
	if fi.ModTime().Equal(sf.mod) && fi.Size() == sf.size {
		return sf.list
	}
	list, err := readSavedFilters(sf.path, sf.log)
	if err != nil {
		sf.log.Error("saved filters", "file", sf.path, "error", err)
		return sf.list
	}
	sf.mod, sf.size, sf.list = fi.ModTime(), fi.Size(), list
	return list
}

// readSavedFilters reads and checks a saved-filters file.
func readSavedFilters(path string, log *slog.Logger) ([]SavedFilter, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var raw []SavedFilter
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("want a JSON array of {\"name\": ..., \"query\": ...}: %w", err)
	}
	out := []SavedFilter{}
	for _, f := range raw {
		q, err := url.ParseQuery(f.Query)
		if err == nil {
			_, err = hostQuery(q)
		}
		if f.Name == "" || err != nil {
			log.Warn("saved filter left out", "name", f.Name, "query", f.Query, "error", err)
			continue
		}
		v := viewValues(q, hostFilterKeys)
		out = append(out, SavedFilter{Name: f.Name, Query: v.Encode()})
	}
	return out, nil
}

// CheckSavedFilters reads a saved-filters file as the server will, for
// pakiti serve to refuse a broken one at start.
func CheckSavedFilters(path string) error {
	_, err := readSavedFilters(path, slog.New(slog.DiscardHandler))
	return err
}

// savedFilterLinks are the saved filters as links of the hosts page, the
// one the view q is marked current.
func savedFilterLinks(list []SavedFilter, q url.Values) []map[string]any {
	cur := viewValues(q, hostFilterKeys)
	cur.Del("sort")
	cur.Del("limit")
	out := make([]map[string]any, 0, len(list))
	for _, f := range list {
		v, _ := url.ParseQuery(f.Query)
		mine := viewValues(v, hostFilterKeys)
		mine.Del("sort")
		mine.Del("limit")
		out = append(out, map[string]any{"Name": f.Name, "URL": "/hosts?" + f.Query, "Current": mine.Encode() == cur.Encode()})
	}
	return out
}
