package oval

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/pakiti-go/pakiti/internal/source/sourcetest"
)

// TestMissingStateIsNotInstalled: a package test whose state the document
// does not hold is of an unknown kind, never "is installed". The real
// SUSE fixture (shared/data/feeds/suse/oval/suse.linux.enterprise.15.truncated.xml,
// anchore/vunnel's suse_truncated.xml) writes its states under <state>
// instead of <states>, so none is read: "krb5 is <1.15.2-4.25" (CVE-2010-1323)
// must not flatten into an unfixed "krb5 is installed" branch.
func TestMissingStateIsNotInstalled(t *testing.T) {
	data := sourcetest.Read(t, filepath.Join(sourcetest.Shared(t, "feeds/suse/oval"), "suse.linux.enterprise.15.truncated.xml"))
	defs, _, p := parseAll(t, data, 0)
	if p.Stats.States != 0 || p.Stats.MissingStates == 0 {
		t.Fatalf("stats %+v: want no state read", p.Stats)
	}
	d := defs["oval:org.opensuse.security:def:20101323"]
	if d == nil {
		t.Fatal("CVE-2010-1323 definition not read")
	}
	var find func(n *Node) *Test
	find = func(n *Node) *Test {
		if n.TestRef == "oval:org.opensuse.security:tst:2009480345" {
			return n.Test
		}
		for _, c := range n.Children {
			if t := find(c); t != nil {
				return t
			}
		}
		return nil
	}
	if krb5 := find(d.Criteria); krb5 == nil || krb5.Kind != KindOther {
		t.Errorf("test krb5 is <1.15.2-4.25 without its state: %+v, want kind other", krb5)
	}
	bs, err := Flatten(d)
	if !errors.Is(err, ErrShape) {
		t.Fatalf("Flatten = %+v, %v; want ErrShape", bs, err)
	}
}
