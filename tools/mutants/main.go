// Command mutants is a regression guard for the test suite: it plants known,
// plausible bugs (the list in list.go) one at a time and checks that the
// tests of the affected packages fail on each.
//
//	go run ./tools/mutants            # every mutant
//	go run ./tools/mutants -list      # the list, nothing run
//	go run ./tools/mutants -only NAME # one mutant (comma-separated names for several)
//	go run ./tools/mutants -only NAME -pkgs ./... -v   # which tests kill it, if any
//	go run ./tools/mutants -full      # every test of every mutant's packages
//
// Each mutant names the tests known to kill it (Kill in list.go): they run
// first, alone, in the packages that declare them; only when they pass do
// all the tests of the mutant's packages run, and the table then says
// which test killed it so that the list can be updated. Kill only saves
// time: a mutant is killed only by a failing test either way.
//
// Nothing in the tree is modified: each mutant is a copy of one file given
// to the go command through an overlay (-overlay in GOFLAGS, so that the
// binaries the end-to-end tests build carry the bug too). Tests run with
// -count=1, since a cached result would hide the mutant.
//
// It prints a table (mutant, packages tested, killed or survived, the first
// failing test, duration) and exits 1 when a mutant survived, 2 when the
// list does not match the code (a snippet found zero or several times, or
// a mutant that does not build). Run it from the module root; it uses only
// the standard library.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
)

// mutant is one planted bug: Orig, which must occur exactly once in File
// (relative to the module root), replaced by Repl; Pkgs are the packages
// whose tests must kill it. Kill names the top-level tests (|-separated)
// known to kill it: they run first, alone, and only when they no longer
// kill it do all the tests of Pkgs run. Either way the mutant counts as
// killed only when a test of Pkgs fails, so Kill saves time and never
// changes a verdict.
type mutant struct {
	Name string
	Desc string
	File string
	Orig string
	Repl string
	Pkgs []string
	Kill string
}

// outcome is what running the tests on a mutant gave.
type outcome int

const (
	killed outcome = iota
	survived
	broken // does not build, or the tests could not start
)

func (o outcome) String() string {
	return [...]string{"killed", "SURVIVED", "BROKEN"}[o]
}

type result struct {
	m        mutant
	fellBack bool // Kill did not kill it: all the tests of Pkgs ran
	outcome  outcome
	killer   string // first failing test, or what stopped the run
	duration time.Duration
	output   string
}

