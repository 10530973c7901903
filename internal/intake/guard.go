package intake

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/report"
)

// Guard protects /feed/ (auth.FeedGuard is one): Admit runs before the
// body is read (rate limit, report token, client certificate), Check once
// the report's site and host name are known, before anything is stored.
// Their errors are Refusals (errors with a Status) and answered as a 4xx
// "ERROR:" line; other errors are the server's (500).
type Guard interface {
	// Admit returns what the request's credentials prove (nil for a
	// request without any, where they are optional).
	Admit(r *http.Request, addr string) (Claim, error)
	// Check decides whether a report of host, from addr, sent with claim,
	// may be stored (stores) or evaluated.
	Check(ctx context.Context, claim Claim, host model.Host, addr string, stores bool) error
}

// Claim is what a request's credentials (a site's report token, a client
// certificate registered for sites) prove: the Guard that made it reads it
// back in Check; the pipeline only carries it. Its Sites are the sites
// the sender may report for. (An alias of a type literal, so that a
// Guard's package need not import this one: auth.Claim is the same type.)
type Claim = interface{ Sites() []string }

// Refusal is an error of a Guard that refuses a report: answered with
// Status and "ERROR: " and its text; RetryAfter, when above 0, is sent
// as Retry-After.
type Refusal interface {
	error
	Status() int
	RetryAfter() time.Duration
}

// refused turns a Guard's Refusal into the pipeline's client error.
func refused(err error) error {
	var r Refusal
	if errors.As(err, &r) {
		return &clientError{status: r.Status(), msg: r.Error(), retryAfter: r.RetryAfter()}
	}
	return err
}

// guardCheck runs the Guard's Check on a validated report.
func (h *Handler) guardCheck(ctx context.Context, req *request) error {
	if h.Guard == nil || req.queued != nil { // a queued report was checked when it came
		return nil
	}
	if req.checked == req.in.Host.Site+"\x00"+req.in.Host.Hostname {
		return nil // guardTouch checked this site and host name
	}
	return refused(h.Guard.Check(ctx, req.claim, req.in.Host, req.addr, req.mode != ReportOnly))
}

// guardTouch checks a report before the unchanged fast path refreshes its
// host: it parses the header only. ok false: the header did not parse,
// the fast path is skipped and the full path says what is wrong.
func (h *Handler) guardTouch(ctx context.Context, req *request) (ok bool, err error) {
	if h.Guard == nil {
		return true, nil
	}
	head, _, found := report.SplitPackages(req.body)
	if !found {
		return false, nil
	}
	rep, err := report.Parse(head, req.protocol, h.Limits)
	if err != nil {
		return false, nil
	}
	host := model.Host{Hostname: rep.Header.Hostname(), Site: rep.Header.Site}
	if host.Site == "" {
		host.Site = model.DefaultSite
	}
	if err := h.Guard.Check(ctx, req.claim, host, req.addr, true); err != nil {
		return true, refused(err)
	}
	req.checked = host.Site + "\x00" + host.Hostname
	return true, nil
}
