package main

import (
	"bufio"
	"compress/gzip"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/report"
	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/source/debian"
	"github.com/pakiti-go/pakiti/internal/store"
)

// fleet synthesises hosts from real packages. Debian 11 hosts: the real
// viking-db inventory padded to 1,500 packages with a fixed draw of real
// bullseye binaries (the base set); AlmaLinux 9 hosts (3 in 10): the real
// vuls-alma9 inventory. 70 % of each run the base set; 28 % one of
// variants (200 by default) drifted variants, where 3 packages are at
// another real version (Debian: from the bullseye and bullseye-security
// indexes; AlmaLinux: a fixed version of an AlmaLinux OSV record); 2 % run
// an older kernel image installed besides the base one. Most Debian
// variants are the base set itself (drift): 200 variants give 89 sets.
// With ownShare > 0, that share of the hosts (drawn per host, before the
// rest) runs a set of its own: 3 packages at another real version than
// the base's, drawn from the host's number.
type fleet struct {
	variants       int     // drifted variants shared by the 28 %
	ownShare       float64 // share of hosts with a set of their own
	deb, alma      []model.Package
	debKernel      string
	almaKernel     string
	debVersions    map[string][]string // binary name -> other real versions
	almaVersions   map[string][]string
	debOldKernel   model.Package
	debOldRelease  string
	almaOldKernel  []model.Package
	almaOldRelease string
}

