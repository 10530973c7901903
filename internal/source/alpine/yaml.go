package alpine

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source"
)

// ParseYAML reads a secdb YAML file (the form of
// secdb.alpinelinux.org/v3.NN/main.yaml) and emits its records. It reads
// exactly the secdb's shape, line by line, in the block style the real
// files use:
//
//	---                                  (optional, first line only)
//	distroversion: v3.11
//	reponame: main
//	archs:                               (a list of plain words; ignored)
//	  - x86_64
//	urlprefix: http://...                (ignored)
//	apkurl: "{{urlprefix}}/..."          (ignored)
//	packages:
//	  - pkg:
//	      name: ORIGIN
//	      secfixes:                      (may be missing, empty or {})
//	        1.2.3-r0:                    (a version, plain or quoted)
//	          - CVE-2019-1234 ...        (items, at or right of the key)
//	        "0":
//	        - CVE-2016-0682
//
// Indentation may be any number of spaces as long as siblings agree and
// children sit right of their parent (a list may sit at its key's
// column); blank lines and comment lines ("# ...", at any indentation) are
// skipped; plain, "double-quoted" and 'single-quoted' scalars are read,
// with trailing comments. Anything else — tabs in indentation, unknown
// keys, flow collections other than {} and [], anchors, tags, block
// scalars, multi-line scalars, a mapping where a list item is expected —
// is an error naming the line. How the text of a list item becomes
// records is described in the package documentation.
func ParseYAML(ctx context.Context, r io.Reader, emit func(model.Advisory) error) (Stats, error) {
	var st Stats
	y := &yamlReader{br: bufio.NewReaderSize(r, 64<<10), c: newCollector(ctx, &st, emit)}
	err := y.run(ctx)
	if err != nil {
		if y.n > 0 {
			err = fmt.Errorf("secdb YAML: line %d: %w", y.n, err)
		} else {
			err = fmt.Errorf("secdb YAML: %w", err)
		}
	}
	return st, err
}

// yamlLine is one line that is not blank or a comment.
type yamlLine struct {
	indent   int    // spaces before the content (before "- " for an item)
	col      int    // column of the content (after "- " for an item)
	dash     bool   // a list item
	hasKey   bool   // "key:" or "key: value"
	key      string // the key, unquoted
	value    string // the scalar, unquoted; "" when there is none
	hasValue bool
}

type yamlReader struct {
	br *bufio.Reader
	c  *collector
	n  int // current line number

	started bool // a content line was read
	list    string
	// list is the top-level list being read: "", "archs" or "packages".
	listIndent int // indentation of its items, -1 until the first
	// The pkg entry being read.
	inPkg       bool
	pkgCol      int // column of the "pkg" key
	fieldIndent int // indentation of name/secfixes, -1 until the first
	inSecfixes  bool
	verIndent   int    // indentation of the version keys, -1 until the first
	ver         string // the version key whose items are read; "" before the first
	itemIndent  int    // indentation of its items, -1 until the first
}

func (y *yamlReader) run(ctx context.Context) error {
	for {
		line, err := y.readLine()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if y.n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		l, skip, err := y.parseLine(line)
		if err != nil {
			return err
		}
		if skip {
			continue
		}
		if err := y.handle(l); err != nil {
			return err
		}
	}
	y.n = 0 // errors from here on are not about a line
	if err := y.endPkg(); err != nil {
		return err
	}
	if !y.started {
		return errors.New("empty document")
	}
	return y.c.finish()
}

