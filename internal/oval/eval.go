package oval

import (
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/pakiti-go/pakiti/internal/version"
)

// Result is OVAL's outcome of a criteria node or test, reduced to three
// values: OVAL's error, unknown, not evaluated and not applicable all read
// as Unknown, which a matcher must never take for false.
type Result int

// The three results.
const (
	False Result = iota
	True
	Unknown
)

func (r Result) String() string {
	switch r {
	case False:
		return "false"
	case True:
		return "true"
	}
	return "unknown"
}

func boolResult(b bool) Result {
	if b {
		return True
	}
	return False
}

func (r Result) not() Result {
	switch r {
	case True:
		return False
	case False:
		return True
	}
	return Unknown
}

// Package is an installed package as a test sees it.
type Package struct {
	Name string
	// EVR is [epoch:]version-release (rpm) or the Debian version (dpkg).
	EVR  string
	Arch string
	// SignatureKeyID is the package's signing key id, "" when unknown.
	SignatureKeyID string
}

// Facts is what Eval knows of a host. Tests on facts it does not have are
// unknown, except where a field below says otherwise.
type Facts struct {
	// Packages are the installed packages (rpminfo_test, dpkginfo_test).
	Packages []Package
	// FileOwners maps a file to the packages owning it
	// (rpmverifyfile_test: "/etc/redhat-release" -> redhat-release).
	FileOwners map[string][]Package
	// Files maps a path to its content (textfilecontent54_test:
	// /etc/dnf/modules.d/nodejs.module). A path not in the map does not
	// exist, when FilesComplete is set; otherwise it is unknown.
	Files         map[string]string
	FilesComplete bool
	// KernelRelease is uname -r (uname_test); "" is unknown.
	KernelRelease string
	// AssumeVendorSigned makes signature_keyid entities true when a
	// package's key is not known: host reports carry no keys, and the
	// vendor's data only lists the vendor's packages.
	AssumeVendorSigned bool
	// Definition evaluates an extend_definition reference (nil: unknown).
	Definition func(id string) Result

	byName map[string][]Package
}

func (f *Facts) packages(name string) []Package {
	if f.byName == nil {
		f.byName = make(map[string][]Package, len(f.Packages))
		for _, p := range f.Packages {
			f.byName[p.Name] = append(f.byName[p.Name], p)
		}
	}
	return f.byName[name]
}

// Evaluator evaluates criteria trees over one host's facts, remembering
// each test's result (definitions share tests). It is not safe for
// concurrent use.
type Evaluator struct {
	facts *Facts
	tests map[*Test]Result
}

// NewEvaluator returns an evaluator over facts.
func NewEvaluator(f *Facts) *Evaluator {
	return &Evaluator{facts: f, tests: map[*Test]Result{}}
}

// Eval evaluates tree over facts.
func Eval(tree *Node, f *Facts) Result { return NewEvaluator(f).Eval(tree) }

// Eval evaluates a criteria tree; a nil tree is unknown.
func (e *Evaluator) Eval(n *Node) Result {
	if n == nil {
		return Unknown
	}
	var r Result
	switch {
	case n.TestRef != "":
		if n.Test == nil {
			r = Unknown
		} else {
			r = e.Test(n.Test)
		}
	case n.DefinitionRef != "":
		r = Unknown
		if e.facts.Definition != nil {
			r = e.facts.Definition(n.DefinitionRef)
		}
	default:
		rs := make([]Result, len(n.Children))
		for i, c := range n.Children {
			rs[i] = e.Eval(c)
		}
		r = combine(n.Operator, rs)
	}
	if n.Negate {
		r = r.not()
	}
	return r
}

// combine applies an OVAL operator to results (OVAL 5 operator tables,
// with error/unknown/not evaluated merged into Unknown).
func combine(op Operator, rs []Result) Result {
	if len(rs) == 0 {
		return Unknown
	}
	var t, f, u int
	for _, r := range rs {
		switch r {
		case True:
			t++
		case False:
			f++
		default:
			u++
		}
	}
	switch op {
	case OpOR:
		switch {
		case t > 0:
			return True
		case u > 0:
			return Unknown
		}
		return False
	case OpONE:
		switch {
		case t > 1:
			return False
		case u > 0:
			return Unknown
		}
		return boolResult(t == 1)
	case OpXOR:
		if u > 0 {
			return Unknown
		}
		return boolResult(t%2 == 1)
	default: // AND
		switch {
		case f > 0:
			return False
		case u > 0:
			return Unknown
		}
		return True
	}
}

