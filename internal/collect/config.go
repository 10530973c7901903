package collect

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
)

// ConfigKeys are the option names a configuration file may set: every
// option of the Perl pakiti-client (so that existing files keep working;
// the command paths among them are accepted and ignored) and ours.
var ConfigKeys = []string{
	// The Perl client's options.
	"config", "debug", "encrypt", "expect", "help", "host", "input", "manual",
	"mode", "output", "rndsleep", "site", "svmonreport", "tag", "url",
	// The Perl client's command paths (ignored: we run none of them but rpm,
	// and find it ourselves).
	"curl", "dpkg-query", "hostname", "lsb_release", "openssl", "pkg", "rpm",
	"svmon", "uname", "wget",
	// Ours. The Perl client's own parser only knows names made of letters,
	// digits and _; names with - are ours (and the Perl client's flags).
	"cert", "disable-tls-checks", "key", "no-protocol-version", "protocol", "root", "timeout", "token",
}

var configKeySet = func() map[string]bool {
	m := map[string]bool{}
	for _, k := range ConfigKeys {
		m[k] = true
	}
	return m
}()

// ConfigError is a configuration file the Perl client would refuse too.
type ConfigError struct {
	Line int // 1-based
	Msg  string
}

func (e *ConfigError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// ReadConfig reads and parses a configuration file.
func ReadConfig(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := ParseConfig(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// ParseConfig parses the Perl pakiti-client's configuration file format
// and returns the value of each option set. The rules are the Perl
// client's: the file is split into lines at \n (empty lines at the very
// end do not count); blank lines and lines whose first non-blank character
// is # are skipped; any other line is `name = value`, white space around
// both trimmed; a value of the form <<TAG (TAG made of letters, digits and
// _) starts a heredoc: the lines that follow, each with a \n appended, up
// to a line holding only TAG (and trailing blanks) make the value. A later
// setting of an option replaces an earlier one. An unknown option name, a
// line of another form or a heredoc without its end is an error naming it.
func ParseConfig(data []byte) (map[string]string, error) {
	lines := strings.Split(string(data), "\n")
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	m := map[string]string{}
	var (
		tag, name   string
		heredoc     strings.Builder
		heredocLine int
	)
	for i, line := range lines {
		if tag != "" {
			if rest, ok := strings.CutPrefix(line, tag); ok && strings.Trim(rest, perlSpace) == "" {
				m[name] = heredoc.String()
				tag = ""
				heredoc.Reset()
				continue
			}
			heredoc.WriteString(line)
			heredoc.WriteByte('\n')
			continue
		}
		t := strings.TrimLeft(line, perlSpace)
		if t == "" || t[0] == '#' {
			continue
		}
		k, v, ok := splitSetting(t)
		if !ok {
			return nil, &ConfigError{Line: i + 1, Msg: fmt.Sprintf("malformed line %q (want name = value)", clip(line, 80))}
		}
		if !configKeySet[k] {
			return nil, &ConfigError{Line: i + 1, Msg: fmt.Sprintf("unknown option %q", clip(k, 80))}
		}
		if t, ok := heredocTag(v); ok {
			tag, name, heredocLine = t, k, i+1
			continue
		}
		m[k] = v
	}
	if tag != "" {
		return nil, &ConfigError{Line: heredocLine, Msg: fmt.Sprintf("heredoc <<%s of option %q has no end line %s", tag, name, tag)}
	}
	return m, nil
}

// splitSetting splits "name = value" (leading blanks already removed).
func splitSetting(s string) (name, value string, ok bool) {
	i := 0
	for i < len(s) && isNameByte(s[i]) {
		i++
	}
	if i == 0 {
		return "", "", false
	}
	name = s[:i]
	rest := strings.TrimLeft(s[i:], perlSpace)
	if !strings.HasPrefix(rest, "=") {
		return "", "", false
	}
	return name, strings.Trim(rest[1:], perlSpace), true
}

func isNameByte(c byte) bool {
	return isDigit(c) || isAlpha(c) || c == '_' || c == '-'
}

// heredocTag reports whether v is "<<TAG" and returns TAG.
func heredocTag(v string) (string, bool) {
	t, ok := strings.CutPrefix(v, "<<")
	if !ok || t == "" {
		return "", false
	}
	for i := 0; i < len(t); i++ {
		if c := t[i]; !isDigit(c) && !isAlpha(c) && c != '_' {
			return "", false
		}
	}
	return t, true
}

// FormatConfig writes options as a configuration file ParseConfig reads
// back to the same options: one `name = value` line each, in name order, or
// a heredoc for values a single line cannot hold (those with a line end).
// It fails on an unknown name or a value no file can express (one with a
// line end that is not made of whole lines, or with blanks at either end).
func FormatConfig(opts map[string]string) ([]byte, error) {
	keys := make([]string, 0, len(opts))
	for k := range opts {
		if !configKeySet[k] {
			return nil, fmt.Errorf("unknown option %q", k)
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		v := opts[k]
		_, isTag := heredocTag(v)
		if !strings.Contains(v, "\n") && strings.Trim(v, perlSpace) == v && !isTag {
			fmt.Fprintf(&b, "%s = %s\n", k, v)
			continue
		}
		if !strings.HasSuffix(v, "\n") {
			return nil, fmt.Errorf("option %s: value %q cannot be written to a configuration file", k, clip(v, 80))
		}
		body := strings.Split(strings.TrimSuffix(v, "\n"), "\n")
		tag := heredocEnd(body)
		fmt.Fprintf(&b, "%s = <<%s\n", k, tag)
		for _, l := range body {
			b.WriteString(l)
			b.WriteByte('\n')
		}
		b.WriteString(tag)
		b.WriteByte('\n')
	}
	return []byte(b.String()), nil
}

// heredocEnd picks a heredoc tag that no line of the value would end early.
func heredocEnd(lines []string) string {
	for n := 0; ; n++ {
		tag := "EOT"
		if n > 0 {
			tag += strconv.Itoa(n)
		}
		clash := false
		for _, l := range lines {
			if rest, ok := strings.CutPrefix(l, tag); ok && strings.Trim(rest, perlSpace) == "" {
				clash = true
				break
			}
		}
		if !clash {
			return tag
		}
	}
}

// PerlTrue reports whether a configuration value is true the way Perl sees
// it: anything but "" and "0".
func PerlTrue(v string) bool { return v != "" && v != "0" }
