package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestAlpineEndToEnd sends the real Alpine 3.10 inventory
// (../shared/data/inventories/alpine-3.10/kobo-xorg-base-rootfs: 163
// packages, armv7) through /feed/ over protocol 5 (names only) and
// protocol 6 (the installed db, with each package's origin "o:"), against
// the branch's real secdb (../shared/data/feeds/alpine/secdb-yaml-2020/v3.10,
// main and community).
//
// Expectations, by hand from the two files: every package of the host
// whose origin the secdb names is at or above the newest fix listed, in
// apk order. The origins named in main.yaml and the host's versions:
// avahi 0.7-r2 (avahi-libs 0.7-r2), bash 4.4.12-r1 (5.0.0-r0), busybox
// 1.30.1-r2 (busybox, ssl_client 1.30.1-r5), bzip2 1.0.6-r7 (libbz2
// 1.0.6-r7), cairo 1.16.0-r1 (1.16.0-r3), cups 2.2.12-r0 (cups-libs
// 2.2.12-r1), curl 7.66.0-r0 (libcurl 7.66.0-r3), dbus 1.12.16-r0
// (dbus-libs 1.12.16-r1), expat 2.2.7-r1 (2.2.8-r0), file 5.37-r1
// (libmagic 5.37-r1), freetype 2.9-r1 (2.10.0-r1), gnutls 3.6.7-r0
// (3.6.15-r1), libx11 1.6.6-r0 (1.6.12-r0), libxml2 2.9.8-r1 (2.9.9-r4),
// musl 1.1.22-r3 (musl, musl-utils 1.1.22-r4), ncurses 6.1_p20180414-r0
// (ncurses-libs 6.1_p20190518-r2), openssl 1.1.1d-r0 (libcrypto1.1,
// libssl1.1 1.1.1k-r0), tiff 4.0.10-r2 (4.0.10-r3), vim 8.1.1365
// (8.1.1365-r0), xorg-server 1.20.3-r0 (1.20.5-r3) and the rest likewise;
// in community.yaml pcmanfm 1.2.5-r1 (1.3.1-r0). So both hosts are
// evaluated with no CVE.
//
// What differs is what the server may claim. Over protocol 5, libcrypto1.1
// and libssl1.1 are not named openssl, so the server cannot know that the
// secdb's openssl lines concern them: until a protocol-6 host of the
// branch has taught the package -> origin map, the host is partial data,
// never "complete, clean". Once the protocol-6 report has taught it, the
// evaluation job re-evaluates the protocol-5 host by origin and it is
// complete (the map now holds each of its packages: the same inventory).
func TestAlpineEndToEnd(t *testing.T) {
	shared := sharedDir(t)
	inv := filepath.Join(shared, "data/inventories/alpine-3.10/kobo-xorg-base-rootfs")
	secdb := filepath.Join(shared, "data/feeds/alpine/secdb-yaml-2020/v3.10")
	s := startServer(t, "--evaluate-every", "200ms")
	const p5, p6 = "inv-alpine310-a.example.org", "inv-alpine310-a-p6.example.org"
	runClient(t, "--url", s.base+"/feed/", "--input", filepath.Join(inv, "kobo-xorg-base-rootfs.pakiti5.txt"))
	out := runPakiti(t, s.db, "import", "--source", "alpine", filepath.Join(secdb, "main.yaml"), filepath.Join(secdb, "community.yaml"))
	if !strings.Contains(out, "alpine: ") {
		t.Fatalf("import: %s", out)
	}

	s.waitEvaluated(t, p5)
	h := s.findings(t, p5, false)
	if !h.Host.Evaluated || h.Host.OSGroup != "alpine:3.10" || h.Host.CVEs != 0 {
		t.Errorf("%s: evaluated %v, group %q, %d CVEs; want true, alpine:3.10, 0", p5, h.Host.Evaluated, h.Host.OSGroup, h.Host.CVEs)
	}
	d := s.dataHost(t, p5).Host
	if d.DataState != "partial" || !strings.Contains(d.DataReason, "no binary -> source map for alpine:3.10") {
		t.Errorf("%s before any protocol-6 host: data %q %q; want partial, no binary -> source map", p5, d.DataState, d.DataReason)
	}

	root := t.TempDir()
	for from, to := range map[string]string{"installed": "lib/apk/db/installed", "os-release": "etc/os-release"} {
		data, err := os.ReadFile(filepath.Join(inv, from))
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(root, to)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	runClient(t, "--url", s.base+"/feed/", "--root", root, "--host", p6, "--site", "INVENTORIES", "--protocol", "6")
	h = s.findings(t, p6, false)
	if !h.Host.Evaluated || h.Host.OSGroup != "alpine:3.10" || h.Host.CVEs != 0 {
		t.Errorf("%s: evaluated %v, group %q, %d CVEs; want true, alpine:3.10, 0", p6, h.Host.Evaluated, h.Host.OSGroup, h.Host.CVEs)
	}
	if d := s.dataHost(t, p6).Host; d.DataState != "complete" {
		t.Errorf("%s: data %q %q; want complete", p6, d.DataState, d.DataReason)
	}
	deadline := time.Now().Add(30 * time.Second)
	for d = s.dataHost(t, p5).Host; d.DataState != "complete" && time.Now().Before(deadline); d = s.dataHost(t, p5).Host {
		time.Sleep(200 * time.Millisecond)
	}
	if d.DataState != "complete" {
		t.Errorf("%s after the protocol-6 host taught the map: data %q %q; want complete", p5, d.DataState, d.DataReason)
	}
	if h := s.findings(t, p5, false); !h.Host.Evaluated || h.Host.CVEs != 0 {
		t.Errorf("%s by origin: evaluated %v, %d CVEs; want true, 0", p5, h.Host.Evaluated, h.Host.CVEs)
	}
}
