// Package collect is the client side of Pakiti: it finds the package
// manager of a Linux system (the running one, or one mounted under a root
// directory), lists the installed packages with their source packages,
// gathers the host facts the report header carries (host name, OS, kernel,
// architecture, CPU, pending reboot), reads the Perl pakiti-client's
// configuration file and sends the report to a Pakiti server.
//
// It imports only the standard library and our own standard-library-only
// packages (report, model), so that pakiti-client stays a small static
// binary. Package lists come from the package databases themselves: the
// dpkg status file and the apk installed database are parsed directly (no
// dpkg-query needed, and it works under a root directory); rpm databases are
// read by running the rpm command, as their formats (BerkeleyDB, NDB,
// SQLite) are rpm's business.
package collect

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/report"
)

// Packagers Collect knows, as the report's packager header names them.
const (
	PackagerRPM  = "rpm"
	PackagerDpkg = "dpkg"
	PackagerAPK  = "apk"
)

// Options tells Collect what to look at and what to put in the header.
type Options struct {
	// Root is the system to inspect: "" or "/" for the running system,
	// else the directory where a system image, container root file system
	// or chroot is mounted. Under a root directory the running kernel, CPU
	// and architecture say nothing about that system: the kernel is taken
	// from the newest installed kernel package, the architecture from the
	// packages' architecture, and the CPU is left out.
	Root string

	// Host is the host name to report (pakiti-client --host). When empty,
	// the running system's name is the one `hostname --fqdn` prints; under
	// a root directory it is the first line of ROOT/etc/hostname, and
	// Collect fails when that file is missing.
	Host string

	Site string // site header (pakiti-client --site)
	Tag  string // tag header (pakiti-client --tag)

	// Packager forces a package manager ("rpm", "dpkg" or "apk") instead
	// of finding it.
	Packager string

	// RPM is the rpm command to run; when empty it is looked for in /bin,
	// /usr/bin, /sbin and /usr/sbin like the Perl client does.
	RPM string

	// Warnf, when set, receives warnings: lines skipped in the package
	// manager's output, facts that could not be found. Nil discards them.
	Warnf func(format string, args ...any)

	// Debugf, when set, receives what Collect looked at and found.
	Debugf func(format string, args ...any)
}

func (o *Options) warnf(format string, args ...any) {
	if o.Warnf != nil {
		o.Warnf(format, args...)
	}
}

func (o *Options) debugf(format string, args ...any) {
	if o.Debugf != nil {
		o.Debugf(format, args...)
	}
}

// Collect inspects the system o describes and returns its report: header
// facts found the Perl pakiti-client's way (see osinfo.go, host.go,
// kernel.go) and the sorted list of installed packages with their source
// packages. Format the result with report.Format: protocol 5 gives what the
// Perl client prints for the same system (facts it does not know, such as
// cpu, aside), protocol 6 adds the source and module columns, the
// os-release keys and the enabled module streams (modules.go).
func Collect(ctx context.Context, o Options) (*report.Report, error) {
	fsys := newRootFS(o.Root)
	packager, pkgs, err := collectPackages(ctx, fsys, &o)
	if err != nil {
		return nil, err
	}
	h := report.Header{
		Version:  "1",
		Packager: packager,
		Site:     Strip(o.Site),
		Tag:      Strip(o.Tag),
	}
	if h.Host, err = hostName(ctx, fsys, o.Host); err != nil {
		return nil, err
	}
	// The server refuses a report whose host name it cannot show for what
	// it is: say so before collecting more.
	if f := strings.Fields(h.Host); len(f) > 0 {
		if err := report.ValidHostname(f[0]); err != nil {
			return nil, fmt.Errorf("%w: give another with --host", err)
		}
	}
	osi := readOSInfo(ctx, fsys)
	h.System, h.OSID, h.OSVersionID = osi.System, osi.ID, osi.VersionID
	if h.System == "" {
		o.warnf("cannot tell the operating system: no redhat-release, fedora-release, os-release, SuSE-release or lsb_release")
	}
	kernels := installedKernels(packager, pkgs)
	if fsys.live() {
		u, err := uname()
		if err != nil {
			o.warnf("uname: %v", err)
		}
		h.Kernel, h.Arch = u.release, u.machine
		h.CPU = cpuModel(fsys)
	} else {
		if k, ok := newestKernel(kernels); ok {
			h.Kernel = k.uname
		}
		h.Arch = inferArch(packager, pkgs)
	}
	h.RebootRequired = rebootRequired(fsys, h.Kernel, kernels)
	if packager == PackagerRPM {
		if streams, known := enabledModules(fsys, &o); known {
			h.Modules = report.FormatModules(streams)
		}
	}
	if packager == PackagerDpkg {
		if services, known := proServices(fsys, osi.ID == "ubuntu", &o); known {
			h.Pro = report.FormatPro(services)
		}
	}
	o.debugf("packager %s, %d packages, host %q, system %q, kernel %q, arch %q, reboot-required %q",
		packager, len(pkgs), h.Host, h.System, h.Kernel, h.Arch, h.RebootRequired)
	return &report.Report{Header: h, Packages: report.SortPackages(pkgs)}, nil
}

