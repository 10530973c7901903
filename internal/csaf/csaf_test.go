package csaf

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// A constructed document (the shape of Red Hat's VEX, cut to one product)
// with the vulnerabilities before the product tree: they are handed over
// once the tree is read.
const reordered = `{"vulnerabilities": [{"cve": "CVE-2023-38545", "scores": [{"x": [1, 2]}],
  "product_status": {"fixed": ["BaseOS-9.3.0.Z.MAIN:curl-0:7.76.1-26.el9_3.2.x86_64"]},
  "remediations": [{"category": "vendor_fix", "url": "https://access.redhat.com/errata/RHSA-2023:6745",
    "product_ids": ["BaseOS-9.3.0.Z.MAIN:curl-0:7.76.1-26.el9_3.2.x86_64"]}]}],
 "document": {"category": "csaf_vex", "tracking": {"id": "CVE-2023-38545"}, "aggregate_severity": {"text": "Important"}},
 "product_tree": {"branches": [{"category": "vendor", "name": "Red Hat", "branches": [
   {"category": "product_family", "branches": [{"category": "product_name", "product": {"name": "RHEL BaseOS (v. 9)",
     "product_id": "BaseOS-9.3.0.Z.MAIN", "product_identification_helper": {"cpe": "cpe:/o:redhat:enterprise_linux:9::baseos"}}}]},
   {"category": "product_version", "product": {"name": "curl-0:7.76.1-26.el9_3.2.x86_64", "product_id": "curl-0:7.76.1-26.el9_3.2.x86_64",
     "product_identification_helper": {"purl": "pkg:rpm/redhat/curl@7.76.1-26.el9_3.2?arch=x86_64"}}}]}],
  "relationships": [{"category": "default_component_of", "full_product_name": {"name": "curl as a component of BaseOS",
    "product_id": "BaseOS-9.3.0.Z.MAIN:curl-0:7.76.1-26.el9_3.2.x86_64"},
    "product_reference": "curl-0:7.76.1-26.el9_3.2.x86_64", "relates_to_product_reference": "BaseOS-9.3.0.Z.MAIN"}]}}`

func TestRead(t *testing.T) {
	var got []string
	err := Read(strings.NewReader(reordered), func(d *Document, v *Vulnerability) error {
		id := v.Status["fixed"][0]
		p := d.Products[id]
		got = append(got, d.Category, d.AggregateSeverity, v.CVE, p.Platform, d.Products[p.Platform].CPE,
			d.Products[p.Component].PURL, v.Remediations[0].URL)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"csaf_vex", "Important", "CVE-2023-38545", "BaseOS-9.3.0.Z.MAIN", "cpe:/o:redhat:enterprise_linux:9::baseos",
		"pkg:rpm/redhat/curl@7.76.1-26.el9_3.2?arch=x86_64", "https://access.redhat.com/errata/RHSA-2023:6745"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, bad := range []string{``, `[]`, `{"document": {}}`, `{"document": {"category": "csaf_vex"}} {}`, reordered[:len(reordered)/2]} {
		if err := Read(strings.NewReader(bad), func(*Document, *Vulnerability) error { return nil }); err == nil {
			t.Errorf("%.40q: read without error", bad)
		}
	}
}

func TestParsePURL(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want PURL
		ok   bool
	}{
		{"pkg:rpm/redhat/ruby@2.7.8-139.module%2Bel8.8.0%2B18745%2Bf1bef313?arch=aarch64&rpmmod=ruby:2.7:8080020230427102918:63b34585",
			PURL{"rpm", "redhat", "ruby", "2.7.8-139.module+el8.8.0+18745+f1bef313", map[string]string{"arch": "aarch64", "rpmmod": "ruby:2.7:8080020230427102918:63b34585"}}, true},
		{"pkg:rpm/redhat/bind@9.8.2-0.68.rc1.el6_10.17?arch=src&epoch=32",
			PURL{"rpm", "redhat", "bind", "9.8.2-0.68.rc1.el6_10.17", map[string]string{"arch": "src", "epoch": "32"}}, true},
		{"pkg:rpm/redhat/libcurl", PURL{Type: "rpm", Namespace: "redhat", Name: "libcurl"}, true},
		{"cpe:/o:redhat:enterprise_linux:9", PURL{}, false},
		{"pkg:rpm", PURL{}, false},
	} {
		got, ok := ParsePURL(tc.in)
		if ok != tc.ok || !cmp.Equal(got, tc.want) {
			t.Errorf("ParsePURL(%q) = %+v, %v; want %+v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