func newFleet(ctx context.Context, shared string) (*fleet, error) {
	f := &fleet{}
	inv := filepath.Join(shared, "data/inventories")
	deb, debKernel, err := readReport(filepath.Join(inv, "debian-11/viking-db/viking-db.pakiti5.txt"))
	if err != nil {
		return nil, err
	}
	alm, almaKernel, err := readReport(filepath.Join(inv, "alma-9/vuls-alma9/vuls-alma9.pakiti5.txt"))
	if err != nil {
		return nil, err
	}
	f.debKernel, f.almaKernel, f.alma = debKernel, almaKernel, alm
	feeds := filepath.Join(shared, "data/feeds/debian/apt-bullseye")
	pool, err := indexBinaries(ctx, filepath.Join(feeds, "bullseye_main_binary-amd64_Packages.gz"))
	if err != nil {
		return nil, err
	}
	sec, err := indexBinaries(ctx, filepath.Join(feeds, "bullseye-security_main_binary-amd64_Packages.gz"))
	if err != nil {
		return nil, err
	}
	f.debVersions = map[string][]string{}
	for _, p := range append(append([]model.Package(nil), pool...), sec...) {
		f.debVersions[p.Name] = append(f.debVersions[p.Name], p.Version)
	}
	have := map[string]bool{}
	for _, p := range deb {
		have[p.Name] = true
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for len(deb) < 1500 {
		p := pool[rng.IntN(len(pool))]
		if !have[p.Name] {
			have[p.Name] = true
			deb = append(deb, p)
		}
	}
	f.deb = report.SortPackages(deb)
	// An older kernel image: the oldest linux-image-5.10.0-N-amd64 of the indexes.
	for _, p := range append(pool, sec...) {
		if strings.HasPrefix(p.Name, "linux-image-5.10.0-") && strings.HasSuffix(p.Name, "-amd64") && !have[p.Name] &&
			(f.debOldKernel.Name == "" || p.Name < f.debOldKernel.Name) {
			f.debOldKernel = p
		}
	}
	f.debOldRelease = strings.TrimPrefix(f.debOldKernel.Name, "linux-image-")
	// AlmaLinux: other versions are the fixed versions of the OSV records.
	var names []string
	for _, p := range alm {
		names = append(names, p.Name)
	}
	advs, err := openAdvisories(ctx, names)
	if err != nil {
		return nil, err
	}
	f.almaVersions = advs
	// An older AlmaLinux kernel: the inventory's kernel packages at the
	// oldest fixed version the records give.
	for _, p := range alm {
		if p.Name == "kernel-core" {
			if vs := f.almaVersions["kernel"]; len(vs) > 0 {
				sort.Strings(vs)
				old := p
				old.Version = vs[0]
				f.almaOldKernel = []model.Package{old}
				_, vr, _ := strings.Cut(old.Version, ":")
				f.almaOldRelease = vr + "." + old.Arch
			}
		}
	}
	return f, nil
}

// openAdvisories is set by run: the AlmaLinux fixed versions by binary name.
var openAdvisories func(ctx context.Context, names []string) (map[string][]string, error)

func almaVersionsFrom(st *store.Store) func(ctx context.Context, names []string) (map[string][]string, error) {
	return func(ctx context.Context, names []string) (map[string][]string, error) {
		advs, err := st.AdvisoriesFor(ctx, "alma:9", names)
		if err != nil {
			return nil, err
		}
		out := map[string][]string{}
		seen := map[[2]string]bool{}
		for _, a := range advs {
			if a.FixedVersion != "" && !seen[[2]string{a.Package, a.FixedVersion}] {
				seen[[2]string{a.Package, a.FixedVersion}] = true
				out[a.Package] = append(out[a.Package], a.FixedVersion)
			}
		}
		return out, nil
	}
}

// incoming returns host i's report.
func (f *fleet) incoming(i int, now time.Time) store.Incoming {
	return f.report(i, now, false)
}

// incomingOwn returns host i's report with a set of its own (a new set
// for a host number never used).
func (f *fleet) incomingOwn(i int, now time.Time) store.Incoming {
	return f.report(i, now, true)
}

// report returns host i's report; own: with a set of its own whatever
// the draw.
func (f *fleet) report(i int, now time.Time, own bool) store.Incoming {
	r := rand.New(rand.NewPCG(uint64(i), 7))
	isAlma := i%10 < 3
	base, versions, kernel, os, group := f.deb, f.debVersions, f.debKernel, "Debian GNU/Linux 11", "debian:11"
	if isAlma {
		base, versions, kernel, os, group = f.alma, f.almaVersions, f.almaKernel, "AlmaLinux release 9.0 (Emerald Puma)", "alma:9"
	}
	// Drawn only with a share, so that the default fleet is the one of
	// the figures before the flag.
	if f.ownShare > 0 && r.Float64() < f.ownShare {
		own = true
	}
	variants := max(f.variants, 1)
	pkgs := base
	switch k := r.IntN(100); {
	case own:
		// Numbers past the variants' so that no variant is drawn again.
		pkgs = drift(base, versions, rand.New(rand.NewPCG(uint64(i)+1<<32, 11)), true)
	case k < 70:
	case k < 98:
		pkgs = drift(base, versions, rand.New(rand.NewPCG(uint64(i%variants), 11)), false)
	default:
		pkgs = append([]model.Package(nil), base...)
		if isAlma && len(f.almaOldKernel) > 0 {
			pkgs, kernel = append(pkgs, f.almaOldKernel...), f.almaOldRelease
		} else if !isAlma && f.debOldKernel.Name != "" {
			pkgs, kernel = append(pkgs, f.debOldKernel), f.debOldRelease
		}
		pkgs = report.SortPackages(pkgs)
	}
	host := fmt.Sprintf("h%06d.fleet.example.org", i)
	return store.Incoming{Host: model.Host{Hostname: host, Site: fmt.Sprintf("SITE-%02d", i%50), OS: os,
		OSGroup: group, Protocol: 5, Kernel: kernel, Arch: "x86_64"}, Packages: pkgs,
		SetHash: report.PackageSetHash(pkgs), HeaderHash: host + kernel, ReceivedAt: now}
}

// drift returns base with 3 packages at a real version drawn by v. With
// other, the version drawn is another than base's (a set of its own);
// without, as the variants always drew it: among all the versions known,
// base's included, so that most Debian variants (whose padding binaries
// have one version in the indexes) are the base set itself.
func drift(base []model.Package, versions map[string][]string, v *rand.Rand, other bool) []model.Package {
	pkgs := append([]model.Package(nil), base...)
	for changed := 0; changed < 3; {
		j := v.IntN(len(pkgs))
		vs := versions[pkgs[j].Name]
		if other {
			var others []string
			for _, x := range vs {
				if x != base[j].Version && x != pkgs[j].Version {
					others = append(others, x)
				}
			}
			vs = others
		}
		if len(vs) > 0 {
			pkgs[j].Version = vs[v.IntN(len(vs))]
			changed++
		}
	}
	return report.SortPackages(pkgs)
}

func readReport(file string) ([]model.Package, string, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, "", err
	}
	r, err := report.Parse(raw, report.Protocol5, report.DefaultLimits)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", file, err)
	}
	return r.Packages, r.Header.Kernel, nil
}

// indexBinaries are the real binaries of a Packages index.
func indexBinaries(ctx context.Context, file string) ([]model.Package, error) {
	fe := &source.Fetched{File: file, Location: file}
	rc, err := fe.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var out []model.Package
	_, err = debian.ParsePackagesIndex(ctx, rc, func(b debian.Binary) error {
		out = append(out, model.Package{Name: b.Name, Version: b.Version, Arch: b.Arch})
		return nil
	})
	return out, err
}

// cutDSAList writes the entries of a DSA list dated before cut (the list
// is newest first; each entry starts with "[DD Mon YYYY]").
func cutDSAList(from, to string, cut time.Time) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	zr, err := gzip.NewReader(in)
	if err != nil {
		return err
	}
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	defer out.Close()
	w := bufio.NewWriter(out)
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	keep := false
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "[") {
			end := strings.Index(line, "]")
			d, err := time.Parse("02 Jan 2006", line[1:max(end, 1)])
			keep = err == nil && d.Before(cut)
		}
		if keep {
			fmt.Fprintln(w, line)
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return w.Flush()
}
