// Command release builds every artefact of a Pakiti release into one
// directory, reproducibly:
//
//	go run ./tools/release -out dist
//
// For each architecture (-arch, default amd64,arm64) it builds pakiti and
// pakiti-client (static, -trimpath, no build id, the version and commit
// set in internal/buildinfo), and writes
//
//   - pakiti-client_V-1_ARCH.deb, pakiti-client-V-1.RPMARCH.rpm: the client
//     with its man page, /etc/pakiti/client.conf, a systemd service and
//     timer and a cron file;
//   - pakiti_V-1_ARCH.deb, pakiti-V-1.RPMARCH.rpm: the server with its
//     hardened systemd unit and /etc/pakiti/pakiti.env;
//   - pakiti-client_V_linux_ARCH.tar.gz: the relocatable client directory
//     (CVMFS, shared file systems); pakiti_V_linux_ARCH.tar.gz: the server
//     binary, its man page and unit files (deploy/Containerfile builds the
//     image from it);
//   - sbom.cdx.json: a CycloneDX 1.5 SBOM of the binaries, read from the
//     build information Go embeds in them;
//   - SHA256SUMS of all of the above.
//
// Every timestamp is the commit time (or SOURCE_DATE_EPOCH), so that two
// runs on the same commit give byte-identical files. The version is the
// tag at HEAD (vX.Y.Z), else a snapshot version that sorts before
// nextVersion and after every Perl pakiti-client release (3.x).
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"
)

// config is what one release run builds.
type config struct {
	out        string
	repo       string // repository root (holds go.mod)
	version    string
	commit     string
	mtime      time.Time
	arches     []string
	maintainer string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(ctx, os.Args[1:], log); err != nil {
		fmt.Fprintln(os.Stderr, "release:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, log *slog.Logger) error {
	fs := flag.NewFlagSet("release", flag.ContinueOnError)
	out := fs.String("out", "dist", "directory to write the release into (created; must be empty if it exists)")
	version := fs.String("version", "", "version (default: the vX.Y.Z tag at HEAD, else a snapshot version)")
	arches := fs.String("arch", "amd64,arm64", "GOARCH values, comma-separated")
	maintainer := fs.String("maintainer", "Pakiti maintainers <pakiti@pakiti-go.invalid>", "package maintainer")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	repo, err := repoRoot(ctx)
	if err != nil {
		return err
	}
	g, err := readGit(ctx, repo)
	if err != nil {
		return err
	}
	c := config{
		repo:       repo,
		version:    *version,
		commit:     g.commit,
		mtime:      g.time,
		maintainer: *maintainer,
	}
	if c.version == "" {
		c.version = versionFor(g)
	}
	if err := checkVersion(c.version); err != nil {
		return err
	}
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		if c.mtime, err = parseEpoch(s); err != nil {
			return err
		}
	}
	for _, a := range strings.Split(*arches, ",") {
		if _, ok := archNames[a]; !ok {
			return fmt.Errorf("-arch %q: want some of %s", a, strings.Join(knownArches(), ","))
		}
		c.arches = append(c.arches, a)
	}
	if c.out, err = filepath.Abs(*out); err != nil {
		return err
	}
	if err := emptyDir(c.out); err != nil {
		return err
	}
	log.Info("release", "version", c.version, "commit", c.commit, "mtime", c.mtime.UTC().Format(time.RFC3339), "arches", strings.Join(c.arches, ","), "out", c.out)
	start := time.Now()
	if err := release(ctx, c, log); err != nil {
		return err
	}
	log.Info("release done", "seconds", time.Since(start).Seconds())
	return nil
}

// emptyDir creates dir, or checks that it is empty.
func emptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		return err
	}
	if len(entries) > 0 {
		return fmt.Errorf("-out %s is not empty", dir)
	}
	return nil
}
