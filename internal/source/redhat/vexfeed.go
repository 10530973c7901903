package redhat

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// VEXBase is where Red Hat publishes its CSAF VEX documents: one file per
// CVE (YEAR/cve-*.json), the whole set as a daily archive
// (csaf_vex_YYYY-MM-DD.tar.zst) which archive_latest.txt names, and
// changes.csv / deletions.csv listing the documents changed or deleted
// since (not read: the archive is imported whole).
const VEXBase = "https://security.access.redhat.com/data/csaf/v2/vex/"

// ArchiveLatest is the feed's pointer file: one line, the name of the
// newest archive.
const ArchiveLatest = "archive_latest.txt"

// NoVEX, given as the VEX feed location, leaves the VEX archive out of
// the default locations.
const NoVEX = "none"

// reArchiveName is the name archive_latest.txt may give: a file of the
// feed's directory, never a path elsewhere.
var reArchiveName = regexp.MustCompile(`^csaf_vex_[0-9]{4}-[0-9]{2}-[0-9]{2}\.tar\.zst$`)

// maxPointer bounds archive_latest.txt.
const maxPointer = 4 << 10

// vexFeed is the VEX feed's pointer location of the source's
// configuration ("" when left out).
func (s *Source) vexFeed() string {
	switch s.VEX {
	case NoVEX:
		return ""
	case "":
		return VEXBase + ArchiveLatest
	}
	if isURL(s.VEX) && strings.HasSuffix(s.VEX, "/") {
		return s.VEX + ArchiveLatest
	}
	return s.VEX
}

// Resolve (source.Resolver) turns a location of Red Hat's VEX feed into
// the archive it names today: archive_latest.txt (a URL or a file), the
// feed's directory as a URL ending in "/", or a local directory holding
// archive_latest.txt (a mirror laid out as the feed). The importer then
// fetches the archive as any location: conditionally (ETag,
// Last-Modified) from a URL, by fingerprint from a file, so an unchanged
// archive costs the pointer's few bytes and one fingerprint. Any other
// location is left as it is (ok false).
func (s *Source) Resolve(ctx context.Context, loc string) (locs []string, ok bool, err error) {
	if isURL(loc) {
		switch {
		case strings.HasSuffix(loc, "/"+ArchiveLatest):
		case strings.HasSuffix(loc, "/"):
			loc += ArchiveLatest
		default:
			return nil, false, nil
		}
		name, err := s.readPointerURL(ctx, loc)
		if err != nil {
			return nil, true, err
		}
		return []string{strings.TrimSuffix(loc, ArchiveLatest) + name}, true, nil
	}
	pointer := loc
	if st, err := os.Stat(loc); err == nil && st.IsDir() {
		pointer = filepath.Join(loc, ArchiveLatest)
		if _, err := os.Stat(pointer); err != nil {
			return nil, false, nil // a directory of documents, not a mirror of the feed
		}
	} else if filepath.Base(loc) != ArchiveLatest {
		return nil, false, nil
	}
	f, err := os.Open(pointer)
	if err != nil {
		return nil, true, err
	}
	defer f.Close()
	name, err := readPointer(f)
	if err != nil {
		return nil, true, fmt.Errorf("%s: %w", pointer, err)
	}
	archive := filepath.Join(filepath.Dir(pointer), name)
	if _, err := os.Stat(archive); err != nil {
		return nil, true, fmt.Errorf("%s names %s: %w", pointer, name, err)
	}
	return []string{archive}, true, nil
}

func (s *Source) readPointerURL(ctx context.Context, loc string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, loc, nil)
	if err != nil {
		return "", err
	}
	c := s.Client
	if c == nil {
		c = &http.Client{Timeout: time.Minute}
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s: %s", loc, resp.Status)
	}
	name, err := readPointer(resp.Body)
	if err != nil {
		return "", fmt.Errorf("%s: %w", loc, err)
	}
	return name, nil
}

// readPointer reads archive_latest.txt: the archive's file name.
func readPointer(r io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxPointer+1))
	if err != nil {
		return "", err
	}
	if len(b) > maxPointer {
		return "", errors.New("archive pointer too long")
	}
	name := strings.TrimSpace(string(b))
	if !reArchiveName.MatchString(name) {
		return "", fmt.Errorf("archive pointer names %q, want csaf_vex_YYYY-MM-DD.tar.zst", clip([]byte(name)))
	}
	return name, nil
}

func isURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
