package main

import (
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"sort"
	"strings"
	"time"
)

// binary is one built executable of the release.
type binary struct {
	name, arch, path string
	data             []byte
}

// CycloneDX 1.5 JSON, the parts we write.
type (
	cdxBOM struct {
		BOMFormat    string          `json:"bomFormat"`
		SpecVersion  string          `json:"specVersion"`
		SerialNumber string          `json:"serialNumber"`
		Version      int             `json:"version"`
		Metadata     cdxMetadata     `json:"metadata"`
		Components   []cdxComponent  `json:"components"`
		Dependencies []cdxDependency `json:"dependencies"`
	}
	cdxMetadata struct {
		Timestamp string       `json:"timestamp"`
		Tools     cdxTools     `json:"tools"`
		Component cdxComponent `json:"component"`
	}
	cdxTools struct {
		Components []cdxComponent `json:"components"`
	}
	cdxComponent struct {
		Type       string        `json:"type"`
		BOMRef     string        `json:"bom-ref,omitempty"`
		Name       string        `json:"name"`
		Version    string        `json:"version,omitempty"`
		Purl       string        `json:"purl,omitempty"`
		Hashes     []cdxHash     `json:"hashes,omitempty"`
		Properties []cdxProperty `json:"properties,omitempty"`
	}
	cdxHash struct {
		Alg     string `json:"alg"`
		Content string `json:"content"`
	}
	cdxProperty struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	}
	cdxDependency struct {
		Ref       string   `json:"ref"`
		DependsOn []string `json:"dependsOn"`
	}
)

// makeSBOM describes the binaries from the build information Go embeds in
// each (what `go version -m` prints): its modules and their versions, the
// Go standard library's version and the build settings. The serial number
// is derived from the binaries' hashes, the timestamp is c.mtime: the same
// binaries give the same bytes.
func makeSBOM(c config, bins []binary) ([]byte, error) {
	rootRef := "pkg:golang/github.com/pakiti-go/pakiti@" + c.version
	bom := cdxBOM{
		BOMFormat:   "CycloneDX",
		SpecVersion: "1.5",
		Version:     1,
		Metadata: cdxMetadata{
			Timestamp: c.mtime.UTC().Format(time.RFC3339),
			Tools:     cdxTools{Components: []cdxComponent{{Type: "application", Name: "pakiti tools/release", Version: c.version}}},
			Component: cdxComponent{
				Type: "application", BOMRef: rootRef, Name: "pakiti", Version: c.version, Purl: rootRef,
				Properties: []cdxProperty{{Name: "pakiti:commit", Value: c.commit}},
			},
		},
	}
	libs := map[string]cdxComponent{}
	deps := map[string][]string{}
	serial := sha256.New()
	var binRefs []string
	for _, b := range bins {
		bi, err := buildinfo.ReadFile(b.path)
		if err != nil {
			return nil, fmt.Errorf("%s (%s): %w", b.name, b.arch, err)
		}
		sum := sha256.Sum256(b.data)
		serial.Write(sum[:])
		ref := fmt.Sprintf("binary:%s/linux/%s", b.name, b.arch)
		binRefs = append(binRefs, ref)
		props := []cdxProperty{
			{Name: "go:package", Value: bi.Path},
			{Name: "go:version", Value: bi.GoVersion},
		}
		for _, s := range bi.Settings {
			props = append(props, cdxProperty{Name: "go:build:" + s.Key, Value: s.Value})
		}
		bom.Components = append(bom.Components, cdxComponent{
			Type: "application", BOMRef: ref, Name: b.name, Version: c.version,
			Hashes:     []cdxHash{{Alg: "SHA-256", Content: hex.EncodeToString(sum[:])}},
			Properties: props,
		})
		std := cdxComponent{
			Type: "library", Name: "stdlib", Version: strings.TrimPrefix(bi.GoVersion, "go"),
			Purl: "pkg:golang/stdlib@" + strings.TrimPrefix(bi.GoVersion, "go"),
		}
		std.BOMRef = std.Purl
		libs[std.BOMRef] = std
		deps[ref] = append(deps[ref], std.BOMRef)
		for _, m := range bi.Deps {
			lib := moduleComponent(m)
			libs[lib.BOMRef] = lib
			deps[ref] = append(deps[ref], lib.BOMRef)
		}
	}
	var libRefs []string
	for r := range libs {
		libRefs = append(libRefs, r)
	}
	sort.Strings(libRefs)
	bom.Dependencies = append(bom.Dependencies, cdxDependency{Ref: rootRef, DependsOn: binRefs})
	for _, r := range binRefs {
		sort.Strings(deps[r])
		bom.Dependencies = append(bom.Dependencies, cdxDependency{Ref: r, DependsOn: deps[r]})
	}
	for _, r := range libRefs {
		bom.Components = append(bom.Components, libs[r])
		bom.Dependencies = append(bom.Dependencies, cdxDependency{Ref: r, DependsOn: []string{}})
	}
	serial.Write([]byte(c.version))
	bom.SerialNumber = "urn:uuid:" + uuidFrom(serial.Sum(nil))
	out, err := json.MarshalIndent(bom, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// moduleComponent is a Go module as a CycloneDX library (its replacement
// when it was replaced).
func moduleComponent(m *debug.Module) cdxComponent {
	var props []cdxProperty
	if m.Replace != nil {
		props = append(props, cdxProperty{Name: "go:replaces", Value: m.Path + "@" + m.Version})
		m = m.Replace
	}
	if m.Sum != "" {
		props = append(props, cdxProperty{Name: "go:sum", Value: m.Sum})
	}
	purl := "pkg:golang/" + m.Path + "@" + m.Version
	return cdxComponent{Type: "library", BOMRef: purl, Name: m.Path, Version: m.Version, Purl: purl, Properties: props}
}

// uuidFrom formats the first 16 bytes of h as an RFC 9562 UUID of
// version 8 (custom: a hash of the release's binaries).
func uuidFrom(h []byte) string {
	var u [16]byte
	copy(u[:], h)
	u[6] = u[6]&0x0f | 0x80
	u[8] = u[8]&0x3f | 0x80
	x := hex.EncodeToString(u[:])
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}
