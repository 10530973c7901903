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

var (
	reV2Open   = regexp.MustCompile(`<red-def:(\w+) [^>]*?id="([^"]+)"`)
	reV2Def    = regexp.MustCompile(`(?s)<definition .*?</definition>`)
	reV2ID     = regexp.MustCompile(`oval:com\.redhat\.[a-z]+:(?:def|tst|ste|obj|var):[0-9]+`)
	reV2CVE    = regexp.MustCompile(`CVE-([0-9]{4})-([0-9]{4,})`)
	reV2RHSA   = regexp.MustCompile(`(RH[SBE]A-[0-9]{4}):([0-9]+)`)
	reV2ObjNam = regexp.MustCompile(`<red-def:name>([^<]+)</red-def:name>`)
)

// writeBigOVALv2 writes an OVAL v2 document of at least size bytes from
// the real structure of the rhel-9-including-unpatched excerpt (shared
// feeds, oval-v2): its four definitions (an unpatched "Will not fix" CVE,
// an unaffected one, two RHSAs) copied again and again, each copy's
// definitions, tests and states renamed (id + copy number) and its CVE and
// RHSA ids made distinct (CVE-2005-2541 -> CVE-2005-25410042,
// RHSA-2022:4765 -> RHSA-2022:47650042). As in Red Hat's files, the tests
// and states every definition shares ("Red Hat Enterprise Linux 9 is
// installed", "must be installed", the signing key state) are written
// once, and each package's rpminfo object is shared: the copies spread
// over packages distinct package names (firefox -> firefox-g17), each
// with its object. What is generated: size, definitions, package names;
// every element, attribute and criteria shape is the excerpt's.
func writeBigOVALv2(w io.Writer, excerpt string, size, packages int) (n, copies int, err error) {
	sec := func(name string) (body string, start, end int) {
		a := strings.Index(excerpt, "<"+name+">")
		b := strings.Index(excerpt, "</"+name+">")
		if a < 0 || b < 0 {
			return "", -1, -1
		}
		return excerpt[a+len(name)+2 : b], a, b + len(name) + 3
	}
	defs, defStart, _ := sec("definitions")
	tests, _, _ := sec("tests")
	objects, _, _ := sec("objects")
	states, _, _ := sec("states")
	vars, _, _ := sec("variables")
	// Shared elements: those a test or state of every definition names.
	shared := map[string]bool{
		"oval:com.redhat.cve:tst:20052541003": true, "oval:com.redhat.cve:tst:20052541004": true,
		"oval:com.redhat.cve:ste:20052541001": true, "oval:com.redhat.cve:ste:20052541002": true,
		"oval:com.redhat.cve:ste:20052541003": true, "oval:com.redhat.cve:obj:20052541002": true,
	}
	// split reads the top-level elements of a section (each closed by its
	// own end tag) into those written once and those of every copy.
	split := func(body string) (once, each string) {
		for {
			m := reV2Open.FindStringSubmatchIndex(body)
			if m == nil {
				return once, each
			}
			name, id := body[m[2]:m[3]], body[m[4]:m[5]]
			end := strings.Index(body[m[0]:], "</red-def:"+name+">")
			if end < 0 {
				return once, each
			}
			end += m[0] + len("</red-def:"+name+">")
			if shared[id] {
				once += "\n    " + body[m[0]:end]
			} else {
				each += "\n    " + body[m[0]:end]
			}
			body = body[end:]
		}
	}
	testsOnce, testsEach := split(tests)
	statesOnce, statesEach := split(states)
	objOnce, objEach := split(objects)
	defsEach := strings.Join(reV2Def.FindAllString(defs, -1), "\n    ")
	per := len(defsEach) + len(testsEach) + len(statesEach)
	copies = max(1, (size-len(excerpt))/per+1)
	// rename gives copy k's text: ids and CVE/RHSA numbers suffixed with k,
	// object ids (and so package names) with k's package group.
	rename := func(s string, k int) string {
		suffix := fmt.Sprintf("%04d", k)
		group := fmt.Sprintf("%d", k%packages)
		s = reV2ID.ReplaceAllStringFunc(s, func(id string) string {
			switch {
			case shared[id]:
				return id
			case strings.Contains(id, ":obj:"):
				return id + "9" + group
			}
			return id + suffix
		})
		s = reV2CVE.ReplaceAllString(s, "CVE-${1}-${2}"+suffix)
		return reV2RHSA.ReplaceAllString(s, "${1}:${2}"+suffix)
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	put := func(s string) { k, _ := bw.WriteString(s); n += k }
	put(excerpt[:defStart])
	put("<definitions>\n    ")
	for k := range copies {
		put(rename(defsEach, k))
		put("\n    ")
	}
	put("</definitions>\n  <tests>")
	put(testsOnce)
	for k := range copies {
		put(rename(testsEach, k))
	}
	put("\n  </tests>\n  <objects>")
	put(objOnce)
	for g := range min(packages, copies) {
		o := reV2ID.ReplaceAllStringFunc(objEach, func(id string) string { return id + "9" + fmt.Sprint(g) })
		put(reV2ObjNam.ReplaceAllString(o, fmt.Sprintf("<red-def:name>${1}-g%d</red-def:name>", g)))
	}
	put("\n  </objects>\n  <states>")
	put(statesOnce)
	for k := range copies {
		put(rename(statesEach, k))
	}
	put("\n  </states>\n  <variables>")
	put(vars)
	put("</variables>\n</oval_definitions>\n")
	return n, copies, bw.Flush()
}

// TestWriteBigOVALv2 generates a small file and parses it: every copy's
// definitions are read with the excerpt's records, under distinct CVE ids
// and the copies' package names.
func TestWriteBigOVALv2(t *testing.T) {
	excerpt := string(sourcetest.Read(t, filepath.Join("testdata", "rhel-9-including-unpatched.oval.excerpt.xml.bz2")))
	var buf strings.Builder
	_, copies, err := writeBigOVALv2(&buf, excerpt, 200<<10, 7)
	if err != nil {
		t.Fatal(err)
	}
	one := parseFile(t, filepath.Join("testdata", "rhel-9-including-unpatched.oval.excerpt.xml.bz2"))
	cves, pkgs := map[string]bool{}, map[string]bool{}
	st, err := ParseOVAL(context.Background(), strings.NewReader(buf.String()), ParseOptions{Name: "rhel-9-including-unpatched.oval.xml", TempDir: t.TempDir()},
		func(a model.Advisory) error {
			cves[a.CVE], pkgs[a.Package] = true, true
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if copies < 10 || st.Definitions != copies*one.Stats.Definitions || st.Records != copies*one.Stats.Records || st.Unflattened != 0 {
		t.Errorf("%d copies: %d definitions, %d records, %d unflattened; want %d, %d, 0", copies, st.Definitions, st.Records,
			st.Unflattened, copies*one.Stats.Definitions, copies*one.Stats.Records)
	}
	if len(cves) != copies*4 || !pkgs["firefox-g6"] || pkgs["firefox"] {
		t.Errorf("%d CVEs (want %d: CVE-2005-2541, CVE-2002-0059, CVE-2022-1529, CVE-2022-1802 a copy), packages %v", len(cves), copies*4, pkgs)
	}
}

// BenchmarkOVALv2File is BenchmarkOVALFile's generation for OVAL v2: it
// writes a full-size RHEL 9 OVAL v2 file (writeBigOVALv2, $PAKITI_OVAL_SIZE
// MB, default 600; 5,000 package names) to $PAKITI_WRITE_OVAL_FILE for
// pakiti import to read:
//
//	PAKITI_WRITE_OVAL_FILE=/tmp/rhel-9-including-unpatched.oval.xml go test -run '^$' -bench OVALv2File -benchtime 1x ./internal/source/redhat/
//	/usr/bin/time -v pakiti --db /tmp/big.db import --source redhat /tmp/rhel-9-including-unpatched.oval.xml
func BenchmarkOVALv2File(b *testing.B) {
	path := os.Getenv("PAKITI_WRITE_OVAL_FILE")
	if path == "" {
		b.Skip("set PAKITI_WRITE_OVAL_FILE to the file to write")
	}
	size := 600
	if s := os.Getenv("PAKITI_OVAL_SIZE"); s != "" {
		fmt.Sscan(s, &size)
	}
	excerpt := string(sourcetest.Read(b, filepath.Join("testdata", "rhel-9-including-unpatched.oval.excerpt.xml.bz2")))
	for b.Loop() {
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		n, copies, err := writeBigOVALv2(f, excerpt, size<<20, 5000)
		if err == nil {
			err = f.Close()
		}
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("wrote %d bytes (%d copies of the excerpt's 4 definitions) to %s", n, copies, path)
	}
}