func main() {
	only := flag.String("only", "", "run only these mutants (comma-separated names)")
	list := flag.Bool("list", false, "list the mutants and exit")
	jobs := flag.Int("j", runtime.NumCPU(), "mutants tested at once")
	timeout := flag.Duration("timeout", 5*time.Minute, "time limit of one mutant's tests")
	verbose := flag.Bool("v", false, "print the test output of survivors and broken mutants")
	pkgs := flag.String("pkgs", "", "test these packages (space-separated) instead of each mutant's own, to find which tests kill it")
	noBaseline := flag.Bool("no-baseline", false, "skip the run of the packages' tests without any mutant")
	full := flag.Bool("full", false, "run all the tests of each mutant's packages, not its known killers first")
	flag.Parse()

	if *list {
		w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(w, "MUTANT\tFILE\tPACKAGES\tBUG")
		for _, m := range mutants {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", m.Name, m.File, strings.Join(m.Pkgs, " "), m.Desc)
		}
		w.Flush()
		return
	}
	root, err := moduleRoot()
	if err != nil {
		fatal(2, err)
	}
	selected, err := selectMutants(mutants, *only)
	if err != nil {
		fatal(2, err)
	}
	if *pkgs != "" || *full {
		for i := range selected {
			if *pkgs != "" {
				selected[i].Pkgs = strings.Fields(*pkgs)
			}
			selected[i].Kill = ""
		}
	}
	tmp, err := os.MkdirTemp("", "mutants-")
	if err != nil {
		fatal(2, err)
	}
	defer os.RemoveAll(tmp)
	// Check the whole list before running anything: a snippet that no
	// longer matches fails loudly.
	overlays := make([]string, len(selected))
	killPkgs := make([][]string, len(selected))
	var problems []string
	for i, m := range selected {
		overlays[i], err = writeOverlay(root, tmp, i, m)
		if err != nil {
			problems = append(problems, err.Error())
		}
		killPkgs[i], err = killerPackages(root, m)
		if err != nil {
			problems = append(problems, err.Error())
		}
	}
	if len(problems) > 0 {
		fatal(2, errors.New("the mutant list does not match the code:\n  "+strings.Join(problems, "\n  ")))
	}

	// The packages' tests must pass without any mutant, or every mutant
	// would count as killed by a failure that has nothing to do with it.
	if !*noBaseline {
		if err := baseline(root, selected, *timeout); err != nil {
			fatal(2, err)
		}
	}

	start := time.Now()
	results := make([]result, len(selected))
	// The slowest first, so that they overlap with the many quick ones.
	order := make([]int, len(selected))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cost(selected[b]) - cost(selected[a]) })
	next := make(chan int)
	var wg sync.WaitGroup
	for range max(1, *jobs) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				m := selected[i]
				results[i] = run(root, overlays[i], m, killPkgs[i], *timeout)
				fmt.Fprintf(os.Stderr, "%-36s %-8s %s\n", m.Name, results[i].outcome, results[i].duration.Round(100*time.Millisecond))
			}
		}()
	}
	for _, i := range order {
		next <- i
	}
	close(next)
	wg.Wait()

	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "\nMUTANT\tPACKAGES\tRESULT\tFIRST FAILING TEST\tDURATION")
	var bad, stale []string
	worst := 0
	for _, r := range results {
		if r.fellBack && r.outcome == killed {
			stale = append(stale, fmt.Sprintf("%s: Kill %q no longer kills it; %s does", r.m.Name, r.m.Kill, r.killer))
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", r.m.Name, strings.Join(r.m.Pkgs, " "), r.outcome, r.killer,
			r.duration.Round(100*time.Millisecond))
		switch r.outcome {
		case survived:
			bad = append(bad, fmt.Sprintf("survived: %s (%s)", r.m.Name, r.m.Desc))
			worst = max(worst, 1)
		case broken:
			bad = append(bad, fmt.Sprintf("broken: %s: %s", r.m.Name, r.killer))
			worst = 2
		}
	}
	w.Flush()
	n := len(results) - len(bad)
	fmt.Printf("\n%d of %d mutants killed in %s\n", n, len(results), time.Since(start).Round(time.Second))
	for _, b := range bad {
		fmt.Println(b)
	}
	for _, s := range stale {
		fmt.Println("update list.go:", s)
	}
	if *verbose {
		for _, r := range results {
			if r.outcome != killed {
				fmt.Printf("\n=== %s\n%s\n", r.m.Name, r.output)
			}
		}
	}
	os.Exit(worst)
}

// baseline runs the tests of every package the mutants test, unmutated,
// and fails when they do not pass.
func baseline(root string, ms []mutant, timeout time.Duration) error {
	seen := map[string]bool{}
	var pkgs []string
	for _, m := range ms {
		for _, p := range m.Pkgs {
			if !seen[p] {
				seen[p] = true
				pkgs = append(pkgs, p)
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	start := time.Now()
	cmd := exec.CommandContext(ctx, "go", append([]string{"test", "-count=1"}, pkgs...)...)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("the tests fail without any mutant (%v), so no mutant can be judged: fix them first\n%s", err, out)
	}
	fmt.Fprintf(os.Stderr, "%-36s %-8s %s\n", "(no mutant)", "passed", time.Since(start).Round(100*time.Millisecond))
	return nil
}

// cost is a rough guess of how long a mutant's tests take, in seconds.
func cost(m mutant) int {
	c := 0
	for _, p := range m.Pkgs {
		switch {
		case strings.HasPrefix(p, "./test/e2e"):
			c += 40
		case strings.HasPrefix(p, "./internal/demo"), strings.HasPrefix(p, "./internal/web"):
			c += 8
		default:
			c += 2
		}
	}
	return c
}

func fatal(code int, err error) {
	fmt.Fprintln(os.Stderr, "mutants:", err)
	os.Exit(code)
}

// moduleRoot is the directory of the go.mod above the working directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod here or above: run from the module")
		}
		dir = parent
	}
}

func selectMutants(all []mutant, only string) ([]mutant, error) {
	seen := map[string]bool{}
	for _, m := range all {
		if seen[m.Name] {
			return nil, fmt.Errorf("two mutants named %s", m.Name)
		}
		seen[m.Name] = true
	}
	if only == "" {
		return slices.Clone(all), nil
	}
	var out []mutant
	for _, name := range strings.Split(only, ",") {
		i := slices.IndexFunc(all, func(m mutant) bool { return m.Name == name })
		if i < 0 {
			return nil, fmt.Errorf("no mutant %q (see -list)", name)
		}
		out = append(out, all[i])
	}
	return out, nil
}

