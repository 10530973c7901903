package oval

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrShape is wrapped by Flatten's error for a definition whose criteria
// are not a disjunction of conjunctions of known test kinds.
var ErrShape = errors.New("criteria not of the flattenable shape")

// maxBranches bounds the disjunctive form of one definition.
const maxBranches = 1 << 14

// Branch is one package condition of a flattened definition: the
// definition is true on a host of one of OS's products where Package is
// installed in a version less than FixedVersion (or, with FixedVersion
// empty, installed at all), of an arch in Arch, with Module enabled.
type Branch struct {
	Package string `json:"package"`
	// FixedVersion is the "less than" EVR as written ("0:91.9.1-1.el9_0");
	// empty for an unpatched definition's "is installed" condition.
	FixedVersion string `json:"fixed_version,omitempty"`
	// Arch is the arch restriction as written, "aarch64|ppc64le|s390x|x86_64".
	Arch string `json:"arch,omitempty"`
	// Module is the RPM module stream "name:stream" that must be enabled.
	Module string `json:"module,omitempty"`
	// OS are the product tests of the branch (Red Hat Enterprise Linux 9
	// is installed); a source maps them to OS groups. Empty when the
	// branch names none.
	OS []*Test `json:"-"`
	// Never marks a branch that cannot be true: the package must be both
	// installed and not installed, Red Hat's way of writing "not
	// affected" (oval:com.redhat.unaffected definitions).
	Never bool `json:"never,omitempty"`
	// Binaries are the binary packages of Package the test's variable
	// lists (Ubuntu's OVAL: Package is the source package, each binary
	// is held to the same version); nil otherwise.
	Binaries []string `json:"binaries,omitempty"`
	// RunningKernel marks a branch that also requires the running (or
	// next-boot) kernel to be older: the matcher's running-kernel rule
	// decides it.
	RunningKernel bool `json:"running_kernel,omitempty"`
}