// readLine returns the next line without its line ending.
func (y *yamlReader) readLine() (string, error) {
	var buf []byte
	for {
		chunk, err := y.br.ReadSlice('\n')
		buf = append(buf, chunk...)
		if len(buf) > maxLine {
			y.n++
			return "", fmt.Errorf("line longer than %d bytes", maxLine)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF && len(buf) == 0 {
			return "", io.EOF
		}
		if err != nil && err != io.EOF {
			return "", err
		}
		y.n++
		buf = bytes.TrimSuffix(buf, []byte("\n"))
		buf = bytes.TrimSuffix(buf, []byte("\r"))
		if y.n == 1 {
			buf = bytes.TrimPrefix(buf, []byte("\ufeff"))
		}
		return string(buf), nil
	}
}

// parseLine splits a line into its parts; skip is true for blank and
// comment lines and the document start.
func (y *yamlReader) parseLine(s string) (yamlLine, bool, error) {
	var l yamlLine
	trimmed := strings.TrimRight(s, " \t")
	rest := strings.TrimLeft(trimmed, " ")
	if rest == "" || rest[0] == '#' {
		return l, true, nil
	}
	if rest[0] == '\t' {
		return l, false, errors.New("tab in indentation")
	}
	l.indent = len(trimmed) - len(rest)
	if l.indent == 0 {
		switch {
		case rest == "---" && !y.started:
			y.started = true
			return l, true, nil
		case strings.HasPrefix(rest, "---") || strings.HasPrefix(rest, "...") || rest[0] == '%':
			return l, false, errors.New("a second document, a document end or a directive: one document expected")
		}
	}
	y.started = true
	l.col = l.indent
	if rest == "-" || strings.HasPrefix(rest, "- ") || strings.HasPrefix(rest, "-\t") {
		l.dash = true
		rest = strings.TrimLeft(rest[1:], " \t")
		l.col = len(trimmed) - len(rest)
		if rest == "" || rest[0] == '#' {
			return l, false, errors.New("list item without a value on its line")
		}
	}
	key, value, hasKey, hasValue, err := splitKey(rest)
	if err != nil {
		return l, false, err
	}
	l.key, l.value, l.hasKey, l.hasValue = key, value, hasKey, hasValue
	return l, false, nil
}

// splitKey reads "key: value", "key:" or a lone scalar.
func splitKey(s string) (key, value string, hasKey, hasValue bool, err error) {
	if s[0] == '"' || s[0] == '\'' {
		q, after, err := quoted(s)
		if err != nil {
			return "", "", false, false, err
		}
		after = strings.TrimLeft(after, " \t")
		switch {
		case after == "" || after[0] == '#':
			return "", q, false, true, nil
		case after[0] == ':' && (len(after) == 1 || after[1] == ' ' || after[1] == '\t'):
			v, has, err := scalar(after[1:])
			return q, v, true, has, err
		}
		return "", "", false, false, fmt.Errorf("text after a quoted scalar: %q", source.Clip(after, 40))
	}
	if err := plainStart(s); err != nil {
		return "", "", false, false, err
	}
	if i := keyEnd(s); i >= 0 {
		v, has, err := scalar(s[i+1:])
		return strings.TrimRight(s[:i], " \t"), v, true, has, err
	}
	v, _, err := scalar(s)
	return "", v, false, true, err
}

// keyEnd finds the ":" that ends a plain key: followed by a blank or the
// end of the line, before any comment.
func keyEnd(s string) int {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ':':
			if i+1 == len(s) || s[i+1] == ' ' || s[i+1] == '\t' {
				return i
			}
		case '#':
			if i > 0 && (s[i-1] == ' ' || s[i-1] == '\t') {
				return -1
			}
		}
	}
	return -1
}

// scalar reads the value after a key: nothing (or a comment), "{}" or
// "[]" (returned as is, for the caller to accept where they fit), a quoted
// or a plain scalar.
func scalar(s string) (string, bool, error) {
	s = strings.TrimLeft(s, " \t")
	if s == "" || s[0] == '#' {
		return "", false, nil
	}
	if s[0] == '"' || s[0] == '\'' {
		q, after, err := quoted(s)
		if err != nil {
			return "", false, err
		}
		if after = strings.TrimLeft(after, " \t"); after != "" && after[0] != '#' {
			return "", false, fmt.Errorf("text after a quoted scalar: %q", source.Clip(after, 40))
		}
		return q, true, nil
	}
	if v := stripComment(s); v == "{}" || v == "[]" {
		return v, true, nil
	}
	if err := plainStart(s); err != nil {
		return "", false, err
	}
	v := stripComment(s)
	if keyEnd(v) >= 0 {
		return "", false, fmt.Errorf("a mapping where a scalar is expected: %q", source.Clip(v, 60))
	}
	return v, true, nil
}

// plainStart refuses what would not be a plain scalar in YAML: flow
// collections, anchors, aliases, tags, block scalars, reserved indicators
// and a nested list on the same line.
func plainStart(s string) error {
	switch s[0] {
	case '[', ']', '{', '}', '&', '*', '!', '|', '>', '%', '@', '`', ',':
		return fmt.Errorf("YAML construct not read by this reader (%q): only plain and quoted scalars", source.Clip(s, 40))
	case '-', '?', ':':
		if len(s) == 1 || s[1] == ' ' || s[1] == '\t' {
			return fmt.Errorf("YAML construct not read by this reader (%q)", source.Clip(s, 40))
		}
	}
	return nil
}

// stripComment removes a trailing " # comment" and blanks from a plain
// scalar.
func stripComment(s string) string {
	for i := 1; i < len(s); i++ {
		if s[i] == '#' && (s[i-1] == ' ' || s[i-1] == '\t') {
			s = s[:i]
			break
		}
	}
	return strings.TrimRight(s, " \t")
}

