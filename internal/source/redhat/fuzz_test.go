package redhat

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source/sourcetest"
)

// FuzzParseOVAL is seeded with the real files in testdata, whole and cut
// short; every record emitted must be one the source may emit.
func FuzzParseOVAL(f *testing.F) {
	for _, name := range []string{"rhel-9-including-unpatched.oval.excerpt.xml.bz2", "rhel8-v1.excerpt.xml",
		"jboss-ws-5-including-unpatched.oval.excerpt.xml.bz2", "com.redhat.rhsa-20231659.xml"} {
		data := sourcetest.Read(f, filepath.Join("testdata", name))
		f.Add(data, name)
		f.Add(data[:len(data)*2/3], "rhel-9.2-eus.oval.xml")
	}
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		n := 0
		st, err := ParseOVAL(context.Background(), bytes.NewReader(data), ParseOptions{Name: name, TempDir: t.TempDir()}, func(a model.Advisory) error {
			checkAdvisory(t, a)
			n++
			return nil
		})
		sourcetest.Fuzzed(t, st.Records, n, nil, err)
	})
}
