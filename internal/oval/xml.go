package oval

import (
	"encoding/xml"
	"fmt"
	"strings"
)

// The xml-tagged shapes elements are decoded into. Element names match in
// any namespace, as vendors differ in prefixes.

type xGenerator struct {
	ProductName    string `xml:"product_name"`
	ProductVersion string `xml:"product_version"`
	SchemaVersion  string `xml:"schema_version"`
	Timestamp      string `xml:"timestamp"`
	ContentVersion string `xml:"content_version"`
}

type xMetadata struct {
	Title    string `xml:"title"`
	Affected []struct {
		Platforms []string `xml:"platform"`
	} `xml:"affected"`
	References []struct {
		Source string `xml:"source,attr"`
		RefID  string `xml:"ref_id,attr"`
		RefURL string `xml:"ref_url,attr"`
	} `xml:"reference"`
	Description string `xml:"description"`
	Advisory    struct {
		Severity string `xml:"severity"`
		Issued   struct {
			Date string `xml:"date,attr"`
		} `xml:"issued"`
		Updated struct {
			Date string `xml:"date,attr"`
		} `xml:"updated"`
		CVEs []struct {
			ID     string `xml:",chardata"`
			Href   string `xml:"href,attr"`
			Impact string `xml:"impact,attr"`
			CVSS3  string `xml:"cvss3,attr"`
			Public string `xml:"public,attr"`
		} `xml:"cve"`
		Bugzillas []struct {
			Href string `xml:"href,attr"`
		} `xml:"bugzilla"`
		Affected struct {
			Resolutions []struct {
				State      string   `xml:"state,attr"`
				Components []string `xml:"component"`
			} `xml:"resolution"`
		} `xml:"affected"`
		CPEs []string `xml:"affected_cpe_list>cpe"`
	} `xml:"advisory"`
}

type xTest struct {
	ID             string `xml:"id,attr"`
	Comment        string `xml:"comment,attr"`
	Check          string `xml:"check,attr"`
	CheckExistence string `xml:"check_existence,attr"`
	StateOperator  string `xml:"state_operator,attr"`
	Object         struct {
		Ref string `xml:"object_ref,attr"`
	} `xml:"object"`
	States []struct {
		Ref string `xml:"state_ref,attr"`
	} `xml:"state"`
}

type xVariable struct {
	ID      string   `xml:"id,attr"`
	Comment string   `xml:"comment,attr"`
	Values  []string `xml:"value"`
}

type xEntities struct {
	ID       string   `xml:"id,attr"`
	Operator string   `xml:"operator,attr"`
	Fields   []xField `xml:",any"`
}

type xField struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Value   string     `xml:",chardata"`
}

func (x *xEntities) fields() []Field {
	var out []Field
	for _, f := range x.Fields {
		fl := Field{Name: intern(f.XMLName.Local), Value: strings.TrimSpace(f.Value)}
		for _, a := range f.Attrs {
			switch a.Name.Local {
			case "operation":
				fl.Operation = intern(a.Value)
			case "datatype":
				fl.Datatype = intern(a.Value)
			case "var_ref":
				fl.VarRef = a.Value
			case "var_check", "entity_check", "mask":
			default:
				if fl.Attrs == nil {
					fl.Attrs = map[string]string{}
				}
				fl.Attrs[a.Name.Local] = a.Value
			}
		}
		out = append(out, fl)
	}
	return out
}

// decodeDefinition reads one definition element: attributes and metadata
// through encoding/xml, the criteria tree by hand (order kept, depth
// bounded).
func decodeDefinition(d *xml.Decoder, start *xml.StartElement) (*Definition, error) {
	def := &Definition{ID: attr(start, "id"), Class: attr(start, "class"), Version: attr(start, "version"),
		Deprecated: attr(start, "deprecated") == "true"}
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "metadata":
				var m xMetadata
				if err := d.DecodeElement(&m, &t); err != nil {
					return nil, err
				}
				fillMetadata(def, &m)
			case "criteria":
				n, err := decodeNode(d, &t, 1)
				if err != nil {
					return nil, err
				}
				def.Criteria = n
			default:
				if err := d.Skip(); err != nil {
					return nil, err
				}
			}
		case xml.EndElement:
			return def, nil
		}
	}
}

func fillMetadata(def *Definition, m *xMetadata) {
	def.Title = trim(m.Title)
	desc := trim(m.Description)
	if len(desc) > maxDescription {
		desc = clipUTF8(desc, maxDescription)
	}
	def.Description = desc
	for _, a := range m.Affected {
		for _, p := range a.Platforms {
			def.Platforms = append(def.Platforms, trim(p))
		}
	}
	for _, r := range m.References {
		def.References = append(def.References, Reference{Source: r.Source, RefID: trim(r.RefID), RefURL: r.RefURL})
	}
	a := &m.Advisory
	def.Severity = trim(a.Severity)
	def.Issued, def.Updated = trim(a.Issued.Date), trim(a.Updated.Date)
	for _, c := range a.CVEs {
		def.CVEs = append(def.CVEs, CVE{ID: trim(c.ID), Href: c.Href, Impact: c.Impact, CVSS3: c.CVSS3, Public: c.Public})
	}
	for _, b := range a.Bugzillas {
		def.Bugzillas = append(def.Bugzillas, b.Href)
	}
	for _, r := range a.Affected.Resolutions {
		res := Resolution{State: trim(r.State)}
		for _, c := range r.Components {
			res.Components = append(res.Components, trim(c))
		}
		def.Resolutions = append(def.Resolutions, res)
	}
	for _, c := range a.CPEs {
		def.CPEs = append(def.CPEs, trim(c))
	}
}

// decodeNode reads a criteria, criterion or extend_definition element.
func decodeNode(d *xml.Decoder, start *xml.StartElement, depth int) (*Node, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("criteria nested deeper than %d", maxDepth)
	}
	n := &Node{Comment: attr(start, "comment")}
	for _, a := range start.Attr {
		switch a.Name.Local {
		case "operator":
			n.Operator = Operator(strings.ToUpper(strings.TrimSpace(a.Value)))
		case "negate":
			n.Negate = a.Value == "true" || a.Value == "1"
		case "test_ref":
			n.TestRef = a.Value
		case "definition_ref":
			n.DefinitionRef = a.Value
		case "applicability_check":
			n.ApplicabilityCheck = a.Value == "true" || a.Value == "1"
		}
	}
	switch start.Name.Local {
	case "criterion":
		if n.TestRef == "" {
			return nil, fmt.Errorf("criterion without test_ref")
		}
	case "extend_definition":
		if n.DefinitionRef == "" {
			return nil, fmt.Errorf("extend_definition without definition_ref")
		}
	case "criteria":
		switch n.Operator {
		case "", OpAND, OpOR, OpONE, OpXOR:
		default:
			return nil, fmt.Errorf("criteria operator %q", n.Operator)
		}
	}
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if start.Name.Local == "criteria" {
				switch t.Name.Local {
				case "criteria", "criterion", "extend_definition":
					c, err := decodeNode(d, &t, depth+1)
					if err != nil {
						return nil, err
					}
					n.Children = append(n.Children, c)
					continue
				}
			}
			if err := d.Skip(); err != nil {
				return nil, err
			}
		case xml.EndElement:
			return n, nil
		}
	}
}

// clipUTF8 cuts s to at most n bytes without splitting a character.
func clipUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
