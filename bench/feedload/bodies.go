package main

import (
	"bytes"
	"fmt"
	"os"
	"strconv"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/report"
)

// basePackages reads a real report and grows its package list to n by
// adding "-extraK" variants of real names, keeping real versions.
func basePackages(file string, n int) ([]model.Package, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("%w (run from the repository root, or give -inventory)", err)
	}
	r, err := report.Parse(raw, report.Protocol5, report.DefaultLimits)
	if err != nil {
		return nil, err
	}
	real := r.Packages
	if len(real) == 0 {
		return nil, fmt.Errorf("%s lists no packages", file)
	}
	out := append([]model.Package(nil), real...)
	for k := 0; len(out) < n; k++ {
		p := real[k%len(real)]
		p.Name = fmt.Sprintf("%s-extra%d", p.Name, k/len(real))
		out = append(out, p)
	}
	return report.SortPackages(out[:n]), nil
}

// header is what every generated report says besides its host name.
type header struct {
	System string // the system: line (its OS group decides what data applies)
	Site   string
}

// build formats a report for host; vary >= 0 changes one package version
// (package vary mod len(base) gets "+local<vary>"), so every vary gives
// its own package set while the catalogue stays mostly known.
func build(host string, base []model.Package, vary int, hd header) []byte {
	return report.Format(&report.Report{
		Header: report.Header{Host: host, Arch: "x86_64", Kernel: "6.1.0-26-amd64", Packager: "dpkg",
			Site: hd.Site, System: hd.System, Version: "1"},
		Packages: varied(base, vary),
	}, report.Protocol5)
}

// varied returns base with the change build makes for vary (base itself
// when vary < 0).
func varied(base []model.Package, vary int) []model.Package {
	if vary < 0 {
		return base
	}
	pkgs := append([]model.Package(nil), base...)
	j := vary % len(pkgs)
	pkgs[j].Version = pkgs[j].Version + "+local" + strconv.Itoa(vary)
	return pkgs
}

// setIdentity is the package-set identity the server computes for the
// report build makes with vary: its package count and content hash.
func setIdentity(base []model.Package, vary int) (int, string) {
	pkgs := report.SortPackages(append([]model.Package(nil), varied(base, vary)...))
	return len(pkgs), report.PackageSetHash(pkgs)
}

// bodies makes the same bytes as build without formatting the whole
// report each time: a sender on the two cores the server also uses must
// cost little next to the intake it measures.
type bodies struct {
	base       []model.Package
	head, tail []byte   // a report is head + host + tail
	lines      [][2]int // byte span of base[k]'s line in tail
}

const hostMarker = "HOST-MARKER-d41d8cd9"

func newBodies(base []model.Package, hd header) (*bodies, error) {
	raw := build(hostMarker, base, -1, hd)
	head, tail, ok := bytes.Cut(raw, []byte(hostMarker))
	if !ok {
		return nil, fmt.Errorf("the formatted report does not hold its host name")
	}
	b := &bodies{base: base, head: head, tail: tail}
	// The package lines follow the second "#" line, one per package.
	sep := []byte("\n#\n")
	i := bytes.Index(tail, sep)
	if i < 0 {
		return nil, fmt.Errorf("the formatted report has no package section")
	}
	off := i + len(sep)
	for _, p := range base {
		end := bytes.IndexByte(tail[off:], '\n')
		if end < 0 || !bytes.HasPrefix(tail[off:], []byte(p.Name+"\t")) {
			return nil, fmt.Errorf("package line of %s not where expected", p.Name)
		}
		b.lines = append(b.lines, [2]int{off, off + end + 1})
		off += end + 1
	}
	return b, nil
}

// body returns build(host, base, vary, hd) for the header newBodies took.
func (b *bodies) body(host string, vary int) []byte {
	if vary < 0 {
		out := make([]byte, 0, len(b.head)+len(host)+len(b.tail))
		return append(append(append(out, b.head...), host...), b.tail...)
	}
	p := b.base[vary%len(b.base)]
	span := b.lines[vary%len(b.base)]
	out := make([]byte, 0, len(b.head)+len(host)+len(b.tail)+32)
	out = append(append(out, b.head...), host...)
	out = append(out, b.tail[:span[0]]...)
	out = append(out, p.Name...)
	out = append(out, '\t')
	out = append(out, p.Version...)
	out = append(out, "+local"...)
	out = strconv.AppendInt(out, int64(vary), 10)
	out = append(out, '\t')
	out = append(out, p.Arch...)
	out = append(out, '\n')
	return append(out, b.tail[span[1]:]...)
}
