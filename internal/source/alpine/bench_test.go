package alpine

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/pakiti-go/pakiti/internal/model"
)

// BenchmarkParseYAML reads the largest real secdb file of the shared
// snapshot (v3.11/main.yaml, 2,253 lines, 1,179 records).
func BenchmarkParseYAML(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(secdbDir(b), "v3.11", "main.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	benchParse(b, data, yamlBytes)
}

// BenchmarkParseJSONBig reads a constructed secdb JSON of about 50 MB, to
// show that memory stays flat whatever the size: the packages of the
// real v3.10 excerpt's transcription (testdata) written again and again
// under new names. Today's real main.json files are well under 1 MB.
func BenchmarkParseJSONBig(b *testing.B) {
	path := filepath.Join(b.TempDir(), "main.json")
	if err := os.WriteFile(path, bigJSON(b, 50<<20), 0o644); err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(fi.Size())
	benchParse(b, nil, func(ctx context.Context, _ []byte, emit func(model.Advisory) error) (Stats, error) {
		f, err := os.Open(path)
		if err != nil {
			return Stats{}, err
		}
		defer f.Close()
		return ParseJSON(ctx, f, emit)
	})
}

func benchParse(b *testing.B, data []byte, parse func(context.Context, []byte, func(model.Advisory) error) (Stats, error)) {
	if data != nil {
		b.SetBytes(int64(len(data)))
	}
	b.ReportAllocs()
	var peak uint64
	var n int
	for b.Loop() {
		n = 0
		_, err := parse(context.Background(), data, func(model.Advisory) error {
			n++
			if n%20000 == 0 {
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n), "records/op")
	if peak > 0 {
		b.ReportMetric(float64(peak)/(1<<20), "heap-MB")
	}
}

// bigJSON writes a secdb JSON document of at least size bytes.
func bigJSON(b *testing.B, size int) []byte {
	b.Helper()
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	fmt.Fprint(w, `{"distroversion":"v3.10","reponame":"main","packages":[`)
	pkgs := []string{
		`"secfixes":{"1.0.6-r7":["CVE-2019-12900"],"1.0.6-r5":["CVE-2016-3189"]}`,
		`"secfixes":{"1.1.1d-r0":["CVE-2019-1547","CVE-2019-1549","CVE-2019-1563"],"1.1.1b-r1":["CVE-2019-1543"],"1.1.1a-r0":["CVE-2018-0734","CVE-2018-0735"]}`,
		`"secfixes":{"4.7.0-r0":["CVE-2016-6258 XSA-182","CVE-2016-6259 XSA-183","CVE-2016-5403 XSA-184"],"4.7.1-r5":["XSA-207","CVE-2017-2615 XSA-208"]}`,
	}
	for i := 0; buf.Len()+w.Buffered() < size; i++ {
		if i > 0 {
			w.WriteByte(',')
		}
		fmt.Fprintf(w, `{"pkg":{"name":"pkg-%d",%s}}`, i, pkgs[i%len(pkgs)])
	}
	fmt.Fprint(w, `]}`)
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}
