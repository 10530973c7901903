package intake

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// Admission defaults: what one server gives the intake as a whole.
const (
	// DefaultMaxInFlight reports are read and processed at once; more
	// wait DefaultAdmitWait, then get a 503 with Retry-After.
	DefaultMaxInFlight = 64
	// DefaultMemoryBudget bytes of report bodies (and their parse copies)
	// are held at once by all reports in flight together.
	DefaultMemoryBudget = 256 << 20
	// DefaultAdmitWait is how long a report waits for a slot or for
	// memory before it is refused: short, so that a client never hangs.
	DefaultAdmitWait = 2 * time.Second
	// DefaultRetryAfter is what the 503 tells the client to wait.
	DefaultRetryAfter = 30 * time.Second
	// firstBuffer is the most a body buffer starts with, whatever the
	// declared Content-Length: it grows as bytes actually arrive.
	firstBuffer = 64 << 10
)

// Admission bounds the intake as a whole: how many reports are in flight
// at once, and how many bytes of body all of them hold together. A report
// that cannot get a slot or memory within Wait is refused with a 503 and a
// Retry-After, never kept waiting for ever. It is safe for concurrent use.
type Admission struct {
	wait       time.Duration
	retryAfter time.Duration
	slots      chan struct{}
	budget     int64

	mu      sync.Mutex
	free    int64         // bytes of the budget not reserved
	changed chan struct{} // closed (and replaced) when bytes are given back
}

// NewAdmission returns an Admission of maxInFlight slots sharing budget
// bytes; a report waits at most wait for either.
func NewAdmission(maxInFlight int, budget int64, wait time.Duration) *Admission {
	return &Admission{
		wait: wait, retryAfter: DefaultRetryAfter,
		slots:  make(chan struct{}, max(maxInFlight, 1)),
		budget: budget, free: budget, changed: make(chan struct{}),
	}
}

// InUse returns the reports in flight and the bytes they hold.
func (a *Admission) InUse() (reports int, bytes int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.slots), a.budget - a.free
}

// busyError is a full intake, answered 503 with Retry-After.
func (a *Admission) busyError(what string) error {
	return &clientError{status: http.StatusServiceUnavailable, retryAfter: a.retryAfter,
		msg: fmt.Sprintf("the server is busy (%s); try again in %d seconds", what, int(a.retryAfter.Seconds()))}
}

// lease is what one report holds: its slot and the bytes it reserved.
type lease struct {
	a     *Admission
	bytes int64
	slot  bool
}

// admit takes a slot for one report, waiting at most a.wait. The lease
// must be released. A nil Admission admits everything.
func (a *Admission) admit(ctx context.Context) (*lease, error) {
	if a == nil {
		return &lease{}, nil
	}
	select {
	case a.slots <- struct{}{}:
		return &lease{a: a, slot: true}, nil
	default:
	}
	t := time.NewTimer(a.wait)
	defer t.Stop()
	select {
	case a.slots <- struct{}{}:
		return &lease{a: a, slot: true}, nil
	case <-t.C:
		return nil, a.busyError(fmt.Sprintf("%d reports in progress", cap(a.slots)))
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// reserve takes n more bytes of the budget for this report, waiting at
// most the admission's wait for other reports to give some back.
func (l *lease) reserve(ctx context.Context, n int64) error {
	if l == nil {
		return nil
	}
	a := l.a
	if a == nil || n <= 0 {
		return nil
	}
	if n > a.budget {
		return a.busyError("the report needs more memory than the intake has")
	}
	var t *time.Timer
	for {
		a.mu.Lock()
		if a.free >= n {
			a.free -= n
			a.mu.Unlock()
			l.bytes += n
			return nil
		}
		changed := a.changed
		a.mu.Unlock()
		if t == nil {
			t = time.NewTimer(a.wait)
			defer t.Stop()
		}
		select {
		case <-changed:
		case <-t.C:
			return a.busyError("memory for reports in progress is used up")
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// release gives back the slot and every byte reserved.
func (l *lease) release() {
	a := l.a
	if a == nil {
		return
	}
	if l.bytes > 0 {
		a.mu.Lock()
		a.free += l.bytes
		close(a.changed)
		a.changed = make(chan struct{})
		a.mu.Unlock()
		l.bytes = 0
	}
	if l.slot {
		<-a.slots
		l.slot = false
	}
}

// readBody reads r into a buffer that grows as bytes arrive, reserving
// each growth from the lease first: a client that declares a large
// Content-Length and sends little costs little. declared is the
// Content-Length (-1: unknown); limit is the largest buffer needed
// (the size limit plus one byte, so that too large a body is noticed).
func readBody(ctx context.Context, r io.Reader, declared, limit int64, l *lease) ([]byte, error) {
	want := limit
	if declared >= 0 {
		want = min(limit, declared+1) // +1: room to read the EOF
	}
	size := min(want, firstBuffer)
	if err := l.reserve(ctx, size); err != nil {
		return nil, err
	}
	buf := make([]byte, 0, size)
	for {
		if len(buf) == cap(buf) {
			c := int64(cap(buf))
			if c >= limit {
				return buf, errTooLarge
			}
			target := want
			if c >= want { // longer than declared: only outside net/http
				target = limit
			}
			next := min(max(2*c, firstBuffer), target)
			if err := l.reserve(ctx, next-c); err != nil {
				return nil, err
			}
			nb := make([]byte, len(buf), next)
			copy(nb, buf)
			buf = nb
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// errTooLarge is a body longer than the limit given to readBody.
var errTooLarge = errors.New("report body too large")
