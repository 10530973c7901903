package debian

import (
	"bufio"
	"context"
	"errors"
	"io"
	"strings"
)

// lines reads a text list line by line for the list parsers: trailing
// blanks trimmed, the context checked every 4,096 lines, lines longer than
// maxLine an error.
type lines struct {
	ctx context.Context
	sc  *bufio.Scanner
	n   int // number of the line last returned
	err error
}

func newLines(ctx context.Context, r io.Reader) *lines {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	return &lines{ctx: ctx, sc: sc}
}

// next returns the next line, or false at the end or on an error (err).
func (l *lines) next() (string, bool) {
	if !l.sc.Scan() {
		return "", false
	}
	l.n++
	if l.n%4096 == 0 {
		if l.err = l.ctx.Err(); l.err != nil {
			return "", false
		}
	}
	return strings.TrimRight(l.sc.Text(), " \t\r"), true
}

// tooLong tells whether reading stopped at an over-long line.
func (l *lines) tooLong() bool { return errors.Is(l.sc.Err(), bufio.ErrTooLong) }
