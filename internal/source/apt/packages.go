// Package apt reads what Debian and Ubuntu archives share: apt Packages
// indexes (deb822 stanzas of binary packages and the source each was
// built from) and the mapping of machine architectures to the archives'
// dpkg architectures. It is neutral ground for the distro folders
// (internal/source/debian, internal/source/ubuntu), which do not import
// one another.
package apt

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/pakiti-go/pakiti/internal/source"
)

// maxLine is the longest line of an index read; longer is an error (the
// longest real line, in Debian's bookworm index, is 75 KB).
const maxLine = 1 << 20

// Binary is one stanza of an apt Packages index: a binary package and the
// source package it was built from.
type Binary struct {
	Name          string `json:"name"`
	Version       string `json:"version"`
	Arch          string `json:"arch"`
	Source        string `json:"source"`
	SourceVersion string `json:"source_version"`
}

// ParsePackagesIndex reads an apt Packages index (deb822 stanzas separated
// by blank lines) and emits one Binary per stanza, in file order; it
// returns the number emitted. Source comes from the Source field: absent,
// the source has the binary's name and version; "Source: name", the
// binary's version; "Source: name (version)", that version (binNMUs such as
// bash 5.2.15-2+b13 built from bash 5.2.15-2, or binaries versioned apart
// from their source). Field names are matched without regard to case;
// continuation lines and other fields are ignored.
//
// A stanza without Package or Version, a field line without a colon or an
// unreadable Source field is an error naming the line. An error returned
// by emit stops parsing and is returned as is.
func ParsePackagesIndex(ctx context.Context, r io.Reader, emit func(Binary) error) (int, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 128<<10), maxLine)
	var (
		b       Binary
		inStz   bool
		start   int
		n       int
		lineNo  int
		srcLine string
	)
	errorf := func(line int, format string, args ...any) error {
		return fmt.Errorf("packages index line %d: %s", line, fmt.Sprintf(format, args...))
	}
	finish := func() error {
		if !inStz {
			return nil
		}
		inStz = false
		if !source.ValidName(b.Name) || !source.ValidName(b.Version) {
			return errorf(start, "stanza without a valid Package and Version")
		}
		b.Source, b.SourceVersion = b.Name, b.Version
		if srcLine != "" {
			name, ver, ok := parseSourceField(srcLine)
			if !ok {
				return errorf(start, "package %s: invalid Source field %q", b.Name, source.Clip(srcLine, 80))
			}
			b.Source = name
			if ver != "" {
				b.SourceVersion = ver
			}
		}
		if err := emit(b); err != nil {
			return err
		}
		n++
		return nil
	}
	for sc.Scan() {
		lineNo++
		if lineNo%8192 == 0 {
			if err := ctx.Err(); err != nil {
				return n, err
			}
		}
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" {
			if err := finish(); err != nil {
				return n, err
			}
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			if !inStz {
				return n, errorf(lineNo, "continuation line outside a stanza")
			}
			continue
		}
		if !inStz {
			inStz, start, b, srcLine = true, lineNo, Binary{}, ""
		}
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			return n, errorf(lineNo, "field line without a colon")
		}
		val = strings.TrimSpace(val)
		switch {
		case strings.EqualFold(key, "Package"):
			b.Name = val
		case strings.EqualFold(key, "Version"):
			b.Version = val
		case strings.EqualFold(key, "Architecture"):
			if len(val) > source.MaxName {
				return n, errorf(lineNo, "Architecture longer than %d bytes", source.MaxName)
			}
			b.Arch = val
		case strings.EqualFold(key, "Source"):
			srcLine = val
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return n, errorf(lineNo+1, "line longer than %d bytes", maxLine)
		}
		return n, fmt.Errorf("packages index: %w", err)
	}
	return n, finish()
}

// parseSourceField reads "name" or "name (version)".
func parseSourceField(s string) (name, version string, ok bool) {
	name, rest := field(s)
	if !source.ValidName(name) {
		return "", "", false
	}
	rest = strings.TrimSpace(rest)
	if rest == "" {
		return name, "", true
	}
	if len(rest) < 2 || rest[0] != '(' || rest[len(rest)-1] != ')' {
		return "", "", false
	}
	version = strings.TrimSpace(rest[1 : len(rest)-1])
	if !source.ValidName(version) {
		return "", "", false
	}
	return name, version, true
}

// field splits s at its first blank.
func field(s string) (string, string) {
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		return s[:i], s[i:]
	}
	return s, ""
}