// Test evaluates one test.
func (e *Evaluator) Test(t *Test) Result {
	if r, ok := e.tests[t]; ok {
		return r
	}
	r := e.test(t)
	e.tests[t] = r
	return r
}

// item is one collected object item: its entities by name.
type item map[string]string

func (e *Evaluator) test(t *Test) Result {
	if t.Object == nil || len(t.States) != len(t.StateRefs) {
		return Unknown
	}
	items, ok := e.collect(t.Object)
	if !ok {
		return Unknown
	}
	var exists bool
	switch t.CheckExistence {
	case "", "at_least_one_exists", "all_exist":
		exists = len(items) > 0
	case "any_exist":
		exists = true
	case "none_exist":
		exists = len(items) == 0
	case "only_one_exists":
		exists = len(items) == 1
	default:
		return Unknown
	}
	if !exists {
		return False
	}
	if len(t.States) == 0 || len(items) == 0 {
		return True
	}
	rs := make([]Result, len(items))
	for i, it := range items {
		per := make([]Result, len(t.States))
		for j, s := range t.States {
			per[j] = e.state(s, it)
		}
		rs[i] = combine(opOf(t.StateOperator), per)
	}
	switch t.Check {
	case "all":
		return combine(OpAND, rs)
	case "at least one", "":
		return combine(OpOR, rs)
	case "only one":
		return combine(OpONE, rs)
	case "none satisfy", "none exist":
		return combine(OpOR, rs).not()
	}
	return Unknown
}

func opOf(s string) Operator {
	if s == "" {
		return OpAND
	}
	return Operator(strings.ToUpper(s))
}

// collect gathers the items an object names; false when the facts cannot
// tell.
func (e *Evaluator) collect(o *Object) ([]item, bool) {
	f := e.facts
	for _, fl := range o.Fields {
		if fl.VarRef != "" {
			return nil, false
		}
	}
	switch o.Type {
	case "rpminfo_object", "dpkginfo_object":
		nf, ok := fieldOf(o.Fields, "name")
		if !ok {
			return nil, false
		}
		var cands []Package
		if nf.Operation == "" || nf.Operation == "equals" {
			cands = f.packages(nf.Value)
		} else {
			for _, p := range f.Packages {
				switch r := compareField(nf, p.Name); r {
				case True:
					cands = append(cands, p)
				case Unknown:
					return nil, false
				}
			}
		}
		items := make([]item, 0, len(cands))
		for _, p := range cands {
			items = append(items, packageItem(p, o.Type == "dpkginfo_object"))
		}
		return items, true
	case "rpmverifyfile_object":
		path := o.Get("filepath")
		if path == "" || f.FileOwners == nil {
			return nil, false
		}
		var items []item
		for _, p := range f.FileOwners[path] {
			it := packageItem(p, false)
			it["filepath"] = path
			items = append(items, it)
		}
		return items, true
	case "textfilecontent54_object":
		return e.textItems(o)
	case "uname_object":
		if f.KernelRelease == "" {
			return nil, false
		}
		return []item{{"os_release": f.KernelRelease, "os_name": "Linux"}}, true
	}
	return nil, false
}

func packageItem(p Package, deb bool) item {
	it := item{"name": p.Name, "arch": p.Arch, "evr": p.EVR, "version": p.EVR}
	if p.SignatureKeyID != "" {
		it["signature_keyid"] = p.SignatureKeyID
	}
	if deb {
		return it
	}
	epoch, vr := "0", p.EVR
	if i := strings.IndexByte(vr, ':'); i >= 0 {
		epoch, vr = vr[:i], vr[i+1:]
	}
	v, r := vr, ""
	if i := strings.LastIndexByte(vr, '-'); i >= 0 {
		v, r = vr[:i], vr[i+1:]
	}
	it["epoch"], it["version"], it["release"] = epoch, v, r
	it["evr"] = epoch + ":" + vr
	return it
}

