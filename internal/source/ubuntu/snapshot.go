package ubuntu

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source"
)

// trackerDirs are the tracker's folders of CVE files, all read: active/
// (still being worked on), retired/ (complete: every release decided, the
// fixed versions still hold) and ignored/ (not for Ubuntu, or not to be
// fixed; their status lines still say so per release).
var trackerDirs = []string{"active", "retired", "ignored"}

// trackerMember tells whether a path in a snapshot is a CVE file: a name
// starting "CVE-" directly in a folder named active, retired or ignored,
// at any depth (the 2020 tarball has active/CVE-..., a snapshot of the git
// repository ubuntu-cve-tracker-master/active/CVE-...).
func trackerMember(name string) bool {
	name = strings.TrimPrefix(path.Clean("/"+strings.ReplaceAll(name, "\\", "/")), "/")
	dir, base := path.Split(name)
	if !strings.HasPrefix(base, "CVE-") {
		return false
	}
	parent := path.Base(strings.TrimSuffix(dir, "/"))
	for _, d := range trackerDirs {
		if parent == d {
			return true
		}
	}
	return false
}

// ParseTar reads a tar stream of the tracker (decompressed: the source
// framework undoes gzip) and emits the records of every CVE file in
// active/, retired/ and ignored/, one file in memory at a time, and of
// every OSV record (a member named *.json, at most 4 MiB: a tarball of
// Ubuntu's OSV export, ParseOSV). Other members (00boilerplate*, Makefile,
// scripts, symbolic links) are passed over. A tarball without any CVE
// file or OSV record is an error.
func ParseTar(ctx context.Context, r io.Reader, emit func(model.Advisory) error) (Stats, error) {
	return ParseTarBinaries(ctx, r, emit, nil)
}

// ParseTarBinaries is ParseTar that also hands the binaries of the OSV
// records to bin, as ParseOSVBinaries does for records given alone (the
// same reader: a tarball of Ubuntu's OSV export maps binaries to sources
// as its files one by one do); bin nil reads no binaries.
func ParseTarBinaries(ctx context.Context, r io.Reader, emit func(model.Advisory) error, bin func(group string, b source.Binary) error) (Stats, error) {
	var st Stats
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return st, fmt.Errorf("tar: %w", err)
		}
		if h.Typeflag == tar.TypeReg && strings.HasSuffix(strings.ToLower(h.Name), ".json") {
			// An OSV record (a tarball of Ubuntu's OSV export).
			ost, err := ParseOSVBinaries(ctx, io.LimitReader(tr, maxFile), clip(h.Name, 100), emit, bin)
			st.OSVFiles++
			st.Records += ost.Records
			for k, n := range ost.Skipped {
				for range n {
					st.skip(k)
				}
			}
			if err != nil {
				return st, err
			}
			continue
		}
		if h.Typeflag != tar.TypeReg || !trackerMember(h.Name) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return st, err
		}
		if h.Size > maxFile {
			return st, fmt.Errorf("%s: CVE file larger than %d bytes", clip(h.Name, 100), maxFile)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return st, fmt.Errorf("%s: %w", clip(h.Name, 100), err)
		}
		if err := parseCVEBytes(data, &st, emit); err != nil {
			return st, err
		}
	}
	if st.Files == 0 && st.OSVFiles == 0 {
		return st, fmt.Errorf("no tracker CVE file (active/, retired/ or ignored/CVE-*) nor OSV record (*.json) in the tar archive")
	}
	return st, nil
}

// ParseDir reads a tracker checkout or unpacked snapshot: the CVE files of
// fsys's active/, retired/ and ignored/ folders (any that exist), or, when
// it has none of them, its own CVE-* files (one of those folders given
// directly). Files are read in name order, one at a time.
func ParseDir(ctx context.Context, fsys fs.FS, emit func(model.Advisory) error) (Stats, error) {
	var st Stats
	var dirs []string
	for _, d := range trackerDirs {
		if fi, err := fs.Stat(fsys, d); err == nil && fi.IsDir() {
			dirs = append(dirs, d)
		}
	}
	if len(dirs) == 0 {
		dirs = []string{"."}
	}
	for _, d := range dirs {
		ents, err := fs.ReadDir(fsys, d)
		if err != nil {
			return st, err
		}
		for _, e := range ents {
			if !e.Type().IsRegular() || !strings.HasPrefix(e.Name(), "CVE-") {
				continue
			}
			if err := ctx.Err(); err != nil {
				return st, err
			}
			if err := parseFSFile(fsys, path.Join(d, e.Name()), &st, emit); err != nil {
				return st, err
			}
		}
	}
	if st.Files == 0 {
		return st, fmt.Errorf("no tracker CVE file (active/, retired/ or ignored/CVE-*) in the directory")
	}
	return st, nil
}

func parseFSFile(fsys fs.FS, name string, st *Stats, emit func(model.Advisory) error) error {
	fh, err := fsys.Open(name)
	if err != nil {
		return err
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, maxFile+1))
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if len(data) > maxFile {
		return fmt.Errorf("%s: CVE file larger than %d bytes", name, maxFile)
	}
	return parseCVEBytes(data, st, emit)
}
