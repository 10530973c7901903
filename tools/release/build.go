package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// archNames maps GOARCH to the architecture names of Debian and RPM.
var archNames = map[string]struct{ deb, rpm string }{
	"amd64": {"amd64", "x86_64"},
	"arm64": {"arm64", "aarch64"},
}

func knownArches() []string {
	var a []string
	for k := range archNames {
		a = append(a, k)
	}
	sort.Strings(a)
	return a
}

const buildinfoPkg = "github.com/pakiti-go/pakiti/internal/buildinfo"

// buildBinary builds ./cmd/NAME for linux/arch into dir/NAME, static and
// reproducible: -trimpath drops the build machine's paths, -buildid= the
// build id, -buildvcs=false the VCS stamp (the commit is set with -X).
func buildBinary(ctx context.Context, c config, name, arch, dir string) (string, error) {
	out := filepath.Join(dir, name)
	ldflags := strings.Join([]string{
		"-s", "-w", "-buildid=",
		"-X", buildinfoPkg + ".version=" + c.version,
		"-X", buildinfoPkg + ".commit=" + c.commit,
	}, " ")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false",
		"-ldflags="+ldflags, "-o", out, "./cmd/"+name)
	cmd.Dir = c.repo
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch, "GOFLAGS=")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/%s for %s: %v\n%s", name, arch, err, b)
	}
	return out, nil
}
