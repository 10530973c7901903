package collect

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/report"
)

// RPMQueryFormat is the --queryformat Collect gives rpm -qa: the Perl
// client's columns (name, epoch:version-release, arch), the source RPM's
// file name and the module build's MODULARITYLABEL ("(none)" for a
// package built outside a module).
const RPMQueryFormat = `%{NAME}\t%{EPOCH}:%{VERSION}-%{RELEASE}\t%{ARCH}\t%{SOURCERPM}\t%{MODULARITYLABEL}\n`

// RPMQueryFormatNoModules is the query format for an rpm that does not
// know the MODULARITYLABEL tag (before 4.14: RHEL 7 and older, which have
// no modules).
const RPMQueryFormatNoModules = `%{NAME}\t%{EPOCH}:%{VERSION}-%{RELEASE}\t%{ARCH}\t%{SOURCERPM}\n`

// rpmTimeout bounds rpm -qa, which can hang on a stale database lock.
const rpmTimeout = 5 * time.Minute

// rpmDBDirs are where rpm keeps its database: the classic place, and the
// one of Fedora 36+, openSUSE and SLES 16 (where /var/lib/rpm is a link).
var rpmDBDirs = []string{"/var/lib/rpm", "/usr/lib/sysimage/rpm"}

// rpmDBFiles are the database files of rpm's backends: BerkeleyDB, NDB, SQLite.
var rpmDBFiles = []string{"Packages", "Packages.db", "rpmdb.sqlite"}

// rpmDBDir returns the rpm database directory of the inspected system, with
// symbolic links resolved inside it, or "".
func rpmDBDir(fsys rootFS) string {
	for _, d := range rpmDBDirs {
		for _, f := range rpmDBFiles {
			if fsys.isFile(path.Join(d, f)) {
				p, err := fsys.path(d)
				if err != nil {
					continue
				}
				if fsys.live() {
					return p
				}
				rel, err := filepath.Rel(fsys.root, p)
				if err != nil || strings.HasPrefix(rel, "..") {
					continue
				}
				return "/" + filepath.ToSlash(rel)
			}
		}
	}
	return ""
}

// findCommand returns explicit when set, else the first executable name in
// the Perl client's fixed search path.
func findCommand(explicit, name string) string {
	if explicit != "" {
		return explicit
	}
	for _, dir := range []string{"/bin", "/usr/bin", "/sbin", "/usr/sbin"} {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}

// rpmPackages runs rpm -qa. On the running system it is what the Perl
// client runs; under a root directory rpm is given --root and the database
// directory found there (withDBPath), since the machine's own rpm may keep
// its database elsewhere (Debian's rpm uses ~/.rpmdb). rpm picks the
// database backend from the files it finds (rpm 4.16 and later); an rpm
// that cannot read the format lists nothing, which is reported as an error.
// Note that rpm may create lock or SQLite journal files in the database
// directory it reads.
func rpmPackages(ctx context.Context, fsys rootFS, o *Options, withDBPath bool) ([]model.Package, error) {
	cmd := findCommand(o.RPM, "rpm")
	dbDir := rpmDBDir(fsys)
	if cmd == "" {
		return nil, fmt.Errorf("rpm: %s holds an rpm database but no rpm command was found (install rpm, or give its path)", fsys.display(dbDir))
	}
	var args []string
	if !fsys.live() {
		args = append(args, "--root", fsys.root)
		if withDBPath && dbDir != "" {
			args = append(args, "--dbpath", dbDir)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, rpmTimeout)
	defer cancel()
	stdout, stderr, err := runRPMQuery(ctx, cmd, args, RPMQueryFormat, o)
	if (err != nil || stdout.Len() == 0) && strings.Contains(stderr.String(), "MODULARITYLABEL") {
		// An rpm older than 4.14 refuses the tag ("error: incorrect
		// format: unknown tag", printing nothing; rpm 4.18 exits 0 on an
		// unknown tag): ask again without it.
		o.debugf("this rpm does not know MODULARITYLABEL: listing without module labels")
		stdout, stderr, err = runRPMQuery(ctx, cmd, args, RPMQueryFormatNoModules, o)
	}
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return nil, fmt.Errorf("rpm -qa: no answer within %s (a stale rpm database lock?)", rpmTimeout)
		}
		msg := firstLine(stderr.String())
		if msg != "" {
			return nil, fmt.Errorf("rpm -qa: %v: %s", err, msg)
		}
		return nil, fmt.Errorf("rpm -qa: %w", err)
	}
	pkgs, bad := parseRPMQuery(stdout)
	if len(bad) > 0 {
		o.warnf("rpm: skipped %d unparsable lines of rpm -qa output (first: %q)", len(bad), clip(bad[0], 120))
	}
	if len(pkgs) == 0 && dbDir != "" {
		msg := firstLine(stderr.String())
		if msg == "" {
			msg = "the database format may be one this rpm cannot read"
		}
		return nil, fmt.Errorf("rpm -qa listed no packages from %s: %s", fsys.display(dbDir), msg)
	}
	return pkgs, nil
}

