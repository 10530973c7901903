package source

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/ulikunitz/xz"
)

// Fetched is one location made ready for parsing: a local file (the
// location itself, or a download kept in a temporary file) and its
// fingerprint.
type Fetched struct {
	Location    string // as given (an OS-group prefix included)
	Group       string // the OS group prefix of the location, if any (see SplitGroup)
	File        string // local path to read
	Name        string // document name, compression suffix removed
	Fingerprint string // sha256 of the bytes as fetched
	ETag        string
	Modified    string
	temp        bool
}

// Close removes a temporary download.
func (f *Fetched) Close() error {
	if f.temp {
		return os.Remove(f.File)
	}
	return nil
}

// Open returns the decompressed content (gzip, bzip2 and xz are
// recognised by their magic bytes, whatever the name).
func (f *Fetched) Open() (io.ReadCloser, error) {
	fh, err := os.Open(f.File)
	if err != nil {
		return nil, err
	}
	r, err := decompress(fh)
	if err != nil {
		fh.Close()
		return nil, fmt.Errorf("%s: %w", f.Location, err)
	}
	return struct {
		io.Reader
		io.Closer
	}{r, fh}, nil
}

// Previous is what the last import of a location recorded, for
// conditional requests.
type Previous struct {
	Fingerprint, ETag, Modified string
}

// Fetcher gets locations: http(s) URLs (conditional GET), local files,
// and mirror directories (every regular file in it, sorted by name).
type Fetcher struct {
	Client   *http.Client
	MaxBytes int64  // largest download accepted
	TempDir  string // where downloads go ("" = os.TempDir())
}

// NewFetcher returns a Fetcher with a sane client and a 2 GiB limit.
func NewFetcher() *Fetcher {
	return &Fetcher{Client: &http.Client{Timeout: 30 * time.Minute}, MaxBytes: 2 << 30}
}

// ErrNotModified says the server answered 304: nothing to do.
var ErrNotModified = errors.New("not modified since the last import")

// ErrNotFound is wrapped by Fetch's error for a URL the server does not
// have (HTTP 404).
var ErrNotFound = errors.New("not found")

// Expand turns a location into the locations to fetch: a directory gives
// every regular file below it, at any depth, in name order (a mirror; dot
// files and folders such as .git passed over); anything else itself. An OS-group prefix
// ("rocky:9=DIR", see SplitGroup) is kept on every location it gives.
func Expand(loc string) ([]string, error) {
	if g, rest := SplitGroup(loc); g != "" {
		locs, err := Expand(rest)
		for i := range locs {
			locs[i] = g + "=" + locs[i]
		}
		return locs, err
	}
	if isURL(loc) {
		return []string{loc}, nil
	}
	st, err := os.Stat(loc)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return []string{loc}, nil
	}
	// Every regular file below: a tree laid out by its vendor (the
	// Ubuntu CVE tracker's README beside active/ retired/ ignored/, a
	// checkout of Ubuntu's OSV records osv/cve/YYYY/...) as a flat mirror.
	out, err := treeFiles(loc)
	if err != nil {
		return nil, err
	}
	sort.Strings(out)
	if len(out) == 0 {
		return nil, fmt.Errorf("mirror directory %s holds no files", loc)
	}
	return out, nil
}

// treeFiles lists the regular files below dir, at any depth; names
// starting with a dot (.git) are passed over, folders and files alike.
func treeFiles(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() {
			out = append(out, p)
		}
		return nil
	})
	return out, err
}

// Fetch makes one location (URL or file) ready. For a URL, prev's ETag and
// Last-Modified make the request conditional.
func (f *Fetcher) Fetch(ctx context.Context, loc string, prev Previous) (*Fetched, error) {
	if g, rest := SplitGroup(loc); g != "" {
		fd, err := f.Fetch(ctx, rest, prev)
		if err != nil {
			return nil, err
		}
		fd.Location, fd.Group = loc, g
		return fd, nil
	}
	if !isURL(loc) {
		sum, err := hashFile(loc)
		if err != nil {
			return nil, err
		}
		return &Fetched{Location: loc, File: loc, Name: docName(filepath.Base(loc)), Fingerprint: sum}, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, loc, nil)
	if err != nil {
		return nil, err
	}
	if prev.ETag != "" {
		req.Header.Set("If-None-Match", prev.ETag)
	}
	if prev.Modified != "" {
		req.Header.Set("If-Modified-Since", prev.Modified)
	}
	req.Header.Set("User-Agent", "pakiti-go")
	resp, err := f.Client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified {
		return nil, ErrNotModified
	}
	if resp.StatusCode == http.StatusNotFound {
		return nil, fmt.Errorf("GET %s: %s: %w", loc, resp.Status, ErrNotFound)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", loc, resp.Status)
	}
	tmp, err := os.CreateTemp(f.TempDir, "pakiti-fetch-*")
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(resp.Body, f.MaxBytes+1))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > f.MaxBytes {
		err = fmt.Errorf("GET %s: larger than %d bytes", loc, f.MaxBytes)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return nil, err
	}
	u := resp.Request.URL
	return &Fetched{Location: loc, File: tmp.Name(), Name: docName(path.Base(u.Path)),
		Fingerprint: hex.EncodeToString(h.Sum(nil)), ETag: resp.Header.Get("ETag"),
		Modified: resp.Header.Get("Last-Modified"), temp: true}, nil
}

func isURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

func hashFile(p string) (string, error) {
	fh, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer fh.Close()
	h := sha256.New()
	if _, err := io.Copy(h, fh); err != nil {
		return "", fmt.Errorf("read %s: %w", p, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// docName strips compression suffixes: "DSA-list.txt.gz" -> "DSA-list.txt".
func docName(base string) string {
	for _, ext := range []string{".gz", ".bz2", ".xz"} {
		base = strings.TrimSuffix(base, ext)
	}
	return base
}

// xzMagic starts every xz stream (Debian's archive serves some indexes,
// such as bookworm-security's Packages, only as .xz).
var xzMagic = []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}

// decompress sniffs gzip, bzip2 and xz magic bytes.
func decompress(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	magic, _ := br.Peek(len(xzMagic))
	switch {
	case bytes.HasPrefix(magic, xzMagic):
		return xz.NewReader(br)
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		return gzip.NewReader(br)
	case bytes.HasPrefix(magic, []byte("BZh")):
		return bzip2.NewReader(br), nil
	}
	return br, nil
}