// quoted reads a quoted scalar that ends on its line and returns it with
// what follows the closing quote. Double quotes take the escapes \\ \" \/
// \t; single quotes take ”.
func quoted(s string) (string, string, error) {
	q := s[0]
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == q && q == '\'' && i+1 < len(s) && s[i+1] == '\'':
			b.WriteByte('\'')
			i++
		case c == q:
			return b.String(), s[i+1:], nil
		case c == '\\' && q == '"':
			if i+1 == len(s) {
				return "", "", errors.New("quoted scalar continues on the next line")
			}
			i++
			switch s[i] {
			case '\\', '"', '/':
				b.WriteByte(s[i])
			case 't':
				b.WriteByte('\t')
			default:
				return "", "", fmt.Errorf("escape \\%c not read by this reader", s[i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", "", errors.New("quoted scalar continues on the next line")
}

// handle places one content line in the secdb's structure.
func (y *yamlReader) handle(l yamlLine) error {
	// A key at column 0 is a top-level key.
	if l.indent == 0 && !l.dash {
		return y.topKey(l)
	}
	switch y.list {
	case "archs":
		if !l.dash || l.hasKey || (y.listIndent >= 0 && l.indent != y.listIndent) {
			return errors.New("archs: a list of words expected")
		}
		y.listIndent = l.indent
		return nil
	case "packages":
		return y.packagesLine(l)
	}
	return errors.New("indented line outside archs and packages")
}

func (y *yamlReader) topKey(l yamlLine) error {
	if err := y.endPkg(); err != nil {
		return err
	}
	y.list = ""
	if !l.hasKey {
		return fmt.Errorf("a top-level key expected, not %q", source.Clip(l.value, 40))
	}
	switch l.key {
	case "distroversion":
		if !l.hasValue {
			return errors.New("distroversion without a value")
		}
		return y.c.setGroup(l.value)
	case "reponame", "urlprefix", "apkurl":
		if !l.hasValue || l.value == "{}" || l.value == "[]" {
			return fmt.Errorf("%s: a word expected", l.key)
		}
		return nil
	case "archs", "packages":
		switch {
		case !l.hasValue:
			y.list, y.listIndent = l.key, -1
		case l.value != "[]":
			return fmt.Errorf("%s: a list expected", l.key)
		}
		return nil
	}
	return fmt.Errorf("unknown top-level key %q (known: distroversion, reponame, archs, urlprefix, apkurl, packages)", source.Clip(l.key, 40))
}

// packagesLine reads a line below "packages:".
func (y *yamlReader) packagesLine(l yamlLine) error {
	// "- pkg:": a new entry.
	if l.dash && (y.listIndent < 0 || l.indent == y.listIndent) && !(y.inSecfixes && y.ver != "" && l.indent >= y.verIndent && l.indent == y.itemIndent) {
		if !l.hasKey || l.key != "pkg" || l.hasValue {
			return errors.New(`packages: "- pkg:" expected`)
		}
		if err := y.endPkg(); err != nil {
			return err
		}
		if err := y.c.ctx.Err(); err != nil {
			return err
		}
		y.listIndent = l.indent
		y.c.startPackage()
		y.inPkg = true
		y.pkgCol = l.col
		y.fieldIndent, y.inSecfixes = -1, false
		return nil
	}
	if !y.inPkg {
		return errors.New(`packages: "- pkg:" expected`)
	}
	// name: / secfixes:
	if !l.dash && l.indent > y.pkgCol && (y.fieldIndent < 0 || l.indent == y.fieldIndent) {
		y.fieldIndent = l.indent
		y.inSecfixes = false
		switch l.key {
		case "name":
			if !l.hasKey {
				break
			}
			if !l.hasValue {
				return errors.New("name without a value")
			}
			return y.c.setName(l.value)
		case "secfixes":
			if !l.hasKey {
				break
			}
			if l.hasValue && l.value != "{}" {
				return errors.New("secfixes: a mapping of versions expected")
			}
			y.inSecfixes = !l.hasValue
			y.verIndent, y.ver, y.itemIndent = -1, "", -1
			return nil
		default:
			if l.hasKey {
				return fmt.Errorf("unknown key %q in pkg (known: name, secfixes)", source.Clip(l.key, 40))
			}
		}
		return errors.New("pkg: name: or secfixes: expected")
	}
	if !y.inSecfixes || l.indent <= y.fieldIndent {
		return errors.New("line at an unexpected indentation")
	}
	// A version key.
	if !l.dash && (y.verIndent < 0 || l.indent == y.verIndent) {
		if !l.hasKey {
			return fmt.Errorf("secfixes: a version key expected, not %q", source.Clip(l.value, 40))
		}
		if l.hasValue && l.value != "[]" {
			return fmt.Errorf("secfixes: %s: a list of ids expected", source.Clip(l.key, 40))
		}
		y.verIndent, y.ver, y.itemIndent = l.indent, l.key, -1
		return nil
	}
	// An item of the version's list.
	if l.dash && y.ver != "" && l.indent >= y.verIndent && (y.itemIndent < 0 || l.indent == y.itemIndent) {
		if l.hasKey {
			return fmt.Errorf("secfixes: %s: a mapping where an id is expected", source.Clip(y.ver, 40))
		}
		if l.value == "{}" || l.value == "[]" {
			return fmt.Errorf("secfixes: %s: a collection where an id is expected", source.Clip(y.ver, 40))
		}
		y.itemIndent = l.indent
		return y.c.add(y.ver, l.value)
	}
	return errors.New("line at an unexpected indentation")
}

// endPkg emits the pkg entry being read, if any.
func (y *yamlReader) endPkg() error {
	if !y.inPkg {
		return nil
	}
	y.inPkg, y.inSecfixes = false, false
	return y.c.endPackage()
}
