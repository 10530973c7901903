package redhat

import (
	"compress/bzip2"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"testing"

	"github.com/pakiti-go/pakiti/internal/model"
)

func TestSmoke(t *testing.T) {
	for _, p := range []string{"/tmp/rhel8v1.xml", "/work/shared/data/feeds/redhat/oval-v2/rhel-9-including-unpatched.oval.excerpt.xml.bz2", "/work/shared/data/feeds/redhat/oval-v1/com.redhat.rhsa-20231659.xml"} {
		f, _ := os.Open(p)
		var rd io.Reader = f
		if p[len(p)-4:] == ".bz2" {
			rd = bzip2.NewReader(f)
		}
		n := 0
		st, err := ParseOVAL(context.Background(), rd, ParseOptions{Name: p}, func(a model.Advisory) error {
			n++
			if n < 3 {
				b, _ := json.Marshal(a)
				fmt.Println(string(b))
			}
			return nil
		})
		b, _ := json.MarshalIndent(st, "", " ")
		fmt.Println(p, err, string(b))
	}
}