// runRPMQuery runs rpm -qa with args and the query format.
func runRPMQuery(ctx context.Context, cmd string, args []string, format string, o *Options) (stdout, stderr *bytes.Buffer, err error) {
	args = append(append([]string(nil), args...), "-qa", "--queryformat", format)
	o.debugf("running %s %s", cmd, strings.Join(args, " "))
	stdout, stderr = &bytes.Buffer{}, &bytes.Buffer{}
	c := exec.CommandContext(ctx, cmd, args...)
	c.Stdout, c.Stderr = stdout, stderr
	return stdout, stderr, c.Run()
}

// parseRPMQuery reads the output of rpm -qa --queryformat RPMQueryFormat
// and returns the packages as the Perl client reports them: "(none):" in
// the version made "0:", gpg-pubkey entries dropped. An arch of "(none)"
// is kept as rpm printed it (the Perl client does the same). The source
// package comes from SOURCERPM (name-version-release.src.rpm): its name,
// and epoch:version-release with the binary package's epoch; when rpm
// printed no SOURCERPM ("(none)"), the source is left unknown. A fifth
// column is the MODULARITYLABEL, kept as the module stream "name:stream"
// ("(none)" or a label that is not name:stream[:...] leaves it unknown).
// Lines of three columns (the Perl client's query format) are accepted
// without source. Lines that do not fit are returned in bad, never a crash.
func parseRPMQuery(r io.Reader) (pkgs []model.Package, bad []string) {
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadString('\n')
		if line != "" {
			line = strings.TrimRight(line, "\r\n")
			if line != "" {
				p, ok, drop := parseRPMLine(line)
				switch {
				case drop:
				case ok:
					pkgs = append(pkgs, p)
				default:
					bad = append(bad, line)
				}
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				bad = append(bad, "read error: "+err.Error())
			}
			return pkgs, bad
		}
	}
}

// parseRPMLine parses one line of rpm -qa output. drop is true for the
// entries the Perl client leaves out (gpg-pubkey).
func parseRPMLine(line string) (p model.Package, ok, drop bool) {
	f := strings.Split(line, "\t")
	if len(f) < 3 || len(f) > 5 {
		return p, false, false
	}
	name, evr, arch := f[0], f[1], f[2]
	if name == "gpg-pubkey" {
		return p, false, true
	}
	if !validField(name) || !validField(arch) {
		return p, false, false
	}
	if rest, found := strings.CutPrefix(evr, "(none):"); found {
		evr = "0:" + rest
	}
	epoch, vr, found := strings.Cut(evr, ":")
	if !found || !isDigits(epoch) || !validField(vr) {
		return p, false, false
	}
	if v, r, found := strings.Cut(vr, "-"); !found || v == "" || r == "" {
		return p, false, false
	}
	p = model.Package{Name: name, Version: evr, Arch: arch}
	if len(f) >= 4 {
		if sn, sv, ok := parseSourceRPM(f[3], epoch); ok {
			p.SourceName, p.SourceVersion = sn, sv
		}
	}
	if len(f) == 5 && f[4] != "(none)" {
		if m, ok := report.ModuleStream(f[4]); ok && validField(m) {
			p.Module = m
		}
	}
	return p, true, false
}

// parseSourceRPM splits a SOURCERPM value ("bash-5.1.8-9.el9.src.rpm") into
// the source package name ("bash") and epoch:version-release
// ("0:5.1.8-9.el9", epoch given). Version and release are the last two
// dash-separated parts, as in any rpm file name.
func parseSourceRPM(s, epoch string) (name, evr string, ok bool) {
	base, found := strings.CutSuffix(s, ".src.rpm")
	if !found {
		if base, found = strings.CutSuffix(s, ".nosrc.rpm"); !found {
			return "", "", false
		}
	}
	i := strings.LastIndexByte(base, '-')
	if i <= 0 {
		return "", "", false
	}
	rel := base[i+1:]
	base = base[:i]
	j := strings.LastIndexByte(base, '-')
	if j <= 0 {
		return "", "", false
	}
	name, ver := base[:j], base[j+1:]
	if !validField(name) || !validField(ver) || !validField(rel) {
		return "", "", false
	}
	return name, epoch + ":" + ver + "-" + rel, true
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// firstLine returns the first non-empty line of s, trimmed.
func firstLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			return l
		}
	}
	return ""
}

// clip shortens s for a message.
func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
