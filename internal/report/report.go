// Package report is the Pakiti wire format: it parses and formats the
// plain-text host reports of protocols 5 and 6, decodes what older clients
// send (protocol 4 form posts of Pakiti 2 clients, GLPI agent JSON
// inventories) into the same Report, enforces their limits, and computes
// the hashes that tell an unchanged report from a new one. It is
// standard-library only, so the static client can use it too.
package report

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"

	"github.com/pakiti-go/pakiti/internal/model"
)

// Protocol versions this package reads and writes.
const (
	Protocol5 = 5 // the Perl client's format: name, version, arch per package
	Protocol6 = 6 // ours: adds source package and module columns, os-release and module header keys
)

// Header keys with a meaning. Unknown keys are kept in Header.Extra, and
// ignored by the server, as the protocol asks.
const (
	KeyArch           = "arch"
	KeyCPU            = "cpu"
	KeyHost           = "host"
	KeyIP             = "ip"
	KeyKernel         = "kernel"
	KeyPackager       = "packager"
	KeySite           = "site"
	KeySystem         = "system"
	KeyTag            = "tag"
	KeyVersion        = "version"
	KeyTS             = "ts"
	KeyOSID           = "os-id"           // protocol 6: os-release ID
	KeyOSVersionID    = "os-version-id"   // protocol 6: os-release VERSION_ID
	KeyRebootRequired = "reboot-required" // protocol 6: yes or no
	KeyModules        = "modules"         // protocol 6: enabled RPM module streams (modules.go)
	KeyPro            = "pro"             // protocol 6: enabled Ubuntu Pro services (pro.go)
)

// Report is one host's report.
type Report struct {
	Header   Header
	Packages []model.Package
}

// Header is the key: value part of a report.
type Header struct {
	Host           string // as reported: may hold several names separated by spaces
	Arch           string
	CPU            string
	IP             string
	Kernel         string
	Packager       string
	Site           string
	System         string
	Tag            string
	Version        string
	TS             string
	OSID           string
	OSVersionID    string
	RebootRequired string
	Modules        string            // protocol 6: "name:stream ...", or "none" (ParseModules)
	Pro            string            // protocol 6: "esm-infra esm-apps ...", or "none" (ParsePro)
	Extra          map[string]string // keys this package does not know
}

// Hostname is the host's identity: the first name of the host header.
func (h Header) Hostname() string {
	if f := strings.Fields(h.Host); len(f) > 0 {
		return f[0]
	}
	return ""
}

// fields lists the header as key/value pairs (empty values left out),
// protocol-6 keys only when p6 is true.
func (h Header) fields(p6 bool) [][2]string {
	kv := [][2]string{
		{KeyArch, h.Arch}, {KeyCPU, h.CPU}, {KeyHost, h.Host}, {KeyIP, h.IP},
		{KeyKernel, h.Kernel}, {KeyPackager, h.Packager}, {KeySite, h.Site},
		{KeySystem, h.System}, {KeyTag, h.Tag}, {KeyTS, h.TS}, {KeyVersion, h.Version},
	}
	if p6 {
		kv = append(kv, [2]string{KeyOSID, h.OSID}, [2]string{KeyOSVersionID, h.OSVersionID},
			[2]string{KeyRebootRequired, h.RebootRequired}, [2]string{KeyModules, h.Modules}, [2]string{KeyPro, h.Pro})
	}
	out := kv[:0]
	for _, f := range kv {
		if f[1] != "" {
			out = append(out, f)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

// HeaderHash identifies the header's content (the ts key aside), so that a
// report identical to the previous one can be recognised cheaply.
func (h Header) HeaderHash() string {
	s := sha256.New()
	for _, f := range h.fields(true) {
		if f[0] == KeyTS {
			continue
		}
		s.Write([]byte(f[0]))
		s.Write([]byte{0})
		s.Write([]byte(f[1]))
		s.Write([]byte{0})
	}
	return hex.EncodeToString(s.Sum(nil))
}

// SortPackages sorts packages in the order the Perl client sends them (byte
// order of the whole line) and drops exact duplicates.
func SortPackages(pkgs []model.Package) []model.Package {
	// Clients send sorted lists: check before sorting.
	if !sort.SliceIsSorted(pkgs, func(i, j int) bool { return lessPackage(pkgs[i], pkgs[j]) }) {
		sort.SliceStable(pkgs, func(i, j int) bool { return lessPackage(pkgs[i], pkgs[j]) })
	}
	out := pkgs[:0]
	for i, p := range pkgs {
		if i > 0 && p == pkgs[i-1] {
			continue
		}
		out = append(out, p)
	}
	return out
}

func lessPackage(a, b model.Package) bool {
	// The Perl client sorts whole lines, so fields compare as if each ended
	// in the tab that follows it ("a\t" < "a-b\t" because '\t' < '-').
	if c := compareField(a.Name, b.Name); c != 0 {
		return c < 0
	}
	if c := compareField(a.Version, b.Version); c != 0 {
		return c < 0
	}
	if c := compareField(a.Arch, b.Arch); c != 0 {
		return c < 0
	}
	if a.SourceName != b.SourceName {
		return a.SourceName < b.SourceName
	}
	if a.SourceVersion != b.SourceVersion {
		return a.SourceVersion < b.SourceVersion
	}
	return a.Module < b.Module
}

// PackageSetHash is the content address of a package list: the SHA-256 of
// its sorted, de-duplicated lines with every column (the module column
// only where there is a module). pkgs must be sorted
// with SortPackages.
func PackageSetHash(pkgs []model.Package) string {
	s := sha256.New()
	buf := make([]byte, 0, 8192)
	for _, p := range pkgs {
		if len(buf) > 7000 {
			s.Write(buf)
			buf = buf[:0]
		}
		buf = append(buf, p.Name...)
		buf = append(buf, '\t')
		buf = append(buf, p.Version...)
		buf = append(buf, '\t')
		buf = append(buf, p.Arch...)
		buf = append(buf, '\t')
		buf = append(buf, p.SourceName...)
		buf = append(buf, '\t')
		buf = append(buf, p.SourceVersion...)
		if p.Module != "" {
			// Only module builds reported with their label add a
			// column: the hashes of every other set stay as they were.
			buf = append(buf, '\t')
			buf = append(buf, p.Module...)
		}
		buf = append(buf, '\n')
	}
	s.Write(buf)
	return hex.EncodeToString(s.Sum(nil))
}

// compareField compares a+"\t" with b+"\t" without building either.
func compareField(a, b string) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(a) == len(b):
		return 0
	case len(a) < len(b):
		if '\t' < b[n] {
			return -1
		}
		return 1
	default:
		if a[n] < '\t' {
			return -1
		}
		return 1
	}
}
