package oval

// Generator is the document's generator element.
type Generator struct {
	ProductName    string
	ProductVersion string
	SchemaVersion  string
	Timestamp      string
	ContentVersion string
}

// Definition is one OVAL definition with its metadata and its criteria
// tree, every criterion resolved to its test.
type Definition struct {
	ID      string
	Class   string // patch, vulnerability, inventory, compliance, miscellaneous
	Version string
	// Deprecated is the definition's deprecated attribute.
	Deprecated bool

	Title       string
	Description string
	Platforms   []string
	References  []Reference

	// Advisory metadata (Red Hat, Oracle, SUSE, Ubuntu write it alike).
	Severity    string
	Issued      string // date attribute of issued, as written ("2022-05-27")
	Updated     string // date attribute of updated
	CVEs        []CVE
	Bugzillas   []string
	Resolutions []Resolution
	CPEs        []string

	Criteria *Node
}

// Reference is a metadata reference (source "CVE", "RHSA", "elsa"...).
type Reference struct {
	Source string
	RefID  string
	RefURL string
}

// CVE is an advisory cve element.
type CVE struct {
	ID     string // the element's text, trimmed
	Href   string
	Impact string
	CVSS3  string
	Public string
}

// Resolution is a Red Hat advisory affected/resolution element: what
// Red Hat decided for the listed components in an unpatched definition.
type Resolution struct {
	State      string // "Affected", "Will not fix", "Fix deferred", "Under investigation", "Out of support scope"
	Components []string
}

// Operator combines the results of a criteria node's children.
type Operator string

// The criteria operators of OVAL 5.
const (
	OpAND Operator = "AND"
	OpOR  Operator = "OR"
	OpONE Operator = "ONE"
	OpXOR Operator = "XOR"
)

// Node is a criteria tree node: a criteria (Children and Operator), a
// criterion (TestRef, resolved to Test) or an extend_definition
// (DefinitionRef).
type Node struct {
	Operator      Operator // criteria only; "" reads as AND
	Negate        bool
	Comment       string
	Children      []*Node
	TestRef       string
	DefinitionRef string
	// ApplicabilityCheck is the applicability_check attribute.
	ApplicabilityCheck bool

	// Test is the resolved test of a criterion; nil when the document has
	// no test of that id (Eval reads it as unknown).
	Test *Test
}

// IsCriteria tells a criteria node from a leaf.
func (n *Node) IsCriteria() bool { return n.TestRef == "" && n.DefinitionRef == "" }

// Test is one test, with its object and states resolved.
type Test struct {
	ID             string
	Type           string // element name: rpminfo_test, rpmverifyfile_test, textfilecontent54_test, uname_test, dpkginfo_test...
	Comment        string
	Check          string // "all", "at least one", "only one", "none satisfy", "none exist"
	CheckExistence string // "at_least_one_exists" (default), "all_exist", "any_exist", "none_exist", "only_one_exists"
	StateOperator  string // AND (default), OR, ONE, XOR
	ObjectRef      string
	StateRefs      []string

	Object *Object
	States []*State
	// Variable is the constant_variable the object's entity names through
	// var_ref (Ubuntu's dpkginfo name entity, the pattern of its OCI
	// manifest tests), resolved; nil when the object names none or the
	// document holds no constant_variable of that id.
	Variable *Variable
	// Kind is what the test checks, in the terms Flatten understands.
	Kind Kind
}

// Variable is a constant_variable: its comment and values as written.
type Variable struct {
	ID      string
	Comment string
	Values  []string
}

// Object is one object: its type and entities.
type Object struct {
	ID     string
	Type   string // rpminfo_object, textfilecontent54_object, uname_object...
	Fields []Field
}

// State is one state: its type and entities.
type State struct {
	ID       string
	Type     string
	Operator string // the state's operator attribute (AND default)
	Fields   []Field
}

// Field is one entity of an object or state, e.g. <evr datatype="evr_string"
// operation="less than">0:1.2-3.el9</evr>.
type Field struct {
	Name      string
	Operation string // "" reads as "equals"
	Datatype  string
	Value     string
	VarRef    string
	// Attrs keeps the attributes of entities that carry their data there
	// (rpmverifyfile behaviors).
	Attrs map[string]string `json:",omitempty"`
}

// Field returns the first entity called name.
func fieldOf(fs []Field, name string) (Field, bool) {
	for _, f := range fs {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// Get returns the value of the object's first entity called name.
func (o *Object) Get(name string) string {
	if o == nil {
		return ""
	}
	f, _ := fieldOf(o.Fields, name)
	return f.Value
}

// Field returns the state's first entity called name.
func (s *State) Field(name string) (Field, bool) {
	if s == nil {
		return Field{}, false
	}
	return fieldOf(s.Fields, name)
}
