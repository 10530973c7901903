package debian

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/pakiti-go/pakiti/internal/model"
)

// writeBigTrackerJSON writes a tracker export of at least size bytes with
// the real structure: it takes the 17 (package, CVE) objects of the three
// real excerpts in testdata and writes them again and again, each copy
// under a new package name ("<pkg>-<n>") and a new id ("CVE-2099-<n>"),
// three CVE objects to a package. The real export is 60–90 MB; its objects
// look like these (descriptions, 2 to 6 releases each).
func writeBigTrackerJSON(w io.Writer, size int) (int, error) {
	type obj struct {
		pkg string
		raw json.RawMessage
	}
	var objs []obj
	for _, f := range []string{"vunnel_debian.json", "vulnerablecode_debian.json", "vuls-data-update_advisory.json"} {
		data, err := os.ReadFile("testdata/" + f)
		if err != nil {
			return 0, err
		}
		var m map[string]map[string]json.RawMessage
		if err := json.Unmarshal(data, &m); err != nil {
			return 0, err
		}
		for _, pkg := range slices.Sorted(maps.Keys(m)) {
			for _, id := range slices.Sorted(maps.Keys(m[pkg])) {
				raw := m[pkg][id]
				var buf bytes.Buffer
				if err := json.Compact(&buf, raw); err != nil {
					return 0, err
				}
				objs = append(objs, obj{pkg, buf.Bytes()})
			}
		}
	}
	bw := bufio.NewWriter(w)
	n := 0
	put := func(s string) { k, _ := bw.WriteString(s); n += k }
	put("{")
	for i := 0; n < size; i++ {
		if i > 0 {
			put(",")
		}
		put(strconv.Quote(fmt.Sprintf("%s-%d", objs[i%len(objs)].pkg, i)) + ":{")
		for k := 0; k < 3; k++ {
			if k > 0 {
				put(",")
			}
			o := objs[(3*i+k)%len(objs)]
			put(fmt.Sprintf("\"CVE-2099-%d\":", 3*i+k))
			put(string(o.raw))
		}
		put("}")
	}
	put("}")
	return n, bw.Flush()
}

var (
	bigJSONOnce sync.Once
	bigJSON     []byte
	bigJSONErr  error
)

const bigJSONSize = 60 << 20

func bigTrackerJSON(tb testing.TB) []byte {
	bigJSONOnce.Do(func() {
		var buf bytes.Buffer
		buf.Grow(bigJSONSize + 1<<20)
		_, bigJSONErr = writeBigTrackerJSON(&buf, bigJSONSize)
		bigJSON = buf.Bytes()
	})
	if bigJSONErr != nil {
		tb.Fatal(bigJSONErr)
	}
	return bigJSON
}

// BenchmarkParseTrackerJSON parses a generated 60 MB export (see
// writeBigTrackerJSON) held in memory.
func BenchmarkParseTrackerJSON(b *testing.B) {
	data := bigTrackerJSON(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var st Stats
	for b.Loop() {
		var err error
		st, err = ParseTrackerJSON(context.Background(), bytes.NewReader(data), func(model.Advisory) error { return nil })
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(st.Records), "records/op")
}

// BenchmarkParseAdvisoryListDSA parses the whole shared DSA list (to
// DSA-5380-1), decompressed in memory first.
func BenchmarkParseAdvisoryListDSA(b *testing.B) {
	data := readAll(b, openGzip(b, "DSA-list.txt.gz"))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseAdvisoryList(context.Background(), bytes.NewReader(data), "DSA", func(model.Advisory) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParsePackagesIndex parses the whole bookworm main amd64 index.
func BenchmarkParsePackagesIndex(b *testing.B) {
	data := readAll(b, openGzip(b, "apt-bookworm/bookworm_main_binary-amd64_Packages.gz"))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParsePackagesIndex(context.Background(), bytes.NewReader(data), func(Binary) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTrackerJSONFile parses a tracker export from disk, for
// measuring time and peak memory in a process of its own. The file is
// $PAKITI_TRACKER_JSON (a generated one or the real export, .gz or not);
// without it, a generated 60 MB export (writeBigTrackerJSON) written to
// $PAKITI_WRITE_TRACKER_JSON, or to a temporary file. To write the file
// the README's import figure uses, then measure the parse alone:
//
//	PAKITI_WRITE_TRACKER_JSON=/tmp/big.json go test -run '^$' -bench TrackerJSONFile -benchtime 1x ./internal/source/debian/
//	go test -c -o /tmp/debian.test ./internal/source/debian/
//	PAKITI_TRACKER_JSON=/tmp/big.json /usr/bin/time -v /tmp/debian.test -test.run '^$' -test.bench TrackerJSONFile -test.benchtime 1x
func BenchmarkTrackerJSONFile(b *testing.B) {
	path := os.Getenv("PAKITI_TRACKER_JSON")
	if path == "" {
		path = os.Getenv("PAKITI_WRITE_TRACKER_JSON")
		if path == "" {
			path = filepath.Join(b.TempDir(), "big.json")
		}
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		n, err := writeBigTrackerJSON(f, bigJSONSize)
		if err == nil {
			err = f.Close()
		}
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("wrote %d bytes to %s", n, path)
	}
	b.ReportAllocs()
	var st Stats
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for b.Loop() {
		st = parseTrackerJSONFile(b, path)
	}
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(st.Records), "records/op")
	b.Logf("%s: %v", path, st)
	b.Logf("heap: HeapSys %.1f MiB, HeapInuse after %.1f MiB, TotalAlloc %.1f MiB, %d GCs, Sys %.1f MiB",
		float64(after.HeapSys)/(1<<20), float64(after.HeapInuse)/(1<<20),
		float64(after.TotalAlloc-before.TotalAlloc)/(1<<20), after.NumGC-before.NumGC, float64(after.Sys)/(1<<20))
}

// parseTrackerJSONFile parses the tracker export at path (gzip-compressed
// when it ends in .gz), checking every record.
func parseTrackerJSONFile(b *testing.B, path string) Stats {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			b.Fatal(err)
		}
		r = zr
	}
	st, err := ParseTrackerJSON(context.Background(), r, func(a model.Advisory) error {
		checkAdvisory(b, a)
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return st
}
