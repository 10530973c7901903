package report

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/pakiti-go/pakiti/internal/model"
)

// Error is a malformed report. Its text names the problem and, where there
// is one, the line, so that the sender can fix it.
type Error struct {
	Line int // 1-based; 0 when the problem is the report as a whole
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return e.Msg
}

func errf(line int, format string, a ...any) error {
	return &Error{Line: line, Msg: fmt.Sprintf(format, a...)}
}

// Parse reads a protocol-5 or protocol-6 text report. Protocol 6 package
// lines may carry two more columns (source name, source version) and a
// third (an RPM module build's module stream, "nodejs:12", or its whole
// MODULARITYLABEL, kept as "name:stream"); protocol 5 lines carry three. Separators are tabs, or runs of spaces as the old
// server also accepted.
func Parse(body []byte, protocol int, lim Limits) (*Report, error) {
	if protocol != Protocol5 && protocol != Protocol6 {
		return nil, errf(0, "protocol %d is not a text report protocol", protocol)
	}
	if int64(len(body)) > lim.MaxBytes {
		return nil, errf(0, "report is %d bytes, more than the limit of %d", len(body), lim.MaxBytes)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, errf(0, "empty report")
	}
	if !utf8.Valid(body) {
		return nil, errf(0, "report is not UTF-8 text")
	}
	// One pass over the body for control characters, so that fields need
	// a second look only when the body holds non-ASCII text.
	ascii := true
	for i, c := range body {
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f {
			return nil, errf(bytes.Count(body[:i], []byte{'\n'})+1, "control character %#x", c)
		}
		if c >= 0x80 {
			ascii = false
		}
	}
	lim.asciiOnly = ascii
	r := &Report{}
	const (
		start = iota
		header
		packages
	)
	state := start
	headerLines := 0
	lineNo := 0
	// One copy of the body; every field is a substring of it.
	text := string(body)
	r.Packages = make([]model.Package, 0, strings.Count(text, "\n")/2)
	for len(text) > 0 {
		var line string
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			line, text = text[:i], text[i+1:]
		} else {
			line, text = text, ""
		}
		lineNo++
		if len(line) > lim.MaxLine {
			return nil, errf(lineNo, "line is %d bytes, more than the limit of %d", len(line), lim.MaxLine)
		}
		line = strings.TrimRight(line, "\r")
		switch state {
		case start:
			if strings.TrimSpace(line) != "#" {
				return nil, errf(lineNo, "a report starts with a line holding only #")
			}
			state = header
		case header:
			t := strings.TrimSpace(line)
			if t == "#" {
				state = packages
				continue
			}
			if t == "" {
				continue
			}
			headerLines++
			if headerLines > lim.MaxHeaderLines {
				return nil, errf(lineNo, "more than %d header lines", lim.MaxHeaderLines)
			}
			if err := r.Header.set(line, lim); err != nil {
				return nil, errf(lineNo, "%v", err)
			}
		case packages:
			if isBlankOrHash(line) {
				continue
			}
			if len(r.Packages) >= lim.MaxPackages {
				return nil, errf(lineNo, "more than %d packages", lim.MaxPackages)
			}
			p, err := parsePackage(line, protocol, lim)
			if err != nil {
				return nil, errf(lineNo, "%v", err)
			}
			r.Packages = append(r.Packages, p)
		}
	}
	if state == start {
		return nil, errf(0, "empty report")
	}
	if r.Header.Hostname() == "" {
		return nil, errf(0, "the header has no host")
	}
	if len(r.Packages) == 0 {
		r.Packages = nil
	}
	r.Packages = SortPackages(r.Packages)
	return r, nil
}

// set stores one "key: value" header line.
func (h *Header) set(line string, lim Limits) error {
	k, v, ok := strings.Cut(line, ":")
	if !ok {
		return fmt.Errorf("header line %q is not key: value", clip(line))
	}
	k = strings.ToLower(strings.TrimSpace(k))
	v = strings.TrimSpace(v)
	if k == "" {
		return fmt.Errorf("header line %q has no key", clip(line))
	}
	if len(v) > lim.MaxField {
		return fmt.Errorf("header %s is %d bytes, more than the limit of %d", clip(k), len(v), lim.MaxField)
	}
	if bad := firstControl(v); bad >= 0 {
		return fmt.Errorf("header %s holds control character %#x", clip(k), bad)
	}
	switch k {
	case KeyArch:
		h.Arch = v
	case KeyCPU:
		h.CPU = v
	case KeyHost:
		// The first name is the host's identity; the others are kept as
		// sent (older clients list every name of the host).
		if name := strings.Fields(v); len(name) > 0 {
			if err := ValidHostname(name[0]); err != nil {
				return err
			}
		}
		h.Host = v
	case KeyIP:
		h.IP = v
	case KeyKernel:
		h.Kernel = v
	case KeyPackager:
		h.Packager = v
	case KeySite:
		h.Site = v
	case KeySystem:
		h.System = v
	case KeyTag:
		h.Tag = v
	case KeyVersion:
		h.Version = v
	case KeyTS:
		h.TS = v
	case KeyOSID:
		h.OSID = v
	case KeyOSVersionID:
		h.OSVersionID = v
	case KeyRebootRequired:
		h.RebootRequired = v
	case KeyModules:
		if _, _, err := ParseModules(v); err != nil {
			return err
		}
		h.Modules = v
	case KeyPro:
		if _, _, err := ParsePro(v); err != nil {
			return err
		}
		h.Pro = v
	default:
		if h.Extra == nil {
			h.Extra = map[string]string{}
		}
		h.Extra[k] = v
	}
	return nil
}

