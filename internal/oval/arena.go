package oval

import (
	"encoding/binary"
	"errors"
	"hash/fnv"
	"io"
	"os"
)

// arena keeps tests and states in a compact, pointer-free form: encoded
// into 1 MiB byte chunks and found through a map from a 64-bit hash of
// their id to their place. The garbage collector never scans it. Past
// memLimit bytes, full chunks move to a temporary file and are read back
// with ReadAt, so a full RHEL OVAL v2 file (several hundred thousand
// tests) costs the map and the page cache, not the heap. Records are
// decoded on demand; the id is stored too, so a hash collision is detected
// (the colliding record is then found through a side map).
type arena struct {
	chunks   [][]byte          // nil once spilled
	fileOff  []int64           // file offset of each spilled chunk
	byHash   map[uint64]uint64 // hash(id) -> chunk<<32 | offset
	side     map[string]uint64 // ids whose hash collided
	n        int
	dir      string
	memLimit int
	inMem    int
	file     *os.File
	fileEnd  int64
	buf      []byte
	err      error
}

// chunkSize is a variable for tests, which make it small to exercise spilling.
var chunkSize = 1 << 20

func newArena(dir string, memLimit int) *arena {
	return &arena{byHash: map[uint64]uint64{}, dir: dir, memLimit: memLimit}
}

// spill moves the full chunks held in memory to the temporary file.
func (a *arena) spill() {
	if a.err != nil {
		return
	}
	if a.file == nil {
		if a.file, a.err = os.CreateTemp(a.dir, "pakiti-oval-*.arena"); a.err != nil {
			return
		}
	}
	for c := 0; c < len(a.chunks)-1; c++ {
		if a.chunks[c] == nil {
			continue
		}
		if _, a.err = a.file.WriteAt(a.chunks[c], a.fileEnd); a.err != nil {
			return
		}
		a.fileOff[c] = a.fileEnd
		a.fileEnd += int64(len(a.chunks[c]))
		a.inMem -= cap(a.chunks[c])
		a.chunks[c] = nil
	}
}

func (a *arena) close() {
	if a.file != nil {
		a.file.Close()
		os.Remove(a.file.Name())
	}
}

func hashID(id string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(id))
	return h.Sum64()
}

// put stores an encoded record (which starts with its id) under id; a
// second record of the same id replaces the first.
func (a *arena) put(id string, rec []byte) {
	rec = append(binary.AppendUvarint(nil, uint64(len(rec))), rec...)
	if len(a.chunks) == 0 || len(a.chunks[len(a.chunks)-1])+len(rec) > cap(a.chunks[len(a.chunks)-1]) {
		if a.memLimit > 0 && a.inMem >= a.memLimit {
			a.spill()
		}
		size := max(chunkSize, len(rec))
		a.chunks = append(a.chunks, make([]byte, 0, size))
		a.fileOff = append(a.fileOff, -1)
		a.inMem += size
	}
	c := len(a.chunks) - 1
	loc := uint64(c)<<32 | uint64(len(a.chunks[c]))
	a.chunks[c] = append(a.chunks[c], rec...)
	h := hashID(id)
	if old, ok := a.byHash[h]; ok {
		if oid, _ := a.read(old); oid != id {
			if a.side == nil {
				a.side = map[string]uint64{}
			}
			if _, dup := a.side[id]; !dup {
				a.n++
			}
			a.side[id] = loc
			return
		}
	} else {
		a.n++
	}
	a.byHash[h] = loc
}

// get returns the record of id, without its id.
func (a *arena) get(id string) (*decoder, bool) {
	if loc, ok := a.side[id]; ok {
		_, d := a.read(loc)
		return d, true
	}
	loc, ok := a.byHash[hashID(id)]
	if !ok {
		return nil, false
	}
	rid, d := a.read(loc)
	if rid != id {
		return nil, false
	}
	return d, true
}