// textItems reads a textfilecontent54_object: the matches of its pattern
// in its file, as OVAL's items (text = whole match, subexpression = first
// group), filtered by instance.
func (e *Evaluator) textItems(o *Object) ([]item, bool) {
	f := e.facts
	path := o.Get("filepath")
	if path == "" {
		p, n := o.Get("path"), o.Get("filename")
		if p == "" || n == "" {
			return nil, false
		}
		path = strings.TrimSuffix(p, "/") + "/" + n
	}
	content, ok := f.Files[path]
	if !ok {
		if f.FilesComplete {
			return nil, true
		}
		return nil, false
	}
	pf, ok := fieldOf(o.Fields, "pattern")
	if !ok {
		return nil, false
	}
	re := compile("(?m)" + pf.Value)
	if re == nil {
		return nil, false
	}
	inst, hasInst := fieldOf(o.Fields, "instance")
	n := 0
	if hasInst {
		var err error
		if n, err = strconv.Atoi(inst.Value); err != nil {
			return nil, false
		}
	}
	var items []item
	for i, m := range re.FindAllStringSubmatch(content, -1) {
		k := i + 1
		if hasInst {
			switch inst.Operation {
			case "", "equals":
				if k != n {
					continue
				}
			case "greater than or equal":
				if k < n {
					continue
				}
			default:
				return nil, false
			}
		}
		it := item{"text": m[0], "filepath": path, "instance": strconv.Itoa(k)}
		if len(m) > 1 {
			it["subexpression"] = m[1]
		}
		items = append(items, it)
	}
	return items, true
}

// state evaluates a state's entities against an item (entities combined
// by the state's operator, AND by default).
func (e *Evaluator) state(s *State, it item) Result {
	if len(s.Fields) == 0 {
		return True
	}
	rs := make([]Result, 0, len(s.Fields))
	for _, fl := range s.Fields {
		if fl.VarRef != "" {
			rs = append(rs, Unknown)
			continue
		}
		v, ok := it[fl.Name]
		if !ok {
			if fl.Name == "signature_keyid" && e.facts.AssumeVendorSigned {
				rs = append(rs, True)
			} else {
				rs = append(rs, Unknown)
			}
			continue
		}
		rs = append(rs, compareField(fl, v))
	}
	return combine(opOf(s.Operator), rs)
}

// compareField applies an entity's operation and datatype to a value
// (value op entity).
func compareField(fl Field, v string) Result {
	op := fl.Operation
	if op == "" {
		op = "equals"
	}
	if op == "pattern match" {
		re := compile(fl.Value)
		if re == nil {
			return Unknown
		}
		return boolResult(re.MatchString(v))
	}
	if op == "case insensitive equals" {
		return boolResult(strings.EqualFold(v, fl.Value))
	}
	if op == "case insensitive not equal" {
		return boolResult(!strings.EqualFold(v, fl.Value))
	}
	var c int
	switch fl.Datatype {
	case "evr_string":
		c = version.RPM.Compare(v, fl.Value)
	case "debian_evr_string":
		c = version.Deb.Compare(v, fl.Value)
	case "version":
		c = version.RPM.Compare(v, fl.Value)
	case "int":
		a, err1 := strconv.ParseInt(v, 10, 64)
		b, err2 := strconv.ParseInt(fl.Value, 10, 64)
		if err1 != nil || err2 != nil {
			return Unknown
		}
		c = cmpInt(a, b)
	default:
		switch op {
		case "equals":
			return boolResult(v == fl.Value)
		case "not equal":
			return boolResult(v != fl.Value)
		}
		return Unknown
	}
	switch op {
	case "equals":
		return boolResult(c == 0)
	case "not equal":
		return boolResult(c != 0)
	case "less than":
		return boolResult(c < 0)
	case "less than or equal":
		return boolResult(c <= 0)
	case "greater than":
		return boolResult(c > 0)
	case "greater than or equal":
		return boolResult(c >= 0)
	}
	return Unknown
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// The compiled patterns of the data, shared by every evaluation; a pattern
// Go's RE2 cannot compile (Perl look-behind) is remembered as nil.
var (
	reMu    sync.Mutex
	reCache = map[string]*regexp.Regexp{}
)

const maxCachedPatterns = 1 << 14

func compile(p string) *regexp.Regexp {
	reMu.Lock()
	defer reMu.Unlock()
	if re, ok := reCache[p]; ok {
		return re
	}
	re, err := regexp.Compile(p)
	if err != nil {
		re = nil
	}
	if len(reCache) < maxCachedPatterns {
		reCache[p] = re
	}
	return re
}
