package source

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

func TestClip(t *testing.T) {
	for _, tc := range []struct {
		s    string
		n    int
		want string
	}{
		{"openssl", 40, "openssl"},
		{"openssl", 4, "open"},
		{"héllo", 2, "h"}, // "é" is two bytes: not split
		{"héllo", 3, "hé"},
	} {
		if got := Clip(tc.s, tc.n); got != tc.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", tc.s, tc.n, got, tc.want)
		}
	}
}

func TestValidName(t *testing.T) {
	for s, want := range map[string]bool{
		"1:1.1.1k-12.el8_9": true, "CVE-2023-3446": true, "": false, "a b": false, "a\x7f": false, "é": false,
		strings.Repeat("a", MaxName): true, strings.Repeat("a", MaxName+1): false,
	} {
		if got := ValidName(s); got != want {
			t.Errorf("ValidName(%.20q) = %v", s, got)
		}
	}
}

func TestBudget(t *testing.T) {
	errBig := errors.New("too big")
	b := &Budget{R: strings.NewReader(strings.Repeat("x", 100)), Left: 60, Err: errBig}
	data, err := io.ReadAll(b)
	if len(data) != 60 || !errors.Is(err, errBig) {
		t.Errorf("read %d bytes, %v; want 60 and the budget's error", len(data), err)
	}
	b.Left = 60 // the next record
	if data, err = io.ReadAll(b); len(data) != 40 || err != nil {
		t.Errorf("read %d bytes, %v; want the last 40", len(data), err)
	}
}

func TestCountSkip(t *testing.T) {
	var skipped map[string]int
	for i := range MaxSkipReasons + 10 {
		CountSkip(&skipped, fmt.Sprintf("reason %d", i))
	}
	CountSkip(&skipped, "reason 0")
	if len(skipped) != MaxSkipReasons+1 || skipped["other"] != 10 || skipped["reason 0"] != 2 || SkippedTotal(skipped) != MaxSkipReasons+11 {
		t.Errorf("%d reasons, other %d, reason 0 %d, total %d", len(skipped), skipped["other"], skipped["reason 0"], SkippedTotal(skipped))
	}
	var b strings.Builder
	WriteSkipped(&b, map[string]int{"b": 2, "a": 1})
	if b.String() != " [a: 1] [b: 2]" {
		t.Errorf("WriteSkipped: %q", b.String())
	}
	if got := SkipName("unknown release", "experimental"); got != `unknown release "experimental"` {
		t.Errorf("SkipName: %s", got)
	}
}
