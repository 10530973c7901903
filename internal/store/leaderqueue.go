package store

import "sync"

// leaderQueue is the queue of a batcher whose callers never wait for
// company (touchbatch.go, savebatch.go): the first caller in, finding no
// batch running, leads and runs at once with whatever is queued; the
// calls that arrive meanwhile queue and form the next batch, run by the
// leader's successor goroutine until the queue is empty.
type leaderQueue[R any] struct {
	mu    sync.Mutex
	queue []R
	busy  bool // a leader is running batches
}

// join queues r and tells whether the caller leads (no batch running).
func (q *leaderQueue[R]) join(r R) (lead bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.queue = append(q.queue, r)
	lead = !q.busy
	q.busy = true
	return lead
}

// take removes the oldest n queued requests (fewer if fewer wait).
func (q *leaderQueue[R]) take(n int) []R {
	q.mu.Lock()
	defer q.mu.Unlock()
	n = min(len(q.queue), n)
	batch := q.queue[:n:n]
	q.queue = q.queue[n:]
	return batch
}

// more tells whether requests wait for another batch; when none do, the
// leader steps down and the next caller leads.
func (q *leaderQueue[R]) more() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.queue) > 0 {
		return true
	}
	q.busy = false
	q.queue = nil
	return false
}

// queued is how many requests wait (tests).
func (q *leaderQueue[R]) queued() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.queue)
}
