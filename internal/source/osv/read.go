package osv

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/pakiti-go/pakiti/internal/source"
)

// Read streams the OSV records of r to fn, whatever r holds: a tar archive
// (gzipped or not), a zip archive, one JSON record, JSON lines of records,
// or a JSON array of records. Archive members whose names do not end in
// ".json" are skipped and counted. A record of the wrong shape (a string
// where a list belongs) is skipped and counted; broken JSON is an error
// naming the file. An error from fn stops reading and is returned as is.
func Read(ctx context.Context, r io.Reader, name string, st *Stats, fn func(*Vuln) error) error {
	if st == nil {
		st = &Stats{}
	}
	return read(ctx, r, name, st, fn, 0)
}

func read(ctx context.Context, r io.Reader, name string, st *Stats, fn func(*Vuln) error, depth int) error {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(512)
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		if depth > 0 {
			return fmt.Errorf("%s: gzip inside gzip", name)
		}
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		defer zr.Close()
		return read(ctx, zr, strings.TrimSuffix(name, ".gz"), st, fn, depth+1)
	case bytes.HasPrefix(head, []byte("PK\x03\x04")) || bytes.HasPrefix(head, []byte("PK\x05\x06")):
		return readZipStream(ctx, br, name, st, fn)
	case isTar(head):
		return readTar(ctx, br, name, st, fn)
	}
	st.Files++
	return readJSON(ctx, br, name, st, fn)
}

// isTar tells a tar header by its ustar magic.
func isTar(head []byte) bool {
	return len(head) >= 263 && bytes.Equal(head[257:262], []byte("ustar"))
}

func isJSONName(n string) bool { return strings.HasSuffix(strings.ToLower(n), ".json") }

func readTar(ctx context.Context, r io.Reader, name string, st *Stats, fn func(*Vuln) error) error {
	tr := tar.NewReader(r)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		if !isJSONName(h.Name) {
			st.Skip(SkipNotJSON)
			continue
		}
		st.Files++
		if err := readJSON(ctx, tr, name+"!"+h.Name, st, fn); err != nil {
			return err
		}
	}
}

// readZipStream reads a zip from a stream through a temporary copy: a
// zip's directory is at its end. (ReadPath reads a zip file in place.)
func readZipStream(ctx context.Context, br *bufio.Reader, name string, st *Stats, fn func(*Vuln) error) error {
	tmp, err := os.CreateTemp("", "pakiti-osv-*.zip")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	n, err := io.Copy(tmp, br)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return readZip(ctx, tmp, n, name, st, fn)
}

func readZip(ctx context.Context, ra io.ReaderAt, size int64, name string, st *Stats, fn func(*Vuln) error) error {
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	for _, f := range zr.File {
		if err := ctx.Err(); err != nil {
			return err
		}
		if f.FileInfo().IsDir() {
			continue
		}
		if !isJSONName(f.Name) {
			st.Skip(SkipNotJSON)
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return fmt.Errorf("%s!%s: %w", name, f.Name, err)
		}
		st.Files++
		err = readJSON(ctx, rc, name+"!"+f.Name, st, fn)
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// errTooBig is returned when one record exceeds MaxRecordBytes.
var errTooBig = fmt.Errorf("an OSV record larger than %d bytes", MaxRecordBytes)

// readJSON reads one JSON document: a record, records one after the other
// (JSON lines), or an array of records.
func readJSON(ctx context.Context, r io.Reader, name string, st *Stats, fn func(*Vuln) error) error {
	br := bufio.NewReaderSize(r, 32<<10)
	// Skip a UTF-8 byte order mark and leading blanks to see the first byte.
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\ufeff")) {
		br.Discard(3)
	}
	first, err := firstByte(br)
	if err == io.EOF {
		return fmt.Errorf("%s: empty document", name)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	b := &source.Budget{R: br, Left: MaxRecordBytes, Err: errTooBig}
	dec := json.NewDecoder(b)
	one := func() error {
		b.Left = MaxRecordBytes
		var v Vuln
		err := dec.Decode(&v)
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &te):
			st.Skip(SkipBadRecord)
			return nil
		case err != nil:
			return err
		}
		st.Vulns++
		if st.Vulns%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		return fn(&v)
	}
	switch first {
	case '{':
		for {
			if err := one(); err == io.EOF {
				return nil
			} else if err != nil {
				return wrapJSON(name, err)
			}
		}
	case '[':
		if _, err := dec.Token(); err != nil {
			return wrapJSON(name, err)
		}
		for dec.More() {
			if err := one(); err != nil {
				return wrapJSON(name, err)
			}
		}
		if _, err := dec.Token(); err != nil {
			return wrapJSON(name, err)
		}
		if _, err := dec.Token(); err != io.EOF {
			return fmt.Errorf("%s: data after the array", name)
		}
		return nil
	}
	return fmt.Errorf("%s: not an OSV document (a JSON record or array, a tar or a zip of them): starts with %q", name, first)
}

// wrapJSON names the file in a decoding error, leaving fn's errors and
// context errors as they are.
func wrapJSON(name string, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) || errors.Is(err, errTooBig) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%s: %w", name, err)
	}
	return err
}

// firstByte returns the first byte that is not JSON white space, unread.
func firstByte(br *bufio.Reader) (byte, error) {
	for {
		c, err := br.ReadByte()
		if err != nil {
			return 0, err
		}
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c, br.UnreadByte()
	}
}

// ReadPath reads a file (any form Read takes) or every file of a directory
// tree whose name ends in .json, .json.gz, .zip, .tar, .tar.gz or .tgz, in
// lexical order.
func ReadPath(ctx context.Context, path string, st *Stats, fn func(*Vuln) error) error {
	if st == nil {
		st = &Stats{}
	}
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return readFile(ctx, path, st, fn)
	}
	return filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		n := strings.ToLower(d.Name())
		for _, ext := range []string{".json", ".json.gz", ".zip", ".tar", ".tar.gz", ".tgz"} {
			if strings.HasSuffix(n, ext) {
				return readFile(ctx, p, st, fn)
			}
		}
		return nil
	})
}

func readFile(ctx context.Context, path string, st *Stats, fn func(*Vuln) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	head := make([]byte, 4)
	n, _ := io.ReadFull(f, head)
	if bytes.HasPrefix(head[:n], []byte("PK")) {
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		return readZip(ctx, f, fi.Size(), path, st, fn)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	return read(ctx, f, path, st, fn, 0)
}
