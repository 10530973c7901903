package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io/fs"
	"os"
	"path"
	"sort"
	"time"
)

// entry is one file of an archive or package, its contents in memory.
type entry struct {
	name string // path inside the archive, no leading /
	mode fs.FileMode
	data []byte
}

// writeTarGz writes entries under top/ as a gzip-compressed tar whose
// bytes depend only on the entries and mtime: sorted names, directories
// made explicit, owner root, no gzip name or time.
func writeTarGz(file, top string, entries []entry, mtime time.Time) error {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(zw)
	sorted := append([]entry(nil), entries...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].name < sorted[j].name })
	dirs := map[string]bool{}
	hdr := func(name string, typ byte, mode int64, size int64) *tar.Header {
		return &tar.Header{
			Typeflag: typ, Name: name, Mode: mode, Size: size,
			ModTime: mtime, Uname: "root", Gname: "root",
		}
	}
	var addDir func(d string) error
	addDir = func(d string) error {
		if d == "." || dirs[d] {
			return nil
		}
		if err := addDir(path.Dir(d)); err != nil {
			return err
		}
		dirs[d] = true
		return tw.WriteHeader(hdr(d+"/", tar.TypeDir, 0o755, 0))
	}
	for _, e := range sorted {
		name := path.Join(top, e.name)
		if err := addDir(path.Dir(name)); err != nil {
			return err
		}
		if err := tw.WriteHeader(hdr(name, tar.TypeReg, int64(e.mode.Perm()), int64(len(e.data)))); err != nil {
			return err
		}
		if _, err := tw.Write(e.data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(file, buf.Bytes(), 0o644)
}

// gzipBytes compresses b without a name or time in the header (man pages).
func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}
