package alpine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/pakiti-go/pakiti/internal/jsontok"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source"
)

// ParseJSON reads a secdb JSON file as secdb.alpinelinux.org serves it
// (v3.NN/main.json, community.json):
//
//	{"distroversion": "v3.20", "reponame": "main", "archs": [...],
//	 "urlprefix": "...", "apkurl": "...",
//	 "packages": [{"pkg": {"name": ORIGIN,
//	   "secfixes": {"1.2.3-r0": ["CVE-..."], "0": ["CVE-..."]}}}]}
//
// with a json.Decoder token loop, one package at a time. Keys may come in
// any order; records read before distroversion are held back (at most
// maxPending). archs, urlprefix and apkurl are skipped; any other key, or
// a value of the wrong type, is an error naming where it is. A null
// secfixes or id list counts as empty. List items are read as the YAML
// reader reads them (see the package documentation).
func ParseJSON(ctx context.Context, r io.Reader, emit func(model.Advisory) error) (Stats, error) {
	var st Stats
	j := &jsonReader{br: &jsontok.BoundedReader{R: r, Max: maxJSONValue}, c: newCollector(ctx, &st, emit)}
	j.dec = json.NewDecoder(j.br)
	err := j.run(ctx)
	if err != nil {
		err = j.wrap(err)
	}
	return st, err
}

type jsonReader struct {
	br  *jsontok.BoundedReader
	dec *json.Decoder
	c   *collector
	pkg string // the package being read, for errors
	at  int    // its position in packages, from 1
}

func (j *jsonReader) next() (json.Token, error) {
	t, err := j.dec.Token()
	j.br.Mark = j.dec.InputOffset()
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return t, err
}

func (j *jsonReader) delim(want json.Delim, what string) error {
	t, err := j.next()
	if err != nil {
		return err
	}
	if d, ok := t.(json.Delim); !ok || d != want {
		return fmt.Errorf("%s: %s expected, found %s", what, delimName(want), tokenName(t))
	}
	return nil
}

func (j *jsonReader) str(what string) (string, error) {
	t, err := j.next()
	if err != nil {
		return "", err
	}
	s, ok := t.(string)
	if !ok {
		return "", fmt.Errorf("%s: a string expected, found %s", what, tokenName(t))
	}
	return s, nil
}

// openOrNull reads the start of a collection, or null (false).
func (j *jsonReader) openOrNull(want json.Delim, what string) (bool, error) {
	t, err := j.next()
	if err != nil {
		return false, err
	}
	if t == nil {
		return false, nil
	}
	if d, ok := t.(json.Delim); !ok || d != want {
		return false, fmt.Errorf("%s: %s expected, found %s", what, delimName(want), tokenName(t))
	}
	return true, nil
}

func (j *jsonReader) run(ctx context.Context) error {
	t, err := j.dec.Token()
	j.br.Mark = j.dec.InputOffset()
	if err == io.EOF {
		return errors.New("empty document")
	}
	if err != nil {
		return err
	}
	if d, ok := t.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("an object expected, found %s", tokenName(t))
	}
	for j.dec.More() {
		key, err := j.str("key")
		if err != nil {
			return err
		}
		switch key {
		case "distroversion":
			v, err := j.str(key)
			if err != nil {
				return err
			}
			if err := j.c.setGroup(v); err != nil {
				return err
			}
		case "reponame":
			if _, err := j.str(key); err != nil {
				return err
			}
		case "archs", "urlprefix", "apkurl":
			if err := jsontok.Skip(j.next); err != nil {
				return err
			}
		case "packages":
			if err := j.packages(ctx); err != nil {
				return err
			}
		default:
			return fmt.Errorf("unknown key %q (known: distroversion, reponame, archs, urlprefix, apkurl, packages)", source.Clip(key, 40))
		}
	}
	if err := j.delim('}', "document"); err != nil {
		return err
	}
	if _, err := j.dec.Token(); err != io.EOF {
		return errors.New("data after the document")
	}
	return j.c.finish()
}

func (j *jsonReader) packages(ctx context.Context) error {
	if ok, err := j.openOrNull('[', "packages"); !ok || err != nil {
		return err
	}
	for j.dec.More() {
		if err := ctx.Err(); err != nil {
			return err
		}
		j.at++
		j.pkg = ""
		j.c.startPackage()
		if err := j.delim('{', "package"); err != nil {
			return err
		}
		seen := false
		for j.dec.More() {
			key, err := j.str("package key")
			if err != nil {
				return err
			}
			if key != "pkg" || seen {
				return fmt.Errorf("package: only one key, pkg, expected, found %q", source.Clip(key, 40))
			}
			seen = true
			if err := j.pkgObject(); err != nil {
				return err
			}
		}
		if err := j.delim('}', "package"); err != nil {
			return err
		}
		if err := j.c.endPackage(); err != nil {
			return err
		}
	}
	j.pkg, j.at = "", 0
	return j.delim(']', "packages")
}

func (j *jsonReader) pkgObject() error {
	if err := j.delim('{', "pkg"); err != nil {
		return err
	}
	for j.dec.More() {
		key, err := j.str("pkg key")
		if err != nil {
			return err
		}
		switch key {
		case "name":
			name, err := j.str("name")
			if err != nil {
				return err
			}
			if err := j.c.setName(name); err != nil {
				return err
			}
			j.pkg = name
		case "secfixes":
			if err := j.secfixes(); err != nil {
				return err
			}
		default:
			return fmt.Errorf("unknown key %q in pkg (known: name, secfixes)", source.Clip(key, 40))
		}
	}
	return j.delim('}', "pkg")
}

func (j *jsonReader) secfixes() error {
	if ok, err := j.openOrNull('{', "secfixes"); !ok || err != nil {
		return err
	}
	for j.dec.More() {
		ver, err := j.str("secfixes key")
		if err != nil {
			return err
		}
		what := "secfixes " + source.Clip(ver, 40)
		ok, err := j.openOrNull('[', what)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		for j.dec.More() {
			text, err := j.str(what)
			if err != nil {
				return err
			}
			if err := j.c.add(ver, text); err != nil {
				return err
			}
		}
		if err := j.delim(']', what); err != nil {
			return err
		}
	}
	return j.delim('}', "secfixes")
}

// wrap words an error with where it happened.
func (j *jsonReader) wrap(err error) error {
	where := "secdb JSON"
	if j.at > 0 {
		where += fmt.Sprintf(": package %d", j.at)
		if j.pkg != "" {
			where += fmt.Sprintf(" (%s)", source.Clip(j.pkg, 60))
		}
	}
	var se *json.SyntaxError
	switch {
	case errors.Is(err, jsontok.ErrValueTooLarge):
		return fmt.Errorf("%s: a value is larger than %d bytes", where, maxJSONValue)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%s: unexpected end of input", where)
	case errors.As(err, &se):
		return fmt.Errorf("%s: byte %d: %v", where, se.Offset, se)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	}
	return fmt.Errorf("%s: byte %d: %w", where, j.dec.InputOffset(), err)
}

func delimName(d json.Delim) string {
	switch d {
	case '{':
		return "an object"
	case '[':
		return "a list"
	}
	return fmt.Sprintf("%q", string(d))
}

func tokenName(t json.Token) string {
	switch v := t.(type) {
	case json.Delim:
		switch v {
		case '{':
			return "an object"
		case '[':
			return "a list"
		}
		return fmt.Sprintf("%q", string(v))
	case string:
		return fmt.Sprintf("the string %q", source.Clip(v, 40))
	case nil:
		return "null"
	case bool:
		return "a boolean"
	}
	return "a number"
}
