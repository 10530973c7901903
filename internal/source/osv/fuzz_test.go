package osv

import (
	"bytes"
	"context"
	"testing"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source/sourcetest"
)

// FuzzParse is seeded with the real records of testdata (and the zip).
func FuzzParse(f *testing.F) {
	for _, n := range append(rockyFiles, "debian-osv-all.zip") {
		f.Add(sourcetest.Testdata(f, n))
	}
	f.Add([]byte(`[{"id":"RLSA-2023:0005","related":["CVE-2022-42920"],"affected":[{"package":{"ecosystem":"Rocky Linux:9","name":"bcel"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"0:6.4.1-9.el9_1"},{"introduced":"1"}]}]}]}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		n := 0
		st, err := Parse(context.Background(), bytes.NewReader(data), "fuzz", &Options{Source: "test", Mapping: testMapping},
			func(a model.Advisory) error {
				checkAdvisory(t, a)
				if _, ok := map[string]bool{"rocky:8": true, "rocky:9": true, "alma:8": true, "alma:9": true,
					"debian:3.0": true, "debian:4": true, "debian:6": true}[a.OSGroup]; !ok {
					t.Errorf("OS group %q not in the mapping", a.OSGroup)
				}
				n++
				return nil
			})
		sourcetest.Fuzzed(t, st.Records, n, st.Skipped, err)
	})
}
