package localoval

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/pakiti-go/pakiti/internal/model"
)

// FuzzParseFile is seeded with the real excerpts in testdata (Ubuntu's
// dpkginfo and OCI-manifest OVAL, Debian's), whole and cut short. Nothing
// may panic; every record names a package and a CVE or advisory, a fixed
// record its version, and the counts add up.
func FuzzParseFile(f *testing.F) {
	for _, name := range []string{"vulnerablecode_ubuntu_oval_data.xml", "vuls-data-update_oci.com.ubuntu.jammy.cve.oval.xml.bz2",
		"vuls-data-update_oci.com.ubuntu.jammy.usn.oval.xml.bz2", "vuls-data-update_oval-definitions-bullseye.xml.bz2"} {
		fd := open(f, name)
		rc, err := fd.Open()
		if err != nil {
			f.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		f.Add(data[:len(data)/2])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n := 0
		st, err := ParseFile(context.Background(), bytes.NewReader(data), "ubuntu:22.04", t.TempDir(), func(a model.Advisory) error {
			n++
			if a.Package == "" || a.CVE == "" || a.OSGroup != "ubuntu:22.04" {
				t.Errorf("record %+v", a)
			}
			if (a.Status == model.StatusFixed) != (a.FixedVersion != "") {
				t.Errorf("record %+v: status and fixed version disagree", a)
			}
			if strings.ContainsAny(a.Package, " \t\n'") {
				t.Errorf("package %q", a.Package)
			}
			return nil
		})
		if err != nil {
			return
		}
		if n != st.Records || st.Deprecated+st.Unflattened+st.NoRecord > st.Definitions {
			t.Errorf("%d records emitted, stats %+v", n, st)
		}
	})
}
