package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/goreleaser/nfpm/v2"
	_ "github.com/goreleaser/nfpm/v2/deb" // registers the deb packager
	"github.com/goreleaser/nfpm/v2/files"
	_ "github.com/goreleaser/nfpm/v2/rpm" // registers the rpm packager
)

// pkgFile is one file of a package.
type pkgFile struct {
	dst    string // absolute path on the target system
	mode   fs.FileMode
	data   []byte
	config bool // a configuration file: kept on upgrade and on removal (deb: conffile; rpm: %config(noreplace))
}

// pkgSpec is one package, in every format.
type pkgSpec struct {
	name, summary, description string
	files                      []pkgFile
	dirs                       []string // directories the package owns
	scripts                    map[string]string
}

const homepage = "https://github.com/pakiti-go/pakiti"

// buildPackage writes the .deb or .rpm (format) of spec for arch into out
// and returns the file's name.
func buildPackage(c config, spec pkgSpec, format, arch, stage string) (string, error) {
	dir := filepath.Join(stage, spec.name+"-"+format+"-"+arch)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	info := &nfpm.Info{
		Name:          spec.name,
		Arch:          arch,
		Platform:      "linux",
		Version:       c.version,
		VersionSchema: "none",
		Release:       "1",
		Section:       "admin",
		Priority:      "optional",
		Maintainer:    c.maintainer,
		Description:   spec.summary + "\n" + spec.description,
		Homepage:      homepage,
		MTime:         c.mtime,
	}
	info.RPM.Summary = spec.summary
	info.RPM.Group = "Applications/System"
	info.RPM.BuildHost = "pakiti-release" // not the build machine's name: reproducible
	info.RPM.Compression = "gzip"
	info.Deb.Compression = "gzip"
	fi := func(mode fs.FileMode) *files.ContentFileInfo {
		return &files.ContentFileInfo{Owner: "root", Group: "root", Mode: mode, MTime: c.mtime}
	}
	for _, d := range spec.dirs {
		info.Contents = append(info.Contents, &files.Content{Destination: d, Type: files.TypeDir, FileInfo: fi(0o755)})
	}
	for i, f := range spec.files {
		src := filepath.Join(dir, fmt.Sprintf("%02d-%s", i, filepath.Base(f.dst)))
		if err := os.WriteFile(src, f.data, 0o644); err != nil {
			return "", err
		}
		typ := ""
		if f.config {
			typ = files.TypeConfigNoReplace
		}
		info.Contents = append(info.Contents, &files.Content{Source: src, Destination: f.dst, Type: typ, FileInfo: fi(f.mode)})
	}
	scriptFile := func(name string) (string, error) {
		body, ok := spec.scripts[name]
		if !ok {
			return "", nil
		}
		p := filepath.Join(dir, "script-"+name)
		return p, os.WriteFile(p, []byte(body), 0o755)
	}
	var err error
	for name, p := range map[string]*string{
		"postinstall": &info.Scripts.PostInstall,
		"preremove":   &info.Scripts.PreRemove,
		"postremove":  &info.Scripts.PostRemove,
	} {
		if *p, err = scriptFile(name); err != nil {
			return "", err
		}
	}
	info = nfpm.WithDefaults(info)
	packager, err := nfpm.Get(format)
	if err != nil {
		return "", err
	}
	if err := nfpm.PrepareForPackager(info, format); err != nil {
		return "", fmt.Errorf("%s %s: %w", spec.name, format, err)
	}
	name := packager.ConventionalFileName(info)
	f, err := os.Create(filepath.Join(c.out, name))
	if err != nil {
		return "", err
	}
	if err := packager.Package(info, f); err != nil {
		f.Close()
		return "", fmt.Errorf("%s: %w", name, err)
	}
	return name, f.Close()
}

// clientSpec is the pakiti-client package. It has the Perl client's name
// and paths (/usr/bin/pakiti-client, its man page, /etc/pakiti), and a
// version above its releases (nextVersion), so that installing it
// upgrades the Perl client in place, in either format.
func clientSpec(bin []byte, d deployFiles) pkgSpec {
	return pkgSpec{
		name:    "pakiti-client",
		summary: "Report the installed packages to a Pakiti server",
		description: "pakiti-client sends this host's installed packages (dpkg, rpm, apk), OS,\n" +
			"kernel and architecture to a Pakiti server, which tells which of them have\n" +
			"known vulnerabilities. A static binary replacing the Perl pakiti-client:\n" +
			"same options, same configuration file, same reports. Runs daily from a\n" +
			"systemd timer (or cron) once url is set in /etc/pakiti/client.conf.",
		dirs: []string{"/etc/pakiti"},
		files: []pkgFile{
			{dst: "/usr/bin/pakiti-client", mode: 0o755, data: bin},
			{dst: "/usr/share/man/man1/pakiti-client.1.gz", mode: 0o644, data: gzipBytes(d.clientMan)},
			{dst: "/etc/pakiti/client.conf", mode: 0o644, data: d.clientConf, config: true},
			{dst: "/etc/cron.d/pakiti-client", mode: 0o644, data: d.clientCron, config: true},
			{dst: "/usr/lib/systemd/system/pakiti-client.service", mode: 0o644, data: d.clientService},
			{dst: "/usr/lib/systemd/system/pakiti-client.timer", mode: 0o644, data: d.clientTimer},
		},
		scripts: map[string]string{
			"postinstall": daemonReload,
			"preremove":   disableOnRemove("pakiti-client.timer", "timers.target.wants"),
			"postremove":  daemonReload,
		},
	}
}

// serverSpec is the pakiti package: server and admin CLI.
func serverSpec(bin []byte, d deployFiles) pkgSpec {
	return pkgSpec{
		name:    "pakiti",
		summary: "Pakiti server: which hosts run packages with known vulnerabilities",
		description: "The Pakiti server stores the reports of pakiti-client (and of the Perl\n" +
			"client), imports vendor security data and shows which hosts run packages\n" +
			"with known, fixable vulnerabilities in a web UI, a JSON/CSV API and the\n" +
			"pakiti command. Start it with: systemctl enable --now pakiti",
		dirs: []string{"/etc/pakiti"},
		files: []pkgFile{
			{dst: "/usr/bin/pakiti", mode: 0o755, data: bin},
			{dst: "/usr/share/man/man1/pakiti.1.gz", mode: 0o644, data: gzipBytes(d.serverMan)},
			{dst: "/etc/pakiti/pakiti.env", mode: 0o600, data: d.serverEnv, config: true},
			{dst: "/usr/lib/systemd/system/pakiti.service", mode: 0o644, data: d.serverService},
		},
		scripts: map[string]string{
			"postinstall": daemonReload,
			"preremove":   disableOnRemove("pakiti.service", "multi-user.target.wants"),
			"postremove":  daemonReload,
		},
	}
}

// The maintainer scripts serve dpkg ("$1" = configure, remove, upgrade,
// purge, ...) and rpm ("$1" = number of versions left: 0 on erase).
const daemonReload = `#!/bin/sh
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload >/dev/null 2>&1 || true
fi
exit 0
`

func disableOnRemove(unit, wants string) string {
	return strings.NewReplacer("UNIT", unit, "WANTS", wants).Replace(`#!/bin/sh
# Stop and disable UNIT when the package goes, not on upgrade.
case "$1" in
  remove|0) ;;
  *) exit 0 ;;
esac
if [ -d /run/systemd/system ]; then
  systemctl --quiet disable --now UNIT >/dev/null 2>&1 || true
fi
rm -f /etc/systemd/system/WANTS/UNIT
exit 0
`)
}