// isBlankOrHash tells lines between packages ("", spaces, "#") apart.
func isBlankOrHash(line string) bool {
	t := strings.TrimSpace(line)
	return t == "" || t == "#"
}

func parsePackage(line string, protocol int, lim Limits) (model.Package, error) {
	var arr [7]string
	f := arr[:0]
	if strings.IndexByte(line, '\t') >= 0 {
		for rest, more := line, true; more && len(f) < len(arr); {
			var field string
			field, rest, more = strings.Cut(rest, "\t")
			if field != "" && (field[0] <= ' ' || field[len(field)-1] <= ' ') {
				field = strings.TrimSpace(field)
			}
			f = append(f, field)
		}
	} else {
		f = strings.Fields(line)
	}
	want := "3"
	ok := len(f) == 3
	if protocol == Protocol6 {
		want = "3, 5 or 6"
		ok = ok || len(f) == 5 || len(f) == 6
	}
	if !ok {
		n := strconv.Itoa(len(f))
		if len(f) == len(arr) {
			n = "more than 6"
		}
		return model.Package{}, fmt.Errorf("package line has %s fields, want %s (name, version, arch%s)",
			n, want, map[bool]string{true: ", source, source version, module", false: ""}[protocol == Protocol6])
	}
	for i, s := range f {
		if len(s) > lim.MaxField {
			return model.Package{}, fmt.Errorf("package field %d is %d bytes, more than the limit of %d", i+1, len(s), lim.MaxField)
		}
		if lim.asciiOnly {
			continue
		}
		if bad := firstControl(s); bad >= 0 {
			return model.Package{}, fmt.Errorf("package field %d holds control character %#x", i+1, bad)
		}
	}
	if f[0] == "" {
		return model.Package{}, fmt.Errorf("package line has an empty name")
	}
	if f[1] == "" {
		return model.Package{}, fmt.Errorf("package %s has an empty version", clip(f[0]))
	}
	p := model.Package{Name: f[0], Version: f[1], Arch: f[2]}
	if len(f) >= 5 {
		p.SourceName, p.SourceVersion = f[3], f[4]
		if p.SourceName == "" && p.SourceVersion != "" {
			return model.Package{}, fmt.Errorf("package %s has a source version but no source name", clip(f[0]))
		}
	}
	if len(f) == 6 && f[5] != "" {
		m, ok := ModuleStream(f[5])
		if !ok {
			return model.Package{}, fmt.Errorf("package %s: module %q is not name:stream", clip(f[0]), clip(f[5]))
		}
		p.Module = m
	}
	return p, nil
}

// firstControl returns the first control character in s, or -1.
func firstControl(s string) rune {
	ascii := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			return rune(c)
		} else if c >= 0x80 {
			ascii = false
		}
	}
	if ascii {
		return -1
	}
	for _, c := range s {
		if c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) {
			return c
		}
	}
	return -1
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}

// PeekHostname returns the host name of a report by reading its header
// only, for callers that may not need the packages (a re-sent report whose
// bytes the server already stored). It returns "" when the header has no
// valid host line; Parse then says what is wrong.
func PeekHostname(body []byte, lim Limits) string {
	hashes, host := 0, ""
	for n := 0; len(body) > 0 && n <= lim.MaxHeaderLines+1; n++ {
		var line []byte
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			line, body = body[:i], body[i+1:]
		} else {
			line, body = body, nil
		}
		t := strings.TrimSpace(string(line))
		if t == "#" {
			if hashes++; hashes == 2 {
				break
			}
			continue
		}
		if hashes == 0 {
			return ""
		}
		// The last host line wins, as in Parse.
		if k, _, ok := strings.Cut(t, ":"); ok && strings.EqualFold(strings.TrimSpace(k), KeyHost) {
			var h Header
			if h.set(t, lim) != nil {
				return ""
			}
			host = h.Hostname()
		}
	}
	return host
}

// SplitPackages cuts a report after its header: head holds the lines up to
// and including the "#" line that ends the header (Parse(head) reads the
// same header as Parse(body)), pkgs the package lines after it. ok is false
// when the report has no such line.
func SplitPackages(body []byte) (head, pkgs []byte, ok bool) {
	hashes := 0
	for off := 0; off < len(body); {
		end := bytes.IndexByte(body[off:], '\n')
		next := len(body)
		if end >= 0 {
			next = off + end + 1
		}
		if strings.TrimSpace(string(body[off:next])) == "#" {
			if hashes++; hashes == 2 {
				return body[:next], body[next:], true
			}
		} else if hashes == 0 {
			return nil, nil, false
		}
		off = next
	}
	return nil, nil, false
}
