package oval

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

// FuzzParse is seeded with the real excerpts in testdata, whole and cut
// short. Every definition read is flattened and evaluated: nothing may
// panic, and Flatten fails only with ErrShape.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"rhel-9-including-unpatched.oval.excerpt.xml.bz2", "rhel8-v1.excerpt.xml"} {
		data := readExcerpt(f, name)
		f.Add(data)
		f.Add(data[:len(data)/2])
	}
	facts := rhelFacts("8", Package{"nodejs", "1:12.13.1-1.module+el8.1.0+4811+da2e5a31", "x86_64", ""})
	facts.KernelRelease = "4.18.0-80.el8.x86_64"
	f.Fuzz(func(t *testing.T, data []byte) {
		p := Parser{MemSpool: 4096, TempDir: t.TempDir()}
		n := 0
		err := p.Parse(context.Background(), bytes.NewReader(data), func(d *Definition) error {
			n++
			if _, err := Flatten(d); err != nil && !errors.Is(err, ErrShape) {
				t.Errorf("Flatten: %v", err)
			}
			if r := Eval(d.Criteria, facts); r != True && r != False && r != Unknown {
				t.Errorf("Eval = %d", r)
			}
			return nil
		})
		if err == nil && n != p.Stats.Definitions {
			t.Errorf("%d definitions handed out, Stats says %d", n, p.Stats.Definitions)
		}
		if err != nil && err.Error() == "" {
			t.Error("error with an empty message")
		}
	})
}