// Flatten returns a definition's branches, one per (package, version,
// arch, module, products) condition, in the order the tree gives them. A
// definition of any other shape (ONE/XOR, extend_definition, an unknown
// test kind, two packages in one conjunction, unresolved tests) gives an
// error wrapping ErrShape; Eval still evaluates it.
func Flatten(def *Definition) ([]Branch, error) {
	if def.Criteria == nil {
		return nil, fmt.Errorf("%w: no criteria", ErrShape)
	}
	conj, err := dnf(def.Criteria, false)
	if err != nil {
		return nil, err
	}
	var out []Branch
	for _, c := range conj {
		b, keep, err := branchOf(c)
		if err != nil {
			return nil, err
		}
		if keep && !containsBranch(out, b) {
			out = append(out, b)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no package condition", ErrShape)
	}
	return out, nil
}

type literal struct {
	t   *Test
	neg bool
}

// dnf expands a tree into its disjunctive normal form, pushing negations
// down (De Morgan).
func dnf(n *Node, neg bool) ([][]literal, error) {
	if n.Negate {
		neg = !neg
	}
	switch {
	case n.TestRef != "":
		if n.Test == nil {
			return nil, fmt.Errorf("%w: test %s not in the document", ErrShape, n.TestRef)
		}
		return [][]literal{{{n.Test, neg}}}, nil
	case n.DefinitionRef != "":
		return nil, fmt.Errorf("%w: extend_definition %s", ErrShape, n.DefinitionRef)
	}
	op := n.Operator
	if op == "" {
		op = OpAND
	}
	if op != OpAND && op != OpOR {
		return nil, fmt.Errorf("%w: operator %s", ErrShape, op)
	}
	if neg {
		op = map[Operator]Operator{OpAND: OpOR, OpOR: OpAND}[op]
	}
	if len(n.Children) == 0 {
		return nil, fmt.Errorf("%w: empty criteria", ErrShape)
	}
	if op == OpOR {
		var out [][]literal
		for _, c := range n.Children {
			d, err := dnf(c, neg)
			if err != nil {
				return nil, err
			}
			out = append(out, d...)
			if len(out) > maxBranches {
				return nil, fmt.Errorf("%w: more than %d branches", ErrShape, maxBranches)
			}
		}
		return out, nil
	}
	out := [][]literal{nil}
	for _, c := range n.Children {
		d, err := dnf(c, neg)
		if err != nil {
			return nil, err
		}
		if len(out)*len(d) > maxBranches {
			return nil, fmt.Errorf("%w: more than %d branches", ErrShape, maxBranches)
		}
		next := make([][]literal, 0, len(out)*len(d))
		for _, a := range out {
			for _, b := range d {
				next = append(next, append(slices.Clip(a), b...))
			}
		}
		out = next
	}
	return out, nil
}

// branchOf reads one conjunction; keep is false for Red Hat's guard
// branch ("Red Hat Enterprise Linux must be installed" alone), which is
// true only on hosts that do not run the product.
func branchOf(c []literal) (b Branch, keep bool, err error) {
	var pkgs, absent []string
	var guard, other int
	archTest := ""
	for _, l := range c {
		t := l.t
		kind := t.Kind
		if l.neg {
			switch kind {
			case KindPackageInstalled:
				kind = KindPackageAbsent
			case KindPackageAbsent:
				kind = KindPackageInstalled
			default:
				return b, false, fmt.Errorf("%w: negated %s test %q", ErrShape, kind, t.Comment)
			}
		}
		switch kind {
		case KindOSGuard:
			guard++
		case KindOSInstalled:
			b.OS = append(b.OS, t)
		case KindPackageBefore:
			name, evr, arch := t.Package()
			if name == "" || evr == "" {
				return b, false, fmt.Errorf("%w: package test %q without name or version", ErrShape, t.Comment)
			}
			if b.FixedVersion != "" && (b.Package != name || b.FixedVersion != evr) {
				return b, false, fmt.Errorf("%w: two package versions in one branch (%s, %s)", ErrShape, b.Package, name)
			}
			b.FixedVersion = evr
			b.Binaries = t.Binaries()
			if arch != "" {
				b.Arch = arch
			}
			pkgs = append(pkgs, name)
		case KindPackageInstalled:
			name, _, _ := t.Package()
			pkgs = append(pkgs, name)
		case KindPackageAbsent:
			name, _, _ := t.Package()
			absent = append(absent, name)
		case KindSignedBy:
			// The vendor's data lists the vendor's packages: true.
		case KindArch:
			archTest = t.Arch()
		case KindModuleEnabled:
			m := t.Module()
			if m == "" || (b.Module != "" && b.Module != m) {
				return b, false, fmt.Errorf("%w: module test %q", ErrShape, t.Comment)
			}
			b.Module = m
		case KindKernelRunning, KindKernelNextBoot:
			b.RunningKernel = true
		default:
			other++
			if other == 1 {
				err = fmt.Errorf("%w: %s %q", ErrShape, t.Type, t.Comment)
			}
		}
	}
	if guard > 0 {
		if len(c) == guard {
			return b, false, nil
		}
		return b, false, fmt.Errorf("%w: product guard test inside a branch", ErrShape)
	}
	if err != nil {
		return b, false, err
	}
	slices.Sort(pkgs)
	pkgs = slices.Compact(pkgs)
	if len(pkgs) != 1 {
		if len(pkgs) == 0 && len(absent) == 0 && b.RunningKernel && b.FixedVersion == "" {
			// A kernel-only branch ("kernel earlier than X is currently
			// running" with no package test): the package branches of
			// the same definition carry the versions.
			return b, false, nil
		}
		return b, false, fmt.Errorf("%w: %d packages in one branch", ErrShape, len(pkgs))
	}
	b.Package = pkgs[0]
	for _, a := range absent {
		if a != b.Package {
			return b, false, fmt.Errorf("%w: absence of another package (%s) in a branch of %s", ErrShape, a, b.Package)
		}
		b.Never = true
	}
	if b.Arch == "" {
		b.Arch = archTest
	}
	return b, true, nil
}

func containsBranch(bs []Branch, b Branch) bool {
	for _, x := range bs {
		if x.Package == b.Package && x.FixedVersion == b.FixedVersion && x.Arch == b.Arch && x.Module == b.Module &&
			x.Never == b.Never && x.RunningKernel == b.RunningKernel && slices.Equal(x.OS, b.OS) &&
			slices.Equal(x.Binaries, b.Binaries) {
			return true
		}
	}
	return false
}

// IDs returns a definition's CVE ids, from its references (source CVE) and
// its advisory's cve elements, in order, without repeats.
func (d *Definition) IDs() []string {
	var out []string
	add := func(id string) {
		id = strings.TrimSpace(id)
		if id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	for _, r := range d.References {
		if strings.EqualFold(r.Source, "CVE") && strings.HasPrefix(r.RefID, "CVE-") {
			add(r.RefID)
		}
	}
	for _, c := range d.CVEs {
		if strings.HasPrefix(c.ID, "CVE-") {
			id, _, _ := strings.Cut(c.ID, " ")
			add(id)
		}
	}
	return out
}
