package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
)

// deployFiles are the files the packages and archives ship, read from the
// repository (deploy/, docs/man/).
type deployFiles struct {
	clientConf, clientCron, clientService, clientTimer, clientMan []byte
	serverEnv, serverService, serverMan                           []byte
	cvmfsReadme                                                   []byte
}

func readDeployFiles(repo string) (deployFiles, error) {
	var d deployFiles
	for p, dst := range map[string]*[]byte{
		"deploy/client/client.conf":           &d.clientConf,
		"deploy/client/pakiti-client.cron":    &d.clientCron,
		"deploy/client/pakiti-client.service": &d.clientService,
		"deploy/client/pakiti-client.timer":   &d.clientTimer,
		"deploy/client/README":                &d.cvmfsReadme,
		"docs/man/pakiti-client.1":            &d.clientMan,
		"deploy/server/pakiti.env":            &d.serverEnv,
		"deploy/server/pakiti.service":        &d.serverService,
		"docs/man/pakiti.1":                   &d.serverMan,
	} {
		b, err := os.ReadFile(filepath.Join(repo, p))
		if err != nil {
			return d, err
		}
		*dst = b
	}
	return d, nil
}

// release builds everything into c.out.
func release(ctx context.Context, c config, log *slog.Logger) error {
	d, err := readDeployFiles(c.repo)
	if err != nil {
		return err
	}
	stage, err := os.MkdirTemp("", "pakiti-release-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(stage)
	var bins []binary
	for _, arch := range c.arches {
		dir := filepath.Join(stage, "bin-"+arch)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		built := map[string][]byte{}
		for _, name := range []string{"pakiti-client", "pakiti"} {
			path, err := buildBinary(ctx, c, name, arch, dir)
			if err != nil {
				return err
			}
			if built[name], err = os.ReadFile(path); err != nil {
				return err
			}
			bins = append(bins, binary{name: name, arch: arch, path: path, data: built[name]})
			log.Info("built", "binary", name, "arch", arch, "bytes", len(built[name]))
		}
		for _, spec := range []pkgSpec{clientSpec(built["pakiti-client"], d), serverSpec(built["pakiti"], d)} {
			for _, format := range []string{"deb", "rpm"} {
				name, err := buildPackage(c, spec, format, arch, stage)
				if err != nil {
					return err
				}
				log.Info("package", "file", name)
			}
		}
		for _, a := range archives(c, arch, built, d) {
			if err := writeTarGz(filepath.Join(c.out, a.file), a.top, a.entries, c.mtime); err != nil {
				return err
			}
			log.Info("archive", "file", a.file)
		}
	}
	sbom, err := makeSBOM(c, bins)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(c.out, "sbom.cdx.json"), sbom, 0o644); err != nil {
		return err
	}
	n, err := writeSums(c.out)
	if err != nil {
		return err
	}
	log.Info("checksums", "file", "SHA256SUMS", "files", n)
	return nil
}

// archive is one .tar.gz of the release.
type archive struct {
	file, top string
	entries   []entry
}

// archives are the relocatable client directory (CVMFS, shared file
// systems: run bin/pakiti-client from wherever it lies) and the server's
// binary with its man page and unit (the container image's source).
func archives(c config, arch string, built map[string][]byte, d deployFiles) []archive {
	clientTop := fmt.Sprintf("pakiti-client-%s-linux-%s", c.version, arch)
	serverTop := fmt.Sprintf("pakiti-%s-linux-%s", c.version, arch)
	return []archive{
		{
			file: fmt.Sprintf("pakiti-client_%s_linux_%s.tar.gz", c.version, arch), top: clientTop,
			entries: []entry{
				{name: "bin/pakiti-client", mode: 0o755, data: built["pakiti-client"]},
				{name: "share/man/man1/pakiti-client.1", mode: 0o644, data: d.clientMan},
				{name: "etc/client.conf.example", mode: 0o644, data: d.clientConf},
				{name: "README", mode: 0o644, data: d.cvmfsReadme},
			},
		},
		{
			file: fmt.Sprintf("pakiti_%s_linux_%s.tar.gz", c.version, arch), top: serverTop,
			entries: []entry{
				{name: "bin/pakiti", mode: 0o755, data: built["pakiti"]},
				{name: "share/man/man1/pakiti.1", mode: 0o644, data: d.serverMan},
				{name: "share/pakiti/pakiti.service", mode: 0o644, data: d.serverService},
				{name: "share/pakiti/pakiti.env.example", mode: 0o644, data: d.serverEnv},
			},
		},
	}
}