// read returns the id and a decoder over the rest of the record at loc; a
// record that cannot be read back from the file reads as empty.
func (a *arena) read(loc uint64) (string, *decoder) {
	c, off := loc>>32, int64(uint32(loc))
	var b []byte
	if a.chunks[c] != nil {
		b = a.chunks[c][off:]
	} else {
		if len(a.buf) < 4096 {
			a.buf = make([]byte, 4096)
		}
		n, err := a.file.ReadAt(a.buf[:4096], a.fileOff[c]+off)
		if err != nil && err != io.EOF {
			a.err = err
			return "", &decoder{}
		}
		b = a.buf[:n]
		size, k := binary.Uvarint(b)
		if need := k + int(size); k > 0 && need > len(b) {
			b = make([]byte, need)
			if _, err := a.file.ReadAt(b, a.fileOff[c]+off); err != nil {
				a.err = err
				return "", &decoder{}
			}
		}
	}
	size, k := binary.Uvarint(b)
	if k <= 0 || size > uint64(len(b)-k) {
		a.err = errCorrupt
		return "", &decoder{}
	}
	d := &decoder{b: b[k : k+int(size)]}
	return d.str(), d
}

var errCorrupt = errors.New("record unreadable")

// encoder appends uvarint-prefixed strings and numbers.
type encoder struct{ b []byte }

func (e *encoder) str(s string) {
	e.b = binary.AppendUvarint(e.b, uint64(len(s)))
	e.b = append(e.b, s...)
}

func (e *encoder) num(n int) { e.b = binary.AppendUvarint(e.b, uint64(n)) }

type decoder struct{ b []byte }

// num and str read what encoder wrote; on short input they return zero
// values (a corrupt temporary file is reported through arena.err).
func (d *decoder) num() int {
	v, k := binary.Uvarint(d.b)
	if k <= 0 || v > uint64(len(d.b)) {
		d.b = nil
		return 0
	}
	d.b = d.b[k:]
	return int(v)
}

func (d *decoder) str() string {
	n := d.num()
	if n > len(d.b) {
		d.b = nil
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func encodeTest(t *Test) []byte {
	var e encoder
	e.str(t.ID)
	for _, s := range []string{t.Type, t.Comment, t.Check, t.CheckExistence, t.StateOperator, t.ObjectRef} {
		e.str(s)
	}
	e.num(len(t.StateRefs))
	for _, s := range t.StateRefs {
		e.str(s)
	}
	return e.b
}

func decodeTest(id string, d *decoder) *Test {
	t := &Test{ID: id, Type: intern(d.str()), Comment: d.str(), Check: intern(d.str()), CheckExistence: intern(d.str()),
		StateOperator: intern(d.str()), ObjectRef: d.str()}
	if n := d.num(); n > 0 {
		t.StateRefs = make([]string, n)
		for i := range t.StateRefs {
			t.StateRefs[i] = d.str()
		}
	}
	return t
}

func encodeState(s *State) []byte {
	var e encoder
	e.str(s.ID)
	e.str(s.Type)
	e.str(s.Operator)
	encodeFields(&e, s.Fields)
	return e.b
}

func decodeState(id string, d *decoder) *State {
	return &State{ID: id, Type: intern(d.str()), Operator: intern(d.str()), Fields: decodeFields(d)}
}

func encodeFields(e *encoder, fs []Field) {
	e.num(len(fs))
	for _, f := range fs {
		e.str(f.Name)
		e.str(f.Operation)
		e.str(f.Datatype)
		e.str(f.Value)
		e.str(f.VarRef)
		e.num(len(f.Attrs))
		for k, v := range f.Attrs {
			e.str(k)
			e.str(v)
		}
	}
}

func decodeFields(d *decoder) []Field {
	n := d.num()
	if n == 0 {
		return nil
	}
	fs := make([]Field, n)
	for i := range fs {
		f := &fs[i]
		f.Name, f.Operation, f.Datatype = intern(d.str()), intern(d.str()), intern(d.str())
		f.Value, f.VarRef = d.str(), d.str()
		if k := d.num(); k > 0 {
			f.Attrs = make(map[string]string, k)
			for j := 0; j < k; j++ {
				key := d.str()
				f.Attrs[key] = d.str()
			}
		}
	}
	return fs
}