// writeOverlay writes the mutated copy of m.File and an overlay file
// pointing the go command at it; it returns the overlay file's path.
func writeOverlay(root, tmp string, i int, m mutant) (string, error) {
	src := filepath.Join(root, filepath.FromSlash(m.File))
	data, err := os.ReadFile(src)
	if err != nil {
		return "", fmt.Errorf("%s: %v", m.Name, err)
	}
	if n := strings.Count(string(data), m.Orig); n != 1 {
		return "", fmt.Errorf("%s: the snippet %q occurs %d times in %s, want exactly once", m.Name, m.Orig, n, m.File)
	}
	if len(m.Pkgs) == 0 {
		return "", fmt.Errorf("%s: no packages to test", m.Name)
	}
	dir := filepath.Join(tmp, fmt.Sprintf("%02d-%s", i, m.Name))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	mutated := filepath.Join(dir, filepath.Base(src))
	if err := os.WriteFile(mutated, []byte(strings.Replace(string(data), m.Orig, m.Repl, 1)), 0o644); err != nil {
		return "", err
	}
	js, err := json.Marshal(map[string]map[string]string{"Replace": {src: mutated}})
	if err != nil {
		return "", err
	}
	overlay := filepath.Join(dir, "overlay.json")
	return overlay, os.WriteFile(overlay, js, 0o644)
}

var (
	failLine  = regexp.MustCompile(`(?m)^\s*--- FAIL: (\S+)`)
	panicLine = regexp.MustCompile(`(?m)^panic: .*`)
	// Lines the go command prints when a package does not build.
	buildFail = regexp.MustCompile(`(?m)^FAIL\s+\S+\s+\[(build|setup) failed\]|^# \S+`)
)

// run tests m's packages with m planted: first only its known killers
// (m.Kill, in killPkgs, the packages that hold them), then, if they pass,
// all the tests of m.Pkgs.
func run(root, overlay string, m mutant, killPkgs []string, timeout time.Duration) result {
	start := time.Now()
	if m.Kill != "" && len(killPkgs) > 0 {
		r := runTests(root, overlay, m, append([]string{"-run", "^(" + m.Kill + ")$"}, killPkgs...), timeout)
		if r.outcome != survived {
			r.duration = time.Since(start)
			return r
		}
	}
	r := runTests(root, overlay, m, m.Pkgs, timeout)
	r.fellBack = m.Kill != ""
	r.duration = time.Since(start)
	return r
}

// runTests runs go test with args, m planted through overlay.
func runTests(root, overlay string, m mutant, args []string, timeout time.Duration) result {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", append([]string{"test", "-count=1", "-failfast"}, args...)...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOFLAGS="+strings.TrimSpace(os.Getenv("GOFLAGS")+" -overlay="+overlay))
	out, err := cmd.CombinedOutput()
	r := result{m: m, output: string(out)}
	var exit *exec.ExitError
	switch {
	case err == nil:
		r.outcome, r.killer = survived, "-"
	case ctx.Err() != nil:
		r.outcome, r.killer = killed, "(timeout after "+timeout.String()+")"
	case !errors.As(err, &exit):
		r.outcome, r.killer = broken, err.Error()
	case buildFail.Match(out):
		r.outcome, r.killer = broken, "does not build (run with -v)"
	default:
		r.outcome = killed
		if f := failLine.FindSubmatch(out); f != nil {
			r.killer = string(f[1])
		} else if p := panicLine.Find(out); p != nil {
			r.killer = string(p)
		} else {
			r.killer = "(go test failed, no test named)"
		}
	}
	return r
}

// killerPackages are the packages of m.Pkgs whose test files declare one
// of m.Kill's tests; it is an error when a name of m.Kill is declared in
// none of them (a renamed or removed test), so the list stays true.
func killerPackages(root string, m mutant) ([]string, error) {
	if m.Kill == "" {
		return nil, nil
	}
	found := map[string]bool{}
	var pkgs []string
	for _, p := range m.Pkgs {
		files, err := filepath.Glob(filepath.Join(root, filepath.FromSlash(p), "*_test.go"))
		if err != nil {
			return nil, err
		}
		in := false
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				return nil, err
			}
			for _, name := range strings.Split(m.Kill, "|") {
				if regexp.MustCompile(`(?m)^func ` + regexp.QuoteMeta(name) + `\(t \*testing\.T\)`).Match(data) {
					found[name], in = true, true
				}
			}
		}
		if in {
			pkgs = append(pkgs, p)
		}
	}
	for _, name := range strings.Split(m.Kill, "|") {
		if !found[name] {
			return nil, fmt.Errorf("%s: Kill names %s, a test none of %s declares", m.Name, name, strings.Join(m.Pkgs, " "))
		}
	}
	return pkgs, nil
}
