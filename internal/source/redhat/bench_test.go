package redhat

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source/sourcetest"
	"github.com/pakiti-go/pakiti/internal/testenv"
)

// reOVALID matches the ids a copy renames: definitions, tests, states and
// variables. Objects (one per package name in Red Hat's files) are shared
// by every copy, as in the real files.
var reOVALID = regexp.MustCompile(`(oval:com\.redhat\.[a-z]+:(?:def|tst|ste|var):)([0-9]+)`)

// writeBigOVAL writes an OVAL document of at least size bytes with the real
// structure of Red Hat's OVAL v2 (the same generator writes v1 release
// files and v2 files: definitions, then tests, objects, states,
// variables): the whole RHEL 8 OVAL v1 file (169 definitions: modules,
// kernels, RHEL 7 branches), copied again and again, each copy's
// definitions, tests, states and variables renamed (id + copy number), the
// objects written once. No whole RHEL OVAL v2 file is in the shared feeds;
// this one is generated. It is conservative for memory: Red Hat's v2 files
// share "is signed with" and "is installed" tests between definitions,
// the copies here do not.
func writeBigOVAL(w io.Writer, whole string, size int) (int, int, error) {
	sec := func(name string) (string, int, int) {
		a := strings.Index(whole, "<"+name+">")
		b := strings.Index(whole, "</"+name+">")
		if a < 0 || b < 0 {
			return "", -1, -1
		}
		return whole[a+len(name)+2 : b], a, b + len(name) + 3
	}
	_, defStart, _ := sec("definitions")
	head := whole[:defStart]
	defs, _, _ := sec("definitions")
	tests, _, _ := sec("tests")
	objects, _, _ := sec("objects")
	states, _, _ := sec("states")
	vars, _, _ := sec("variables")
	per := len(defs) + len(tests) + len(states) + len(vars)
	copies := max(1, (size-len(whole))/per+1)
	bw := bufio.NewWriterSize(w, 1<<20)
	n := 0
	put := func(s string) { k, _ := bw.WriteString(s); n += k }
	section := func(name, body string, rename bool) {
		put(" <" + name + ">")
		if !rename {
			put(body)
		} else {
			for k := 0; k < copies; k++ {
				suffix := fmt.Sprintf("%04d", k)
				put(reOVALID.ReplaceAllString(body, "${1}${2}"+suffix))
			}
		}
		put("</" + name + ">\n")
	}
	put(head)
	section("definitions", defs, true)
	section("tests", tests, true)
	section("objects", objects, false)
	section("states", states, true)
	section("variables", vars, true)
	put("</oval_definitions>\n")
	return n, copies, bw.Flush()
}

func readWholeRHEL8(tb testing.TB) string {
	dir := filepath.Join(testenv.SharedDir(tb), "data", "feeds", "redhat", "oval-v1")
	data := sourcetest.Read(tb, filepath.Join(dir, "com.redhat.rhsa-RHEL8.20200221.xml.gz"))
	return string(data)
}

// BenchmarkParseOVALv1 parses the whole RHEL 8 OVAL v1 file (3.4 MB) held
// in memory.
func BenchmarkParseOVALv1(b *testing.B) {
	whole := readWholeRHEL8(b)
	b.SetBytes(int64(len(whole)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseOVAL(context.Background(), strings.NewReader(whole), ParseOptions{}, func(model.Advisory) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOVALFile parses an OVAL file from disk, for measuring time and
// peak memory in a process of its own: $PAKITI_OVAL_FILE, or a generated
// full-size file (writeBigOVAL, $PAKITI_OVAL_SIZE MB, default 600) written
// to $PAKITI_WRITE_OVAL_FILE or a temporary file. The figure in the report:
//
//	PAKITI_SHARED=/work/shared PAKITI_WRITE_OVAL_FILE=/tmp/big.xml go test -run '^$' -bench OVALFile -benchtime 1x ./internal/source/redhat/
//	go test -c -o /tmp/redhat.test ./internal/source/redhat/
//	PAKITI_OVAL_FILE=/tmp/big.xml /usr/bin/time -v /tmp/redhat.test -test.run '^$' -test.bench OVALFile -test.benchtime 1x
func BenchmarkOVALFile(b *testing.B) {
	path := os.Getenv("PAKITI_OVAL_FILE")
	if path == "" {
		size := 600
		if s := os.Getenv("PAKITI_OVAL_SIZE"); s != "" {
			fmt.Sscan(s, &size)
		}
		path = os.Getenv("PAKITI_WRITE_OVAL_FILE")
		if path == "" {
			path = filepath.Join(b.TempDir(), "big.xml")
		}
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		n, copies, err := writeBigOVAL(f, readWholeRHEL8(b), size<<20)
		if err == nil {
			err = f.Close()
		}
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("wrote %d bytes (%d copies) to %s", n, copies, path)
	}
	var st Stats
	var after runtime.MemStats
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		st, err = ParseOVAL(context.Background(), bufio.NewReaderSize(f, 1<<20), ParseOptions{Name: filepath.Base(path)}, func(a model.Advisory) error {
			return nil
		})
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(st.Records), "records/op")
	b.Logf("%s: %d definitions, %d records, oval %+v; HeapSys %.1f MiB, Sys %.1f MiB, %d GCs", path, st.Definitions, st.Records,
		st.OVAL, float64(after.HeapSys)/(1<<20), float64(after.Sys)/(1<<20), after.NumGC)
}
