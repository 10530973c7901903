package oval

import (
	"bufio"
	"bytes"
	"encoding/gob"
	"errors"
	"io"
	"os"
)

// spool keeps the definitions of a document in a compact gob stream, in
// memory up to a limit and then in a temporary file, until the document's
// tests, objects and states have been read.
type spool struct {
	dir   string
	limit int
	mem   bytes.Buffer
	file  *os.File
	bw    *bufio.Writer
	enc   *gob.Encoder
	n     int64
	count int
}

func newSpool(dir string, limit int) *spool {
	if limit <= 0 {
		limit = defaultMemSpool
	}
	s := &spool{dir: dir, limit: limit}
	s.enc = gob.NewEncoder(s)
	return s
}

// Write lets the gob encoder write to memory or, past the limit, to the
// temporary file.
func (s *spool) Write(p []byte) (int, error) {
	s.n += int64(len(p))
	if s.file == nil && s.mem.Len()+len(p) > s.limit {
		f, err := os.CreateTemp(s.dir, "pakiti-oval-*.spool")
		if err != nil {
			return 0, err
		}
		// close removes the file.
		s.file = f
		s.bw = bufio.NewWriterSize(f, 256<<10)
		if _, err := s.bw.Write(s.mem.Bytes()); err != nil {
			return 0, err
		}
		s.mem = bytes.Buffer{}
	}
	if s.file != nil {
		return s.bw.Write(p)
	}
	return s.mem.Write(p)
}

func (s *spool) put(d *Definition) error {
	s.count++
	return s.enc.Encode(d)
}

func (s *spool) size() int64 { return s.n }

// replay decodes the spooled definitions in order.
func (s *spool) replay(fn func(*Definition) error) error {
	var r io.Reader = &s.mem
	if s.file != nil {
		if err := s.bw.Flush(); err != nil {
			return err
		}
		if _, err := s.file.Seek(0, io.SeekStart); err != nil {
			return err
		}
		r = bufio.NewReaderSize(s.file, 256<<10)
	}
	dec := gob.NewDecoder(r)
	for i := 0; i < s.count; i++ {
		var d Definition
		if err := dec.Decode(&d); err != nil {
			if errors.Is(err, io.EOF) {
				return io.ErrUnexpectedEOF
			}
			return err
		}
		if err := fn(&d); err != nil {
			return err
		}
	}
	return nil
}

func (s *spool) close() {
	if s.file != nil {
		name := s.file.Name()
		s.file.Close()
		os.Remove(name)
	}
}
