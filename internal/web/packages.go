package web

import (
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/pakiti-go/pakiti/internal/store"
)

// PackageHostList is the answer of GET /api/v1/packages: the hosts the
// caller sees that have a package, one entry per (package build, host).
type PackageHostList struct {
	Matches []store.PackageHost `json:"matches"`
	Total   int                 `json:"total"`
	Limit   int                 `json:"limit"`
	Offset  int                 `json:"offset"`
}

// PackageHostColumns are the columns of the package search as CSV.
var PackageHostColumns = []string{"name", "version", "arch", "hostname", "site", "os_group"}

// packageQuery reads the package search's parameters: name (a prefix
// when it ends in *), version (likewise), site, limit, offset.
func packageQuery(q url.Values) (store.PackageSearch, error) {
	f := store.PackageSearch{Name: strings.TrimSpace(q.Get("name")), Version: strings.TrimSpace(q.Get("version")), Site: q.Get("site")}
	if len(f.Name) > 256 || len(f.Version) > 256 || len(f.Site) > 256 {
		return f, fmt.Errorf("name, version and site take at most 256 bytes")
	}
	if f.Name == "*" {
		return f, fmt.Errorf("name needs at least one character before *")
	}
	var err error
	if f.Limit, err = intParam(q, "limit", 1000, 1, store.MaxLimit); err != nil {
		return f, err
	}
	if f.Offset, err = intParam(q, "offset", 0, 0, 1<<31-1); err != nil {
		return f, err
	}
	return f, nil
}

func packageHostRow(p store.PackageHost) []string {
	return []string{p.Name, p.Version, p.Arch, p.Hostname, p.Site, p.OSGroup}
}

func (s *Server) apiPackages(w http.ResponseWriter, r *http.Request) {
	f, err := packageQuery(r.URL.Query())
	if err == nil && f.Name == "" {
		err = errors.New("name is needed: a package name, or a prefix ending in *")
	}
	if err != nil {
		apiError(w, http.StatusBadRequest, err.Error())
		return
	}
	if r.URL.Query().Get("format") != "csv" {
		list, total, err := s.store.PackageHosts(r.Context(), scope(r), f)
		if errors.Is(err, store.ErrTooManyPackages) {
			apiError(w, http.StatusBadRequest, store.ErrTooManyPackages.Error())
			return
		}
		if err != nil {
			s.internal(w, "package search", err)
			return
		}
		writeJSON(w, http.StatusOK, PackageHostList{Matches: list, Total: total, Limit: f.Limit, Offset: f.Offset})
		return
	}
	// CSV: the whole view, streamed (limit and offset ignored); the
	// header goes out with the first row, so an error before it is still
	// a clean error answer.
	var cw *csv.Writer
	start := func() {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="packages.csv"`)
		cw = csv.NewWriter(w)
		cw.Write(PackageHostColumns)
	}
	_, err = s.store.EachPackageHost(r.Context(), scope(r), f, func(p store.PackageHost) error {
		if cw == nil {
			start()
		}
		return cw.Write(csvRow(packageHostRow(p)))
	})
	switch {
	case errors.Is(err, store.ErrTooManyPackages):
		apiError(w, http.StatusBadRequest, store.ErrTooManyPackages.Error())
		return
	case err != nil && cw == nil:
		s.internal(w, "package search", err)
		return
	case err != nil:
		// Mid-stream: the status is sent; as the hosts export does, the
		// body ends with an error line a reader sees as a malformed row.
		cw.Flush()
		s.log.Error("package search", "format", "csv", "error", err)
		w.Write([]byte("\nexport failed: internal error\n"))
		return
	}
	if cw == nil {
		start()
	}
	cw.Flush()
}

// packageVersion is one build of a package with the hosts that have it.
type packageVersion struct {
	Name, Version, Arch string
	Hosts               []store.PackageHost
}

func (s *Server) pagePackages(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f, err := packageQuery(q)
	if err != nil {
		s.pageError(w, r, http.StatusBadRequest, err.Error())
		return
	}
	data := map[string]any{"Title": "Packages", "Filter": f}
	if f.Name != "" {
		list, total, err := s.store.PackageHosts(r.Context(), scope(r), f)
		if errors.Is(err, store.ErrTooManyPackages) {
			s.pageError(w, r, http.StatusBadRequest, err.Error())
			return
		}
		if err != nil {
			s.log.Error("packages page", "error", err)
			s.pageError(w, r, http.StatusInternalServerError, "internal error")
			return
		}
		var groups []packageVersion
		hosts := map[string]bool{}
		for _, p := range list {
			if n := len(groups); n == 0 || groups[n-1].Name != p.Name || groups[n-1].Version != p.Version || groups[n-1].Arch != p.Arch {
				groups = append(groups, packageVersion{Name: p.Name, Version: p.Version, Arch: p.Arch})
			}
			g := &groups[len(groups)-1]
			g.Hosts = append(g.Hosts, p)
			hosts[p.Hostname] = true
		}
		v := viewValues(q, []string{"name", "version", "site", "limit"})
		export := viewValues(q, []string{"name", "version", "site"})
		p := newPager(f.Offset, f.Limit, total)
		links := map[string]string{"CSV": withParams("/api/v1/packages", export, "format", "csv")}
		if p.HasPrev {
			links["Prev"] = withParams("/packages", v, "offset", strconv.Itoa(p.PrevOffset))
		}
		if p.HasNext {
			links["Next"] = withParams("/packages", v, "offset", strconv.Itoa(p.NextOff))
		}
		data["Groups"], data["Total"], data["Pager"], data["Links"], data["PageHosts"] = groups, total, p, links, len(hosts)
	}
	sites, err := s.store.Sites(r.Context(), scope(r))
	if err != nil {
		s.log.Error("packages page", "error", err)
		s.pageError(w, r, http.StatusInternalServerError, "internal error")
		return
	}
	data["Sites"] = sites
	s.render(w, r, http.StatusOK, "packages.html", data)
}
