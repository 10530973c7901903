// Package jsontok holds what the streaming JSON readers share (the Debian
// tracker export, the Alpine secdb JSON, GLPI agent inventories): a reader
// that bounds the bytes one JSON value may take, and skipping one value
// token by token.
package jsontok

import (
	"encoding/json"
	"errors"
	"io"
)

// ErrValueTooLarge is BoundedReader's error once a value exceeds its bound.
var ErrValueTooLarge = errors.New("JSON value too large")

// ReadChunk is the most BoundedReader reads at once.
const ReadChunk = 32 << 10

// BoundedReader feeds a json.Decoder in small reads and fails with
// ErrValueTooLarge once the decoder holds more than Max bytes beyond the
// last token or value it returned (Mark, set by the caller from
// Decoder.InputOffset), so one huge string cannot take the memory. The
// decoder reads once per refill, so at most one 32 KiB chunk is read ahead
// of the value it is working on.
type BoundedReader struct {
	R    io.Reader
	Max  int64
	Mark int64
	read int64
}

func (b *BoundedReader) Read(p []byte) (int, error) {
	if b.read-b.Mark > b.Max {
		return 0, ErrValueTooLarge
	}
	if len(p) > ReadChunk {
		p = p[:ReadChunk]
	}
	n, err := b.R.Read(p)
	b.read += int64(n)
	return n, err
}

// Skip reads past one value of any kind with next (a Decoder's Token, or
// a reader's wrapper of it), without keeping it.
func Skip(next func() (json.Token, error)) error {
	depth := 0
	for {
		t, err := next()
		if err != nil {
			return err
		}
		if d, ok := t.(json.Delim); ok {
			switch d {
			case '{', '[':
				depth++
			default:
				depth--
			}
		}
		if depth == 0 {
			return nil
		}
	}
}
