package jsontok

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestSkip(t *testing.T) {
	for _, tc := range []struct{ doc, after string }{
		{`"a" "next"`, "next"},
		{`12 "next"`, "next"},
		{`{"a": [1, {"b": null}], "c": "d"} "next"`, "next"},
		{`[[], {}, [[1]]] "next"`, "next"},
	} {
		dec := json.NewDecoder(strings.NewReader(tc.doc))
		if err := Skip(dec.Token); err != nil {
			t.Fatalf("%s: %v", tc.doc, err)
		}
		if tok, err := dec.Token(); err != nil || tok != tc.after {
			t.Errorf("%s: after the skip %v, %v; want %q", tc.doc, tok, err, tc.after)
		}
	}
	dec := json.NewDecoder(strings.NewReader(`{"a": [1, 2`))
	if err := Skip(dec.Token); err == nil {
		t.Error("an unfinished value skipped without error")
	}
}

func TestBoundedReader(t *testing.T) {
	long := `["` + strings.Repeat("x", 100<<10) + `"]`
	for _, tc := range []struct {
		max     int64
		tooLong bool
	}{{1 << 20, false}, {50 << 10, true}} {
		br := &BoundedReader{R: strings.NewReader(long), Max: tc.max}
		dec := json.NewDecoder(br)
		var err error
		for err == nil {
			_, err = dec.Token()
			br.Mark = dec.InputOffset()
		}
		if got := errors.Is(err, ErrValueTooLarge); got != tc.tooLong {
			t.Errorf("max %d: error %v", tc.max, err)
		}
	}
}
