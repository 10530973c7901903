package oval

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Limits that keep a hostile or broken document from costing unbounded
// memory or stack.
const (
	maxDepth       = 64      // criteria nesting
	maxDescription = 4 << 10 // bytes of a description kept in the spool
	// maxVariableValues bounds one constant_variable (Ubuntu's list the
	// binaries of one source package: a few; linux's, with every flavour
	// and ABI, thousands).
	maxVariableValues = 1 << 16
	defaultMemSpool   = 16 << 20
)

// Stats counts what a Parse read.
type Stats struct {
	Definitions int `json:"definitions"`
	Tests       int `json:"tests"`
	Objects     int `json:"objects"`
	States      int `json:"states"`
	Variables   int `json:"variables"`
	// Missing counts references to a test, object or state the document
	// does not hold (the criterion or test is then unknown to Eval).
	MissingTests   int `json:"missing_tests,omitempty"`
	MissingObjects int `json:"missing_objects,omitempty"`
	MissingStates  int `json:"missing_states,omitempty"`
	// SpoolBytes is the size of the definitions' compact form; SpoolFile
	// tells whether it outgrew memory and went to a temporary file.
	SpoolBytes int64 `json:"-"`
	SpoolFile  bool  `json:"-"`
}

// Parser reads OVAL definition documents. The zero value is ready to use.
type Parser struct {
	// TempDir holds the spool file of a large document ("" = os.TempDir).
	TempDir string
	// MemSpool is how many bytes of compact definitions, and of compact
	// tests and of states, stay in memory before they move to temporary
	// files (0 = 16 MiB).
	MemSpool int

	// Generator is the document's generator, set by Parse before the
	// first definition is handed out.
	Generator Generator
	// Stats is set by Parse.
	Stats Stats
}

// Parse reads an OVAL definitions document from r and calls fn with each
// definition, in document order, its criteria resolved to tests, objects
// and states. Definitions are handed out after the whole document is read
// (their tests usually follow them); fn may keep a *Definition, which
// holds its tests, for Eval. An error from fn stops the parse and is
// returned.
func (p *Parser) Parse(ctx context.Context, r io.Reader, fn func(*Definition) error) error {
	p.Stats = Stats{}
	p.Generator = Generator{}
	sp := newSpool(p.TempDir, p.memSpool())
	defer sp.close()
	idx := newIndex(p.TempDir, p.memSpool())
	defer idx.tests.close()
	defer idx.states.close()
	if err := p.read(ctx, r, sp, idx); err != nil {
		return err
	}
	if err := cmpErr(idx.tests.err, idx.states.err); err != nil {
		return fmt.Errorf("oval: temporary file: %w", err)
	}
	p.Stats.Tests, p.Stats.Objects, p.Stats.States = idx.tests.n, len(idx.objects), idx.states.n
	p.Stats.SpoolBytes, p.Stats.SpoolFile = sp.size(), sp.file != nil
	return sp.replay(func(d *Definition) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		idx.resolve(d.Criteria, &p.Stats)
		if err := cmpErr(idx.tests.err, idx.states.err); err != nil {
			return fmt.Errorf("oval: temporary file: %w", err)
		}
		return fn(d)
	})
}

func (p *Parser) memSpool() int {
	if p.MemSpool <= 0 {
		return defaultMemSpool
	}
	return p.MemSpool
}

func cmpErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// index holds a document's tests and states (compact, in arenas) and its
// objects (few: one per package name in vendors' files), and a cache of
// the decoded tests and states, so that definitions sharing a test share
// its *Test while the cache lasts.
type index struct {
	tests   *arena
	states  *arena
	objects map[string]*Object
	// variables are the constant_variables (few, small: Ubuntu's name a
	// source package's binaries).
	variables map[string]*Variable

	testCache  map[string]*Test
	stateCache map[string]*State
}

// maxCached bounds the decoded tests and states kept between definitions.
const maxCached = 1 << 12

func newIndex(dir string, memLimit int) *index {
	return &index{tests: newArena(dir, memLimit), states: newArena(dir, memLimit), objects: map[string]*Object{},
		variables: map[string]*Variable{},
		testCache: map[string]*Test{}, stateCache: map[string]*State{}}
}

// test returns the test of id, linked to its object and states and
// classified; nil when the document has none.
func (x *index) test(id string, st *Stats) *Test {
	if t, ok := x.testCache[id]; ok {
		return t
	}
	d, ok := x.tests.get(id)
	if !ok {
		return nil
	}
	t := decodeTest(id, d)
	if t.ObjectRef != "" {
		if o, ok := x.objects[t.ObjectRef]; ok {
			t.Object = o
		} else {
			st.MissingObjects++
		}
	}
	for _, ref := range t.StateRefs {
		if s := x.state(ref); s != nil {
			t.States = append(t.States, s)
		} else {
			st.MissingStates++
		}
	}
	if t.Object != nil {
		for _, f := range t.Object.Fields {
			if f.VarRef != "" {
				t.Variable = x.variables[f.VarRef]
				break
			}
		}
	}
	t.Kind = classify(t)
	if len(x.testCache) >= maxCached {
		clear(x.testCache)
	}
	x.testCache[id] = t
	return t
}

func (x *index) state(id string) *State {
	if s, ok := x.stateCache[id]; ok {
		return s
	}
	d, ok := x.states.get(id)
	if !ok {
		return nil
	}
	s := decodeState(id, d)
	if len(x.stateCache) >= maxCached {
		clear(x.stateCache)
	}
	x.stateCache[id] = s
	return s
}

// resolve sets the Test of every criterion of a tree.
func (x *index) resolve(n *Node, st *Stats) {
	if n == nil {
		return
	}
	if n.TestRef != "" {
		if n.Test = x.test(n.TestRef, st); n.Test == nil {
			st.MissingTests++
		}
	}
	for _, c := range n.Children {
		x.resolve(c, st)
	}
}

