package policyfile

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/pakiti-go/pakiti/internal/store"
)

// xmlTags is Pakiti 3's tags file:
// <cveTags><cveTag><cveName/><tagName/><reason/><infoUrl/><enabled/><modifier/><timestamp/></cveTag>...</cveTags>
type xmlTags struct {
	XMLName xml.Name `xml:"cveTags"`
	Tags    []xmlTag `xml:"cveTag"`
}

type xmlTag struct {
	CVE       string `xml:"cveName"`
	Tag       string `xml:"tagName"`
	Reason    string `xml:"reason"`
	InfoURL   string `xml:"infoUrl"`
	Enabled   string `xml:"enabled"` // "1" or empty
	Modifier  string `xml:"modifier"`
	Timestamp string `xml:"timestamp"`
}

// jsonTags is our tags file.
type jsonTags struct {
	Tags []jsonTag `json:"cve_tags"`
}

type jsonTag struct {
	CVE        string `json:"cve"`
	Tag        string `json:"tag"`
	Reason     string `json:"reason"`
	InfoURL    string `json:"info_url"`
	Enabled    *bool  `json:"enabled,omitempty"` // absent: enabled
	Author     string `json:"author"`
	ModifiedAt string `json:"modified_at,omitempty"`
}

// ReadTags reads a tags file, XML or JSON. Pakiti 3's enabled is "1" or
// empty (anything but 0, false, no or empty enables); a record without
// a modifier or author gets d.Author, without a time d.Now.
func ReadTags(r io.Reader, d Defaults) ([]store.CVETag, error) {
	b, f, err := sniff(r)
	if err != nil {
		return nil, err
	}
	var out []store.CVETag
	switch f {
	case XML:
		var x xmlTags
		if err := xml.Unmarshal(b, &x); err != nil {
			return nil, fmt.Errorf("tags XML: %w", err)
		}
		for i, t := range x.Tags {
			ct, err := tagOf(t.CVE, t.Tag, t.Reason, t.InfoURL, enabledXML(t.Enabled), t.Modifier, t.Timestamp, d)
			if err != nil {
				return nil, fmt.Errorf("tags XML, cveTag %d: %w", i+1, err)
			}
			out = append(out, ct)
		}
	case JSON:
		var j jsonTags
		if err := decodeJSON(b, &j); err != nil {
			return nil, fmt.Errorf("tags JSON: %w", err)
		}
		for i, t := range j.Tags {
			en := t.Enabled == nil || *t.Enabled
			ct, err := tagOf(t.CVE, t.Tag, t.Reason, t.InfoURL, en, t.Author, t.ModifiedAt, d)
			if err != nil {
				return nil, fmt.Errorf("tags JSON, cve_tags[%d]: %w", i, err)
			}
			out = append(out, ct)
		}
	}
	return out, nil
}

func enabledXML(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "0", "false", "no":
		return false
	}
	return true
}

func tagOf(cve, tag, reason, info string, enabled bool, author, ts string, d Defaults) (store.CVETag, error) {
	at, err := parseTime(ts)
	if err != nil {
		return store.CVETag{}, err
	}
	if at.IsZero() {
		at = d.Now.UTC()
	}
	author = strings.TrimSpace(author)
	if author == "" {
		author = d.Author
	}
	t := store.CVETag{CVE: strings.TrimSpace(cve), Tag: strings.TrimSpace(tag), Reason: strings.TrimSpace(reason),
		InfoURL: strings.TrimSpace(info), Enabled: enabled, Author: author, ModifiedAt: at}
	if t.CVE == "" || t.Tag == "" {
		return t, fmt.Errorf("CVE %q tag %q: both are needed", clip(t.CVE, 40), clip(t.Tag, 40))
	}
	return t, nil
}

// WriteTagsXML writes Pakiti 3's tags file; modifier names the exporting
// instance, as Pakiti 3 wrote it (its PAKITI_NAME), or, when "", each
// tag's author.
func WriteTagsXML(w io.Writer, tags []store.CVETag, modifier string) error {
	x := xmlTags{Tags: make([]xmlTag, 0, len(tags))}
	for _, t := range tags {
		en := ""
		if t.Enabled {
			en = "1"
		}
		m := modifier
		if m == "" {
			m = t.Author
		}
		x.Tags = append(x.Tags, xmlTag{CVE: t.CVE, Tag: t.Tag, Reason: t.Reason, InfoURL: t.InfoURL, Enabled: en,
			Modifier: m, Timestamp: t.ModifiedAt.UTC().Format(mysqlTime)})
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", " ")
	if err := enc.Encode(x); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// WriteTagsJSON writes our tags file.
func WriteTagsJSON(w io.Writer, tags []store.CVETag) error {
	j := jsonTags{Tags: make([]jsonTag, 0, len(tags))}
	for _, t := range tags {
		en := t.Enabled
		j.Tags = append(j.Tags, jsonTag{CVE: t.CVE, Tag: t.Tag, Reason: t.Reason, InfoURL: t.InfoURL, Enabled: &en,
			Author: t.Author, ModifiedAt: t.ModifiedAt.UTC().Format("2006-01-02T15:04:05Z07:00")})
	}
	return writeJSON(w, j)
}