// collectPackages finds the package manager the Perl client's way (rpm
// first when it lists something, then dpkg, then apk) and lists the
// installed packages.
func collectPackages(ctx context.Context, fsys rootFS, o *Options) (string, []model.Package, error) {
	switch o.Packager {
	case PackagerRPM:
		pkgs, err := rpmPackages(ctx, fsys, o, true)
		return PackagerRPM, pkgs, err
	case PackagerDpkg:
		pkgs, err := dpkgPackages(fsys, o)
		return PackagerDpkg, pkgs, err
	case PackagerAPK:
		pkgs, err := apkPackages(fsys, o)
		return PackagerAPK, pkgs, err
	case "":
	default:
		return "", nil, fmt.Errorf("unknown packager %q (want rpm, dpkg or apk)", o.Packager)
	}

	var errs []error
	if rpmDBDir(fsys) != "" {
		pkgs, err := rpmPackages(ctx, fsys, o, true)
		if err == nil && len(pkgs) > 0 {
			return PackagerRPM, pkgs, nil
		}
		if err != nil {
			// Reported only if nothing else is found, as the Perl
			// client falls through to dpkg when rpm fails.
			o.debugf("%v", err)
			errs = append(errs, err)
		}
	}
	if fsys.isFile(dpkgStatusPath) {
		pkgs, err := dpkgPackages(fsys, o)
		if err == nil && len(pkgs) > 0 {
			return PackagerDpkg, pkgs, nil
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	for _, p := range apkInstalledPaths {
		if fsys.isFile(p) {
			pkgs, err := apkPackages(fsys, o)
			if err == nil && len(pkgs) > 0 {
				return PackagerAPK, pkgs, nil
			}
			if err != nil {
				errs = append(errs, err)
			}
			break
		}
	}
	// Last resort on the running system, as the Perl client does: an rpm
	// command whose database lives where we did not look.
	if fsys.live() && rpmDBDir(fsys) == "" && findCommand(o.RPM, "rpm") != "" {
		if pkgs, err := rpmPackages(ctx, fsys, o, false); err == nil && len(pkgs) > 0 {
			return PackagerRPM, pkgs, nil
		}
	}
	if len(errs) > 0 {
		return "", nil, errors.Join(errs...)
	}
	where := "this system"
	if !fsys.live() {
		where = fsys.root
	}
	return "", nil, fmt.Errorf("no installed packages found in %s: no rpm database, dpkg status or apk database with packages", where)
}

// Strip cleans a header value the way the Perl client's strip() does:
// leading and trailing white space removed, inner runs of white space made
// one space, then every byte outside printable ASCII (0x20-0x7e) dropped.
func Strip(s string) string {
	s = strings.Trim(s, perlSpace)
	var b strings.Builder
	b.Grow(len(s))
	inSpace := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if strings.IndexByte(perlSpace, c) >= 0 {
			if !inSpace {
				b.WriteByte(' ')
			}
			inSpace = true
			continue
		}
		inSpace = false
		b.WriteByte(c)
	}
	out := b.String()
	clean := true
	for i := 0; i < len(out); i++ {
		if out[i] < 0x20 || out[i] > 0x7e {
			clean = false
			break
		}
	}
	if clean {
		return out
	}
	b.Reset()
	for i := 0; i < len(out); i++ {
		if out[i] >= 0x20 && out[i] <= 0x7e {
			b.WriteByte(out[i])
		}
	}
	return b.String()
}

// perlSpace is what Perl's \s matches in a byte string.
const perlSpace = " \t\n\r\f\v"