// read is the token loop over the document.
func (p *Parser) read(ctx context.Context, r io.Reader, sp *spool, idx *index) error {
	d := xml.NewDecoder(r)
	d.Strict = true
	d.CharsetReader = charsetReader
	root := false
	section := ""
	n := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			if !root {
				return errors.New("not an OVAL definitions document: no oval_definitions element")
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("oval: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if n++; n%512 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			if !root {
				if t.Name.Local != "oval_definitions" {
					return fmt.Errorf("not an OVAL definitions document: root element %q", t.Name.Local)
				}
				root = true
				continue
			}
			if section == "" {
				switch t.Name.Local {
				case "generator":
					var g xGenerator
					if err := d.DecodeElement(&g, &t); err != nil {
						return fmt.Errorf("oval: generator: %w", err)
					}
					p.Generator = Generator{ProductName: trim(g.ProductName), ProductVersion: trim(g.ProductVersion),
						SchemaVersion: trim(g.SchemaVersion), Timestamp: trim(g.Timestamp), ContentVersion: trim(g.ContentVersion)}
				case "definitions", "tests", "objects", "states", "variables":
					section = t.Name.Local
				default:
					if err := d.Skip(); err != nil {
						return fmt.Errorf("oval: %w", err)
					}
				}
				continue
			}
			if err := p.readItem(d, &t, section, sp, idx); err != nil {
				return err
			}
		case xml.EndElement:
			if section != "" && t.Name.Local == section {
				section = ""
			}
		}
	}
}

// readItem decodes one child of a section.
func (p *Parser) readItem(d *xml.Decoder, t *xml.StartElement, section string, sp *spool, idx *index) error {
	switch section {
	case "definitions":
		if t.Name.Local != "definition" {
			return d.Skip()
		}
		def, err := decodeDefinition(d, t)
		if err != nil {
			return fmt.Errorf("oval: definition %s: %w", attr(t, "id"), err)
		}
		p.Stats.Definitions++
		return sp.put(def)
	case "tests":
		var x xTest
		if err := d.DecodeElement(&x, t); err != nil {
			return fmt.Errorf("oval: test %s: %w", attr(t, "id"), err)
		}
		te := &Test{ID: x.ID, Type: intern(t.Name.Local), Comment: x.Comment, Check: intern(x.Check),
			CheckExistence: intern(x.CheckExistence), StateOperator: intern(x.StateOperator), ObjectRef: x.Object.Ref}
		for _, s := range x.States {
			te.StateRefs = append(te.StateRefs, s.Ref)
		}
		idx.tests.put(te.ID, encodeTest(te))
	case "objects":
		var x xEntities
		if err := d.DecodeElement(&x, t); err != nil {
			return fmt.Errorf("oval: object %s: %w", attr(t, "id"), err)
		}
		idx.objects[x.ID] = &Object{ID: x.ID, Type: intern(t.Name.Local), Fields: x.fields()}
	case "states":
		var x xEntities
		if err := d.DecodeElement(&x, t); err != nil {
			return fmt.Errorf("oval: state %s: %w", attr(t, "id"), err)
		}
		idx.states.put(x.ID, encodeState(&State{ID: x.ID, Type: t.Name.Local, Operator: x.Operator, Fields: x.fields()}))
	case "variables":
		p.Stats.Variables++
		if t.Name.Local != "constant_variable" {
			return d.Skip() // local and external variables: no value a document holds
		}
		var x xVariable
		if err := d.DecodeElement(&x, t); err != nil {
			return fmt.Errorf("oval: variable %s: %w", attr(t, "id"), err)
		}
		if len(x.Values) > maxVariableValues {
			return fmt.Errorf("oval: variable %s: more than %d values", x.ID, maxVariableValues)
		}
		v := &Variable{ID: x.ID, Comment: trim(x.Comment)}
		for _, val := range x.Values {
			v.Values = append(v.Values, trim(val))
		}
		idx.variables[x.ID] = v
	}
	return nil
}

func attr(t *xml.StartElement, name string) string {
	for _, a := range t.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// charsetReader accepts the encodings vendors declare; all of them write
// ASCII-compatible text.
func charsetReader(label string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "latin1":
		return in, nil
	}
	return nil, fmt.Errorf("unsupported encoding %q", label)
}

func trim(s string) string { return strings.TrimSpace(s) }

// interned holds the few distinct short strings (types, operations,
// datatypes, checks) that every test and state repeats.
var internLimit = 64

func intern(s string) string {
	if len(s) > internLimit {
		return s
	}
	if v, ok := internTable[s]; ok {
		return v
	}
	return s
}

var internTable = func() map[string]string {
	m := map[string]string{}
	for _, s := range []string{"", "rpminfo_test", "rpminfo_object", "rpminfo_state", "rpmverifyfile_test",
		"rpmverifyfile_object", "rpmverifyfile_state", "textfilecontent54_test", "textfilecontent54_object",
		"textfilecontent54_state", "uname_test", "uname_object", "uname_state", "dpkginfo_test", "dpkginfo_object",
		"dpkginfo_state", "family_test", "name", "arch", "epoch", "release", "version", "evr", "signature_keyid",
		"filepath", "pattern", "instance", "text", "os_release", "equals", "not equal", "less than",
		"less than or equal", "greater than", "greater than or equal", "pattern match", "evr_string",
		"debian_evr_string", "string", "int", "at least one", "all", "none satisfy", "only one", "none exist",
		"at_least_one_exists", "none_exist", "AND", "OR", "behaviors"} {
		m[s] = s
	}
	return m
}()
