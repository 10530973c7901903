package intake

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/pakiti-go/pakiti/internal/store"
)

// Asynchronous intake (pakiti serve --intake async). /feed/ reads,
// decrypts, decodes and validates a report as the synchronous path does,
// so every 4xx is decided before the answer; then, instead of storing
// it, it enqueues the report as received (after decryption) with its
// query string, Content-Type, User-Agent, address and receive time, and
// answers OK once the queue row is committed. Workers (Work, a few per
// server, on every server of the database) claim rows, run the pipeline
// again from the stored bytes and store and evaluate exactly as the
// synchronous path does; the store deletes the row in the transaction
// that stores the report (store.Incoming.QueueID), so a report is stored
// once, and is never lost between the queue and the store.
//
// Modes: report-only is answered synchronously and never stored, as in
// synchronous intake. store-and-report is enqueued like store-only and
// answered with the findings of the report's packages evaluated without
// storing them (as report-only answers): the host's stored findings would
// be those of its previous report while this one waits in the queue.

// Queue is the durable intake queue; *store.Store is one.
type Queue interface {
	Enqueue(ctx context.Context, q store.QueuedReport) (int64, error)
	ClaimQueued(ctx context.Context, holder string, n int, now time.Time, ttl time.Duration) ([]store.QueuedReport, error)
	RetryQueued(ctx context.Context, id int64, retryAt time.Time, errText string) error
	DropQueued(ctx context.Context, id int64) error
	Queue(ctx context.Context) (store.QueueDepth, error)
}

// Timing of the workers.
const (
	// QueueClaimTTL is how long a worker's claim on a queued report
	// lasts: a report claimed by a worker that died is stored by another
	// after it.
	QueueClaimTTL = 30 * time.Second
	// queuePoll is how often an idle worker looks for reports enqueued
	// by other servers (its own server's wake it at once).
	queuePoll = 500 * time.Millisecond
	// queueMaxBackoff bounds the wait before a failed report is tried again.
	queueMaxBackoff = 5 * time.Minute
)

// enqueue ends the pipeline of an asynchronous report: decoded in full and
// validated, it is enqueued and answered once durable.
func (h *Handler) enqueue(ctx context.Context, r *http.Request, req *request) error {
	if err := h.decode(ctx, req); err != nil || req.rep == nil {
		return err // a GLPI contact message is answered, not stored
	}
	if err := h.validate(req); err != nil {
		return err
	}
	if err := h.guardCheck(ctx, req); err != nil {
		return err
	}
	_, err := h.Queue.Enqueue(ctx, store.QueuedReport{
		Hostname: req.in.Host.Hostname, ReceivedAt: req.in.ReceivedAt, Addr: req.addr,
		Params: r.URL.RawQuery, ContentType: r.Header.Get("Content-Type"), UserAgent: r.UserAgent(),
		Body: req.body,
	})
	if err != nil {
		return err
	}
	req.enqueued = true
	if h.wake != nil {
		select {
		case h.wake <- struct{}{}:
		default:
		}
	}
	return nil
}

// Work runs n workers that store queued reports until ctx ends; holder
// names this server in claims. It returns when every worker stopped.
func (h *Handler) Work(ctx context.Context, holder string, n int) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { h.work(ctx, fmt.Sprintf("%s/%d", holder, i)) })
	}
	wg.Wait()
}

// EnableQueue makes h asynchronous on q.
func (h *Handler) EnableQueue(q Queue) {
	h.Queue, h.wake = q, make(chan struct{}, 1)
}

func (h *Handler) work(ctx context.Context, holder string) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.wake:
		case <-t.C:
		}
		for ctx.Err() == nil {
			qs, err := h.Queue.ClaimQueued(ctx, holder, 1, time.Now(), QueueClaimTTL)
			if err != nil {
				if ctx.Err() == nil {
					h.Log.Error("queue claim failed", "worker", holder, "error", err)
				}
				break
			}
			if len(qs) == 0 {
				break
			}
			for _, q := range qs {
				h.storeQueued(ctx, q)
			}
		}
		t.Reset(queuePoll)
	}
}

