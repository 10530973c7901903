package web

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/store"
)

// hostQuery reads the host-listing parameters shared by the API and the
// page: site, q, limit, offset.
func hostQuery(q url.Values) (store.HostFilter, error) {
	f := store.HostFilter{Site: q.Get("site"), Tag: q.Get("tag"), Query: q.Get("q"), CVE: model.NormalizeID(q.Get("cve")), CVETag: q.Get("cve_tag"),
		OSGroup: q.Get("os_group"), OS: q.Get("os"), Status: q.Get("status"), Sort: q.Get("sort"), DataState: q.Get("data_state")}
	if _, ok := store.HostSorts[f.Sort]; f.Sort != "" && !ok {
		return f, fmt.Errorf("sort must be one of %s (- first for descending)", strings.Join(hostSortKeys, ", "))
	}
	f.Severity = q.Get("severity")
	if f.Status != "" && !slices.Contains(store.HostStatuses, f.Status) {
		return f, fmt.Errorf("status must be one of %s", strings.Join(store.HostStatuses, ", "))
	}
	if d := strings.TrimSuffix(f.Status, "-data"); d != f.Status && f.DataState != "" && f.DataState != d {
		return f, fmt.Errorf("status %s and data_state %s exclude each other", f.Status, f.DataState)
	}
	if f.Status == "clean" && f.DataState != "" && f.DataState != model.DataComplete {
		return f, fmt.Errorf("status clean and data_state %s exclude each other (clean needs complete data)", f.DataState)
	}
	if f.Severity != "" && !slices.Contains(store.HostSeverities, f.Severity) {
		return f, fmt.Errorf("severity must be one of %s", strings.Join(store.HostSeverities, ", "))
	}
	if f.DataState != "" && !slices.Contains(store.DataStateNames, f.DataState) {
		return f, fmt.Errorf("data_state must be one of %s", strings.Join(store.DataStateNames, ", "))
	}
	var err error
	if f.Activity, err = store.ParseActivity(q.Get("activity")); err != nil {
		return f, err
	}
	f.Stale = q.Get("stale") == "1"
	if f.Exploited, err = flagParam(q, "exploited"); err != nil {
		return f, err
	}
	if f.Limit, err = intParam(q, "limit", store.DefaultLimit, 1, store.MaxLimit); err != nil {
		return f, err
	}
	if f.Offset, err = intParam(q, "offset", 0, 0, 1<<31-1); err != nil {
		return f, err
	}
	if len(f.Site) > 256 || len(f.Query) > 256 || len(f.CVE) > 64 || len(f.OSGroup) > 64 || len(f.CVETag) > 128 || len(f.OS) > 256 {
		return f, fmt.Errorf("site, q and os take at most 256 bytes, cve and os_group 64, cve_tag 128")
	}
	return f, nil
}

// flagParam reads a yes/no parameter: "1" is yes, "" and "0" no.
func flagParam(q url.Values, name string) (bool, error) {
	switch q.Get(name) {
	case "", "0":
		return false, nil
	case "1":
		return true, nil
	}
	return false, fmt.Errorf("%s must be 1 or 0", name)
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

// hostSortKeys are the columns a host listing sorts on, ascending.
var hostSortKeys = []string{"hostname", "site", "tag", "os", "kernel", "arch", "packages", "vulnerable", "cves", "tagged", "reports", "last_report"}

// hostFilterKeys are the query parameters that make a host view: kept by
// the sort, paging and export links.
var hostFilterKeys = []string{"site", "tag", "q", "cve", "cve_tag", "os_group", "os", "status", "severity", "activity", "stale", "exploited", "data_state", "inline", "sort", "limit"}

// column is a header of a listing table: its label, and when it sorts,
// the link that sorts by it and the state a screen reader and the arrow
// tell (aria-sort: ascending, descending, none).
type column struct {
	Label, Title string
	Num          bool
	URL          string // "": the column does not sort
	Aria, Arrow  string
}

// viewValues keeps the parameters of q among keys, non-empty.
func viewValues(q url.Values, keys []string) url.Values {
	v := url.Values{}
	for _, k := range keys {
		if s := q.Get(k); s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// withParams returns path?v with the given key/value pairs set ("" drops
// a key).
func withParams(path string, v url.Values, kv ...string) string {
	out := url.Values{}
	for k, s := range v {
		out[k] = append([]string(nil), s...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			out.Del(kv[i])
		} else {
			out.Set(kv[i], kv[i+1])
		}
	}
	if len(out) == 0 {
		return path
	}
	return path + "?" + out.Encode()
}

// sortColumns returns the headers of a listing sorted by current (a key,
// "-" first for descending; "" is def). A column's first click sorts
// ascending, numbers and dates descending (firstDesc); a click on the
// sorted column turns its direction.
func sortColumns(path string, v url.Values, current, def string, cols []column, keys []string, firstDesc map[string]bool) []column {
	if current == "" {
		current = def
	}
	out := make([]column, len(cols))
	for i, c := range cols {
		key := keys[i]
		if key == "" {
			out[i] = c
			continue
		}
		next := key
		if firstDesc[key] {
			next = "-" + key
		}
		c.Aria = "none"
		switch current {
		case key:
			c.Aria, c.Arrow, next = "ascending", "▲", "-"+key
		case "-" + key:
			c.Aria, c.Arrow, next = "descending", "▼", key
		}
		c.URL = withParams(path, v, "sort", next, "offset", "")
		out[i] = c
	}
	return out
}

// hostTableColumns are the hosts table's headers and their sort keys.
var hostTableColumns = []column{{Label: "Host"}, {Label: "Site"}, {Label: "Tag"}, {Label: "OS"}, {Label: "Kernel"},
	{Label: "Arch"}, {Label: "Packages", Num: true}, {Label: "Vulnerable", Num: true, Title: "installed packages with an open finding"},
	{Label: "CVEs", Num: true}, {Label: "Tagged", Num: true, Title: "open CVEs carrying an enabled tag (a CVE with two tags counts once), excepted ones left out"},
	{Label: "Reports", Num: true, Title: "reports the host sent, all of them (the report history keeps fewer)"}, {Label: "Last report"}}

var hostTableKeys = []string{"hostname", "site", "tag", "os", "kernel", "arch", "packages", "vulnerable", "cves", "tagged", "reports", "last_report"}

var descFirst = map[string]bool{"packages": true, "vulnerable": true, "cves": true, "tagged": true, "reports": true, "last_report": true, "hosts": true, "severity": true}

// hostListing returns what the hosts page needs beyond the listing: the
// sortable headers, the export and paging links of the view q.
func hostListing(q url.Values, f store.HostFilter, total int) map[string]any {
	v := viewValues(q, hostFilterKeys)
	export := viewValues(q, hostFilterKeys)
	export.Del("limit")
	p := newPager(f.Offset, f.Limit, total)
	links := map[string]string{
		"CSV":  withParams("/api/v1/hosts", export, "format", "csv"),
		"JSON": withParams("/api/v1/hosts", export, "all", "1"),
	}
	if p.HasPrev {
		links["Prev"] = withParams("/hosts", v, "offset", strconv.Itoa(p.PrevOffset))
	}
	if p.HasNext {
		links["Next"] = withParams("/hosts", v, "offset", strconv.Itoa(p.NextOff))
	}
	return map[string]any{
		"Columns":    sortColumns("/hosts", v, f.Sort, "hostname", hostTableColumns, hostTableKeys, descFirst),
		"Links":      links,
		"DataStates": store.DataStateNames,
		"Severities": store.HostSeverities,
		"Activity":   q.Get("activity"),
	}
}
