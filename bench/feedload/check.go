package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/web"
)

// CheckResult says whether a server holds every acknowledged report.
type CheckResult struct {
	Server       string `json:"server"`
	AckedReports int    `json:"acked_reports"`
	Hosts        int    `json:"hosts"`   // distinct acknowledged hosts
	Present      int    `json:"present"` // hosts found with an expected package set
	MissingCount int    `json:"missing"`
	// Missing and Mismatched list the first maxListed of each.
	Missing         []string   `json:"missing_hosts,omitempty"`
	MismatchedCount int        `json:"mismatched"`
	Mismatched      []Mismatch `json:"mismatched_hosts,omitempty"`
}

// Mismatch is a host whose stored package set is not one its last
// acknowledged report may have left.
type Mismatch struct {
	Host string  `json:"host"`
	Want []setID `json:"want"`
	Got  setID   `json:"got"`
}

// OK says whether every acknowledged host is present with its set.
func (c *CheckResult) OK() bool { return c.MissingCount == 0 && c.MismatchedCount == 0 }

const maxListed = 100

// maxPages bounds the listing loop whatever total the server claims.
const maxPages = 10000

// check reads the hosts of the acknowledged reports' sites from the
// server's API (GET /api/v1/hosts?site=S, paged by store.MaxLimit) and
// verifies each acknowledged host has the package count and set hash of
// its last acknowledged report. A host the listing lacks or shows with
// another set is read again alone (GET /api/v1/hosts/{hostname}) before
// it is reported, so a listing that moved while it was paged does not
// give a false alarm.
func check(ctx context.Context, client *http.Client, base string, recs []Acked) (*CheckResult, error) {
	want := expected(recs)
	res := &CheckResult{Server: base, AckedReports: len(recs), Hosts: len(want)}
	var sites []string
	for _, r := range recs {
		if !slices.Contains(sites, r.Site) {
			sites = append(sites, r.Site)
		}
	}
	got := map[string]setID{}
	for _, site := range sites {
		for page, offset := 0, 0; ; page++ {
			if page >= maxPages {
				return nil, fmt.Errorf("host listing of site %s goes beyond %d pages", site, maxPages)
			}
			q := url.Values{"limit": {strconv.Itoa(store.MaxLimit)}, "offset": {strconv.Itoa(offset)}, "sort": {"hostname"}}
			if site != "" {
				q.Set("site", site)
			}
			var l web.HostList
			if _, err := getJSON(ctx, client, base+"/api/v1/hosts?"+q.Encode(), &l); err != nil {
				return nil, err
			}
			for _, h := range l.Hosts {
				got[h.Hostname] = setID{h.Packages, h.PackageSetHash}
			}
			offset += len(l.Hosts)
			if len(l.Hosts) == 0 || offset >= l.Total {
				break
			}
		}
	}
	for _, host := range slices.Sorted(maps.Keys(want)) {
		sets := want[host]
		g, ok := got[host]
		if !ok || !containsSet(sets, g) {
			var d web.HostDetail
			status, err := getJSON(ctx, client, base+"/api/v1/hosts/"+url.PathEscape(host), &d)
			switch {
			case status == http.StatusNotFound:
				ok = false
			case err != nil:
				return nil, err
			default:
				ok, g = true, setID{d.Host.Packages, d.Host.PackageSetHash}
			}
		}
		switch {
		case !ok:
			res.MissingCount++
			if len(res.Missing) < maxListed {
				res.Missing = append(res.Missing, host)
			}
		case !containsSet(sets, g):
			res.MismatchedCount++
			if len(res.Mismatched) < maxListed {
				res.Mismatched = append(res.Mismatched, Mismatch{Host: host, Want: sets, Got: g})
			}
		default:
			res.Present++
		}
	}
	return res, nil
}

// getJSON decodes a 200 answer into v; any other status is an error
// (returned with the status).
func getJSON(ctx context.Context, client *http.Client, u string, v any) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return resp.StatusCode, fmt.Errorf("GET %s: %s: %s", u, resp.Status, clip(string(b)))
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return resp.StatusCode, fmt.Errorf("GET %s: %v", u, err)
	}
	return resp.StatusCode, nil
}

// printCheck writes the check's summary and its first problems.
func printCheck(w io.Writer, c *CheckResult) {
	fmt.Fprintf(w, "check %s: %d acknowledged reports, %d hosts: %d present, %d missing, %d with another package set\n",
		c.Server, c.AckedReports, c.Hosts, c.Present, c.MissingCount, c.MismatchedCount)
	for _, h := range c.Missing {
		fmt.Fprintf(w, "  missing %s\n", h)
	}
	for _, m := range c.Mismatched {
		fmt.Fprintf(w, "  mismatched %s: has %d packages (set %.12s), want %v\n", m.Host, m.Got.Packages, m.Got.Hash, m.Want)
	}
}
