package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/pakiti-go/pakiti/internal/model"
)

// Acked is one line of the -acked file: a report a server answered OK,
// with the package-set identity it carried (what the server's host
// listing shows as packages and package_set_hash).
type Acked struct {
	Host           string    `json:"host"`
	Site           string    `json:"site"`
	Phase          string    `json:"phase"`
	Server         string    `json:"server"`
	Packages       int       `json:"packages"`
	PackageSetHash string    `json:"package_set_hash"`
	Sent           time.Time `json:"sent"`
	Acked          time.Time `json:"acked"`
}

// ackedRecords turns a phase's acknowledgements into -acked lines. The
// hashes are computed here, after the phase, not while it is timed.
func ackedRecords(r phaseRun, targets []target, base []model.Package, site string) []Acked {
	type id struct {
		n    int
		hash string
	}
	ids := map[int]id{}
	out := make([]Acked, 0, len(r.acks))
	for _, a := range r.acks {
		v, ok := ids[a.vary]
		if !ok {
			v.n, v.hash = setIdentity(base, a.vary)
			if a.vary < 0 {
				ids[a.vary] = v // only the shared set repeats
			}
		}
		out = append(out, Acked{Host: a.host, Site: site, Phase: r.name, Server: targets[a.server].Feed,
			Packages: v.n, PackageSetHash: v.hash, Sent: a.sent, Acked: a.acked})
	}
	return out
}

func writeAcked(w io.Writer, recs []Acked) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	for _, r := range recs {
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// maxAckedLine bounds one line of an -acked file.
const maxAckedLine = 64 << 10

func readAcked(r io.Reader) ([]Acked, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxAckedLine)
	var out []Acked
	for line := 1; sc.Scan(); line++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var a Acked
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			return nil, fmt.Errorf("acked line %d: %v", line, err)
		}
		if a.Host == "" {
			return nil, fmt.Errorf("acked line %d: no host", line)
		}
		out = append(out, a)
	}
	return out, sc.Err()
}

// setID is a package set as the server lists it.
type setID struct {
	Packages int    `json:"packages"`
	Hash     string `json:"package_set_hash"`
}

// expected returns, per host, the package sets it may hold now: those of
// its acknowledged reports that may have been stored last. A report r may
// be the last stored unless another report of the host was sent after r
// was acknowledged (that one was stored after r). With no overlapping
// sends this is exactly the last acknowledged report.
func expected(recs []Acked) map[string][]setID {
	byHost := map[string][]Acked{}
	for _, r := range recs {
		byHost[r.Host] = append(byHost[r.Host], r)
	}
	out := make(map[string][]setID, len(byHost))
	for host, rs := range byHost {
		// The latest and second-latest send times: the latest send of the
		// others is first, unless r is that send itself.
		first, second := -1, -1
		for i, r := range rs {
			switch {
			case first < 0 || r.Sent.After(rs[first].Sent):
				first, second = i, first
			case second < 0 || r.Sent.After(rs[second].Sent):
				second = i
			}
		}
		var sets []setID
		for i, r := range rs {
			other := first
			if i == first {
				other = second
			}
			if other >= 0 && rs[other].Sent.After(r.Acked) {
				continue
			}
			s := setID{r.Packages, r.PackageSetHash}
			if !containsSet(sets, s) {
				sets = append(sets, s)
			}
		}
		out[host] = sets
	}
	return out
}

func containsSet(sets []setID, s setID) bool {
	for _, x := range sets {
		if x == s {
			return true
		}
	}
	return false
}
