package alpine

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// osGroupPrefix starts every Alpine OS group.
const osGroupPrefix = "alpine:"

// SecdbURL is where the Alpine secdb serves a branch's files; %s is the
// branch ("v3.22") and the repository ("main" or "community").
const SecdbURL = "https://secdb.alpinelinux.org/%s/%s.json"

// Repositories are the secdb files of a branch. The secdb has no file for
// testing (edge only).
var Repositories = []string{"main", "community"}

// Branch is one Alpine stable branch.
type Branch struct {
	Name     string    // as the secdb names it: "v3.22"
	Released time.Time // first release of the branch (x.y.0)
	MainEOL  time.Time // end of security support of its main repository
}

// tableDate is the day the branch table was last checked; Supported
// counts a branch as supported when its main repository is supported on
// that day, so the default locations do not change with the clock.
var tableDate = date("2026-11-30")

// Branches are Alpine's stable branches from v3.10, oldest first, with
// the dates of https://alpinelinux.org/releases/ (main repository: two
// years; community: until the next release). v3.24, planned for May 2026,
// is not listed: its release could not be confirmed when the table was
// written, and a branch the secdb does not serve would make every default
// import fail. Add it (and later ones) here when they are out.
var Branches = []Branch{
	{"v3.10", date("2019-06-19"), date("2021-05-01")},
	{"v3.11", date("2019-12-19"), date("2021-11-01")},
	{"v3.12", date("2020-05-29"), date("2022-05-01")},
	{"v3.13", date("2021-01-14"), date("2022-11-01")},
	{"v3.14", date("2021-06-15"), date("2023-05-01")},
	{"v3.15", date("2021-11-24"), date("2023-11-01")},
	{"v3.16", date("2022-05-23"), date("2024-05-23")},
	{"v3.17", date("2022-11-22"), date("2024-11-22")},
	{"v3.18", date("2023-05-09"), date("2025-05-09")},
	{"v3.19", date("2023-12-07"), date("2025-11-01")},
	{"v3.20", date("2024-05-22"), date("2026-04-01")},
	{"v3.21", date("2024-12-05"), date("2026-11-01")},
	{"v3.22", date("2025-05-30"), date("2027-05-01")},
	{"v3.23", date("2025-12-03"), date("2027-11-01")},
}

func date(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// Supported lists the branches whose main repository was supported on the
// day the table was checked (v3.22 and v3.23 on 2026-11-30).
func Supported() []Branch {
	var s []Branch
	for _, b := range Branches {
		if !b.MainEOL.Before(tableDate) {
			s = append(s, b)
		}
	}
	return s
}

// URLs are the secdb files (main.json and community.json) of the given
// branches ("v3.20", "3.20" or "alpine:3.20"; "edge" too).
func URLs(branches ...string) ([]string, error) {
	var urls []string
	for _, b := range branches {
		b = strings.TrimPrefix(b, osGroupPrefix)
		if b != "edge" && !strings.HasPrefix(b, "v") {
			b = "v" + b
		}
		if !branchRE.MatchString(b) && b != "edge" {
			return nil, fmt.Errorf("%q is not an Alpine branch (want v3.NN or edge)", b)
		}
		for _, r := range Repositories {
			urls = append(urls, fmt.Sprintf(SecdbURL, b, r))
		}
	}
	return urls, nil
}

// branchRE is a stable branch as the secdb's distroversion writes it.
var branchRE = regexp.MustCompile(`^v([0-9]{1,3}\.[0-9]{1,3})$`)

// OSGroup maps the secdb's distroversion to an OS group: "v3.20" gives
// "alpine:3.20" (what internal/osgroup makes of "Alpine Linux 3.20.2"), and
// "edge" gives "alpine:edge". No host maps to alpine:edge today: an edge
// host's os-release says VERSION_ID=3.NN_alphaDATE, which the OS-group
// rules read as the coming release. Any vN.M is accepted, listed in
// Branches or not (the secdb keeps old branches); anything else is false.
func OSGroup(distroversion string) (string, bool) {
	if distroversion == "edge" {
		return osGroupPrefix + "edge", true
	}
	m := branchRE.FindStringSubmatch(distroversion)
	if m == nil {
		return "", false
	}
	return osGroupPrefix + m[1], true
}