// storeQueued stores one claimed report: the pipeline from detect on, as
// /feed/ ran it, then store and evaluate. A report that fails is tried
// again later; one that can never be stored (it was validated before, so
// only a changed server could refuse it) is dropped with an error logged.
func (h *Handler) storeQueued(ctx context.Context, q store.QueuedReport) {
	start := time.Now()
	req, err := h.processQueued(ctx, q)
	var ce *clientError
	switch {
	case err == nil:
		h.Log.Info("report stored from queue", "host", req.in.Host.Hostname, "queue_id", q.ID,
			"change", req.saved.Change.String(), "waited", start.Sub(q.ReceivedAt).Round(time.Millisecond),
			"duration", time.Since(start))
	case errors.Is(err, store.ErrQueueGone):
		h.Log.Info("queued report stored by another worker", "host", q.Hostname, "queue_id", q.ID)
	case errors.As(err, &ce):
		h.Log.Error("queued report dropped: refused when stored", "host", q.Hostname, "queue_id", q.ID,
			"received", q.ReceivedAt, "error", ce.msg)
		if err := h.Queue.DropQueued(context.WithoutCancel(ctx), q.ID); err != nil && !errors.Is(err, store.ErrQueueGone) {
			h.Log.Error("queued report drop failed", "queue_id", q.ID, "error", err)
		}
	default:
		// Shutting down: give the row back at once, for the next start.
		retry := time.Now()
		if ctx.Err() == nil {
			retry = retry.Add(min(time.Second<<min(q.Attempts, 16), queueMaxBackoff))
			h.Log.Error("queued report failed", "host", q.Hostname, "queue_id", q.ID, "attempts", q.Attempts,
				"retry", retry.Format(time.RFC3339), "error", err)
		}
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := h.Queue.RetryQueued(rctx, q.ID, retry, err.Error()); err != nil {
			h.Log.Error("queued report release failed", "queue_id", q.ID, "error", err)
		}
	}
}

func (h *Handler) processQueued(ctx context.Context, q store.QueuedReport) (*request, error) {
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, "/feed/?"+q.Params, http.NoBody)
	if err != nil {
		return nil, badRequest("queued report: %v", err)
	}
	r.Header.Set("Content-Type", q.ContentType)
	r.Header.Set("User-Agent", q.UserAgent)
	req := &request{addr: q.Addr, body: q.Body, queued: &q,
		raw: store.RawReport{Params: q.Params, ContentType: q.ContentType, UserAgent: q.UserAgent}}
	if err := h.params(r.URL.Query(), req); err != nil {
		return req, err
	}
	if err := h.detect(r, req); err != nil {
		return req, err
	}
	if req.legacy == nil && !req.proxied {
		if err := h.known(ctx, req); err != nil {
			return req, err
		}
	}
	if req.knownSet == nil {
		if err := h.decode(ctx, req); err != nil {
			return req, err
		}
		if req.rep == nil {
			return req, badRequest("queued report holds no report")
		}
	}
	if err := h.validate(req); err != nil {
		return req, err
	}
	req.in.QueueID = q.ID
	if err := h.store(ctx, req); err != nil {
		return req, err
	}
	return req, h.evaluate(ctx, req)
}

// LogQueue logs the depth of the queue every period while reports wait,
// until ctx ends.
func (h *Handler) LogQueue(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		d, err := h.Queue.Queue(ctx)
		switch {
		case err != nil:
			if ctx.Err() == nil {
				h.Log.Warn("queue depth failed", "error", err)
			}
		case d.Reports > 0:
			h.Log.Info("intake queue", "reports", d.Reports, "oldest_age", time.Since(d.Oldest).Round(time.Second))
		}
	}
}
