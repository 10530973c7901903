package report

import (
	"bytes"
	"fmt"
	"strings"
)

// Format writes r as the protocol asks. Protocol 5 output is byte for byte
// what the Perl pakiti-client prints for the same data: a "#" line, the
// header keys in sorted order, and, when there are packages, a "#" line,
// the sorted package lines and a closing "#". Protocol 6 adds the os-release
// and reboot header keys, the enabled module streams and, where known, the
// source columns and a module build's module stream.
func Format(r *Report, protocol int) []byte {
	var b bytes.Buffer
	p6 := protocol == Protocol6
	b.WriteString("#\n")
	for _, f := range r.Header.fields(p6) {
		fmt.Fprintf(&b, "%s: %s\n", f[0], f[1])
	}
	if len(r.Packages) == 0 {
		return b.Bytes()
	}
	b.WriteString("#\n")
	for _, p := range r.Packages {
		b.WriteString(p.Name)
		b.WriteByte('\t')
		b.WriteString(p.Version)
		b.WriteByte('\t')
		b.WriteString(p.Arch)
		if p6 && (p.SourceName != "" || p.Module != "") {
			b.WriteByte('\t')
			b.WriteString(p.SourceName)
			b.WriteByte('\t')
			b.WriteString(p.SourceVersion)
		}
		if p6 && p.Module != "" {
			b.WriteByte('\t')
			b.WriteString(p.Module)
		}
		b.WriteByte('\n')
	}
	b.WriteString("#\n")
	return b.Bytes()
}

// SetSite rewrites the site: line of a report prepared earlier, or inserts
// one where the sorted header order puts it, leaving every other byte as it
// was (pakiti-client --input FILE --site SITE).
func SetSite(raw []byte, site string) ([]byte, error) {
	lines := strings.SplitAfter(string(raw), "\n")
	if len(lines) == 0 || strings.TrimSpace(lines[0]) != "#" {
		return nil, fmt.Errorf("not a Pakiti report: the first line is not #")
	}
	newLine := "site: " + site + "\n"
	insertAt := -1
	for i := 1; i < len(lines); i++ {
		l := strings.TrimRight(lines[i], "\r\n")
		if strings.TrimSpace(l) == "#" {
			if insertAt < 0 {
				insertAt = i
			}
			break
		}
		k, _, _ := strings.Cut(l, ":")
		k = strings.ToLower(strings.TrimSpace(k))
		if k == KeySite {
			lines[i] = newLine
			return []byte(strings.Join(lines, "")), nil
		}
		if k > KeySite && insertAt < 0 {
			insertAt = i
		}
	}
	if insertAt < 0 {
		insertAt = len(lines)
		if !strings.HasSuffix(lines[len(lines)-1], "\n") {
			lines[len(lines)-1] += "\n"
		}
	}
	lines = append(lines[:insertAt], append([]string{newLine}, lines[insertAt:]...)...)
	return []byte(strings.Join(lines, "")), nil
}
