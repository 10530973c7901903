package main

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// nextVersion is the release the snapshots lead to. It is above every
// Perl pakiti-client release (3.0.x), so that our packages upgrade theirs.
const nextVersion = "4.0.0"

// gitState is what the release reads from the repository.
type gitState struct {
	commit string    // full commit id, "+dirty" appended when the tree has changes
	tag    string    // vX.Y.Z tag at HEAD, or ""
	time   time.Time // commit time
	dirty  bool
}

func repoRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == "/dev/null" {
		return "", errors.New("run the release from the repository (no go.mod found)")
	}
	return strings.TrimSuffix(mod, "/go.mod"), nil
}

func git(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(ee.Stderr)))
		}
		return "", fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out)), nil
}

func readGit(ctx context.Context, dir string) (gitState, error) {
	var g gitState
	var err error
	if g.commit, err = git(ctx, dir, "rev-parse", "HEAD"); err != nil {
		return g, err
	}
	ct, err := git(ctx, dir, "log", "-1", "--format=%ct", "HEAD")
	if err != nil {
		return g, err
	}
	if g.time, err = parseEpoch(ct); err != nil {
		return g, err
	}
	tags, err := git(ctx, dir, "tag", "--points-at", "HEAD")
	if err != nil {
		return g, err
	}
	for _, t := range strings.Fields(tags) {
		if releaseTag.MatchString(t) {
			g.tag = t
			break
		}
	}
	status, err := git(ctx, dir, "status", "--porcelain", "--untracked-files=no")
	if err != nil {
		return g, err
	}
	if status != "" {
		g.dirty = true
		g.commit += "+dirty"
	}
	return g, nil
}

var releaseTag = regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+$`)

// versionFor is the tag's version on a clean tagged commit, else
// nextVersion~gitYYYYMMDDHHMMSS.SHORT: "~" sorts before the release in
// both dpkg and rpm, the commit time orders snapshots.
func versionFor(g gitState) string {
	if g.tag != "" && !g.dirty {
		return strings.TrimPrefix(g.tag, "v")
	}
	short := g.commit
	if len(short) > 7 {
		short = short[:7]
	}
	return nextVersion + "~git" + g.time.UTC().Format("20060102150405") + "." + short
}

// checkVersion accepts what both dpkg and rpm take as an upstream version.
func checkVersion(v string) error {
	if !versionRE.MatchString(v) {
		return fmt.Errorf("version %q: want digits first, then letters, digits and . + ~ only", v)
	}
	return nil
}

var versionRE = regexp.MustCompile(`^[0-9][A-Za-z0-9.+~]*$`)

func parseEpoch(s string) (time.Time, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < 0 {
		return time.Time{}, fmt.Errorf("timestamp %q: want seconds since 1970", s)
	}
	return time.Unix(n, 0).UTC(), nil
}
