// Package buildinfo holds the version and commit a binary was built from.
// The release build sets them with
//
//	-ldflags "-X github.com/pakiti-go/pakiti/internal/buildinfo.version=1.2.3
//	          -X github.com/pakiti-go/pakiti/internal/buildinfo.commit=abcdef0..."
//
// A plain `go build` or `go run` sets neither: the version is then "devel"
// and the commit the VCS revision Go recorded in the binary (absent with
// -buildvcs=false or outside a git checkout). It imports only the standard
// library, so that pakiti-client may use it.
package buildinfo

import (
	"runtime/debug"
	"strings"
)

// Set at link time (-X); empty in development builds.
var (
	version string
	commit  string
)

// Info is what a binary knows about its build.
type Info struct {
	Version string // "1.2.3", or "devel" when not set at build time
	Commit  string // full commit id, "" when unknown; "+dirty" appended for a modified tree
}

// Get returns the build's version and commit.
func Get() Info {
	bi, _ := debug.ReadBuildInfo()
	return get(version, commit, bi)
}

func get(version, commit string, bi *debug.BuildInfo) Info {
	in := Info{Version: version, Commit: commit}
	if in.Version == "" {
		in.Version = "devel"
	}
	if in.Commit == "" && bi != nil {
		modified := false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				in.Commit = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if in.Commit != "" && modified {
			in.Commit += "+dirty"
		}
	}
	return in
}

// String is the one line --version prints: "PROG VERSION (commit C)", or
// "PROG VERSION (commit unknown)".
func (in Info) String(prog string) string {
	c := in.Commit
	if c == "" {
		c = "unknown"
	}
	return strings.Join([]string{prog, in.Version, "(commit " + c + ")"}, " ")
}
