package web

import (
	"fmt"
	"net/url"
	"strconv"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/store"
)

// hostQuery reads the host-listing parameters shared by the API and the
// page: site, q, limit, offset.
func hostQuery(q url.Values) (store.HostFilter, error) {
	f := store.HostFilter{Site: q.Get("site"), Query: q.Get("q"), CVE: model.NormalizeID(q.Get("cve")), CVETag: q.Get("cve_tag"), OSGroup: q.Get("os_group"), Status: q.Get("status"), Sort: q.Get("sort")}
	if _, ok := store.HostSorts[f.Sort]; f.Sort != "" && !ok {
		return f, fmt.Errorf("sort must be one of hostname, site, os, cves, last_report (- first for descending)")
	}
	var err error
	if f.Activity, err = store.ParseActivity(q.Get("activity")); err != nil {
		return f, err
	}
	f.Stale = q.Get("stale") == "1"
	if f.Limit, err = intParam(q, "limit", store.DefaultLimit, 1, store.MaxLimit); err != nil {
		return f, err
	}
	if f.Offset, err = intParam(q, "offset", 0, 0, 1<<31-1); err != nil {
		return f, err
	}
	if len(f.Site) > 256 || len(f.Query) > 256 || len(f.CVE) > 64 || len(f.OSGroup) > 64 || len(f.CVETag) > 128 {
		return f, fmt.Errorf("site and q take at most 256 bytes, cve and os_group 64, cve_tag 128")
	}
	return f, nil
}

func intParam(q url.Values, name string, def, lo, hi int) (int, error) {
	s := q.Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%s must be a whole number from %d to %d", name, lo, hi)
	}
	return n, nil
}
