package kev

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"time"

	"github.com/pakiti-go/pakiti/internal/store"
)

// Bounds of one catalogue: the 2025 catalogue is 1.4 MB with 1,404
// entries; these leave room for decades of growth and stop a wrong or
// hostile document early.
const (
	MaxBytes   = 64 << 20 // decompressed document
	MaxEntries = 200_000
	maxField   = 4096 // bytes of a kept text field
)

// cveID is the schema's pattern of cveID.
var cveID = regexp.MustCompile(`^CVE-[0-9]{4}-[0-9]{4,19}$`)

// entry is one vulnerability of the feed, the fields kept.
type entry struct {
	CVE        string `json:"cveID"`
	Vendor     string `json:"vendorProject"`
	Product    string `json:"product"`
	Name       string `json:"vulnerabilityName"`
	DateAdded  string `json:"dateAdded"`
	DueDate    string `json:"dueDate"`
	Ransomware string `json:"knownRansomwareCampaignUse"`
}

// Parse reads a catalogue, streaming its vulnerabilities array, and
// checks it whole: an object with catalogVersion and a non-empty
// vulnerabilities array, each entry with a well-formed CVE id (listed
// once) and dates, and as many entries as its count says. It returns the
// catalogue's header and its entries in document order.
func Parse(r io.Reader) (store.KEVCatalogue, []store.KEVEntry, error) {
	var cat store.KEVCatalogue
	lr := &limitedReader{r: r, left: MaxBytes}
	dec := json.NewDecoder(lr)
	wrap := func(err error) error {
		if lr.over {
			return fmt.Errorf("catalogue larger than %d bytes", MaxBytes)
		}
		return err
	}
	tok, err := dec.Token()
	if err != nil {
		return cat, nil, wrap(fmt.Errorf("not a KEV catalogue: %w", err))
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return cat, nil, errors.New("not a KEV catalogue: the document is not a JSON object")
	}
	var entries []store.KEVEntry
	count, sawVulns, sawCount := 0, false, false
	var released string
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return cat, nil, wrap(fmt.Errorf("catalogue: %w", err))
		}
		key, _ := tok.(string)
		switch key {
		case "catalogVersion":
			err = dec.Decode(&cat.Version)
		case "dateReleased":
			err = dec.Decode(&released)
		case "count":
			sawCount = true
			err = dec.Decode(&count)
		case "vulnerabilities":
			sawVulns = true
			entries, err = parseEntries(dec, seen)
		default:
			var skip json.RawMessage
			err = dec.Decode(&skip)
		}
		if err != nil {
			return cat, nil, wrap(fmt.Errorf("catalogue field %q: %w", key, err))
		}
	}
	if _, err := dec.Token(); err != nil {
		return cat, nil, wrap(fmt.Errorf("catalogue: %w", err))
	}
	switch {
	case !sawVulns:
		return cat, nil, errors.New("not a KEV catalogue: no vulnerabilities array")
	case len(entries) == 0:
		return cat, nil, errors.New("KEV catalogue lists no vulnerability")
	case cat.Version == "":
		return cat, nil, errors.New("KEV catalogue without catalogVersion")
	case sawCount && count != len(entries):
		return cat, nil, fmt.Errorf("KEV catalogue says count %d but lists %d vulnerabilities (truncated?)", count, len(entries))
	}
	if released != "" {
		t, err := time.Parse(time.RFC3339Nano, released)
		if err != nil {
			return cat, nil, fmt.Errorf("KEV catalogue dateReleased %q: not a date-time", released)
		}
		cat.Released = t.UTC()
	}
	cat.Entries = len(entries)
	return cat, entries, nil
}

// parseEntries reads the vulnerabilities array, one entry at a time.
func parseEntries(dec *json.Decoder, seen map[string]bool) ([]store.KEVEntry, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, errors.New("not an array")
	}
	var out []store.KEVEntry
	for dec.More() {
		if len(out) >= MaxEntries {
			return nil, fmt.Errorf("more than %d entries", MaxEntries)
		}
		var e entry
		if err := dec.Decode(&e); err != nil {
			return nil, fmt.Errorf("entry %d: %w", len(out)+1, err)
		}
		k, err := e.check()
		if err != nil {
			return nil, fmt.Errorf("entry %d: %w", len(out)+1, err)
		}
		if seen[k.CVE] {
			return nil, fmt.Errorf("entry %d: %s listed twice", len(out)+1, k.CVE)
		}
		seen[k.CVE] = true
		out = append(out, k)
	}
	_, err = dec.Token() // ]
	return out, err
}

// check validates an entry and returns it as stored.
func (e entry) check() (store.KEVEntry, error) {
	if !cveID.MatchString(e.CVE) {
		return store.KEVEntry{}, fmt.Errorf("cveID %q is not a CVE id (CVE-YYYY-NNNN)", clip(e.CVE, 64))
	}
	if _, err := time.Parse(time.DateOnly, e.DateAdded); err != nil {
		return store.KEVEntry{}, fmt.Errorf("%s: dateAdded %q is not a date (YYYY-MM-DD)", e.CVE, clip(e.DateAdded, 64))
	}
	if e.DueDate != "" {
		if _, err := time.Parse(time.DateOnly, e.DueDate); err != nil {
			return store.KEVEntry{}, fmt.Errorf("%s: dueDate %q is not a date (YYYY-MM-DD)", e.CVE, clip(e.DueDate, 64))
		}
	}
	return store.KEVEntry{CVE: e.CVE, DateAdded: e.DateAdded, DueDate: e.DueDate, Ransomware: clip(e.Ransomware, 32),
		Vendor: clip(e.Vendor, maxField), Product: clip(e.Product, maxField), Name: clip(e.Name, maxField)}, nil
}

// clip cuts s to at most n bytes, on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xc0 == 0x80 {
		n--
	}
	return s[:n]
}

// limitedReader fails once more than left bytes were read, and says so.
type limitedReader struct {
	r    io.Reader
	left int64
	over bool
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		l.over = true
		return 0, errors.New("too large")
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}
