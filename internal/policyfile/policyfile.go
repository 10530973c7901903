// Package policyfile reads and writes CVE tags and CVE exceptions in the
// files sites exchange: Pakiti 3's XML (its api/exportCvesTags.php and
// api/exportCvesExceptions.php, read by its importCvesTags and
// importCvesExceptions; ../shared/docs/pakiti3.md) and our JSON. A reader
// takes either, recognised by the first byte that is not blank.
package policyfile

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Defaults fill in what a file leaves out.
type Defaults struct {
	Author string    // when a record names no modifier or author
	Now    time.Time // the time of records that carry none
}

// Format is a file format.
type Format string

// The formats.
const (
	XML  Format = "xml"
	JSON Format = "json"
)

// ParseFormat reads a --format value.
func ParseFormat(s string) (Format, error) {
	switch Format(s) {
	case XML, JSON:
		return Format(s), nil
	}
	return "", fmt.Errorf("unknown format %q: use xml (Pakiti 3) or json", s)
}

// MaxBytes bounds a file read (a tag list of every CVE ever published is
// a few tens of MB).
const MaxBytes = 256 << 20

// sniff reads r whole (up to MaxBytes) and tells its format.
func sniff(r io.Reader) ([]byte, Format, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return nil, "", err
	}
	if len(b) > MaxBytes {
		return nil, "", fmt.Errorf("larger than %d bytes", MaxBytes)
	}
	t := bytes.TrimLeft(b, " \t\r\n\ufeff")
	t = bytes.TrimPrefix(t, []byte("\xef\xbb\xbf"))
	switch {
	case len(t) == 0:
		return nil, "", errors.New("empty file")
	case t[0] == '<':
		return b, XML, nil
	case t[0] == '{' || t[0] == '[':
		return b, JSON, nil
	}
	return nil, "", fmt.Errorf("neither XML nor JSON: starts with %q", clip(string(t), 20))
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// timeLayouts are the times files carry: Pakiti 3's MySQL timestamps and
// RFC 3339.
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02"}

// parseTime reads a file's time (UTC when it names no zone); zero for "".
func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("time %q: want YYYY-MM-DD HH:MM:SS or RFC 3339", clip(s, 40))
}

// mysqlTime is how Pakiti 3 wrote times.
const mysqlTime = "2006-01-02 15:04:05"

func writeJSON(w io.Writer, v any) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	return bw.Flush()
}

// decodeJSON reads b into v, refusing unknown fields (a misspelt key
// would otherwise import an empty value silently).
func decodeJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("data after the JSON document")
	}
	return nil
}
