// Package intake is the /feed/ endpoint: it reads a report (size-limited),
// decodes it, validates it, stores it and answers the client in the words
// of the Pakiti protocol. Each step is a method, so a decryption step or a
// queue can be put between them without touching the others.
package intake

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/osgroup"
	"github.com/pakiti-go/pakiti/internal/report"
	"github.com/pakiti-go/pakiti/internal/store"
)

// Mode is what the client asked the server to do with its report.
type Mode string

// The three modes of the protocol.
const (
	StoreOnly      Mode = "store-only"
	StoreAndReport Mode = "store-and-report"
	ReportOnly     Mode = "report-only"
)

// ParamCVEs is the query parameter that says which findings a
// store-and-report or report-only answer lists: CVEsTagged (the default:
// CVEs carrying an enabled CVE tag, as Pakiti 3 answered) or CVEsAll.
const (
	ParamCVEs  = "cves"
	CVEsTagged = "tagged"
	CVEsAll    = "all"
)

// Saver stores a validated report; *store.Store is one.
type Saver interface {
	SaveReport(ctx context.Context, in store.Incoming) (store.Saved, error)
	TouchUnchanged(ctx context.Context, hostname, rawHash, addr string, at time.Time) (store.Saved, bool, error)
	KnownSet(ctx context.Context, packagesHash string) (store.KnownSet, bool, error)
}

// findingsForgetter is a Saver that can make a host's next report be
// evaluated (*store.Store).
type findingsForgetter interface {
	ForgetFindingsKey(ctx context.Context, hostID int64) error
}

// Evaluator matches stored and unstored reports against vulnerability
// data; *match.Matcher is one.
type Evaluator interface {
	// AfterReport evaluates a stored host; pkgs are the packages of a new
	// protocol-6 package set (to learn binary -> source), or nil.
	AfterReport(ctx context.Context, hostname, osGroup string, pkgs []model.Package) error
	// ReportLines are a stored host's open findings as answer lines:
	// those of tagged CVEs, one line per tag (the Perl client's answer),
	// or with all every one (our client's cves=all).
	ReportLines(ctx context.Context, hostname string, all bool) ([]string, error)
	// CheckLines evaluates the packages of host h without storing them,
	// and answers as ReportLines.
	CheckLines(ctx context.Context, h model.Host, pkgs []model.Package, all bool) ([]string, error)
}

// StateEvaluator is an Evaluator that takes the host's matching state as
// the save committed it (store.Saved.State) instead of reading it again;
// *match.Matcher is one.
type StateEvaluator interface {
	AfterSave(ctx context.Context, h store.HostState, pkgs []model.Package) error
}

// Handler serves POST /feed/.
type Handler struct {
	Store  Saver
	Eval   Evaluator // nil: reports are stored, not evaluated
	Groups osgroup.Rules
	// Rules, when set, gives the OS group rules in force instead of
	// Groups, read per report: rules that change while the server runs
	// (*osrules.Service: rules in the database).
	Rules  RuleSource
	Limits report.Limits
	Now    func() time.Time // injected clock
	Log    *slog.Logger
	Keys   []ReportKey // decrypt S/MIME-encrypted reports (decrypt.go); none: refused
	// Admission bounds the reports in flight and the memory of their
	// bodies; nil admits everything (tests that build a Handler by hand).
	Admission *Admission
	// Queue, when set, makes intake asynchronous (queue.go): a validated
	// report is enqueued, answered once durable, and stored by Work.
	Queue Queue
	// Archive keeps every stored report as received, compressed, in the
	// database (store.RawReport; pakiti serve --archive-reports).
	Archive bool
	// Guard, when set, checks report tokens, client certificates, sites, networks, host claims
	// and the rate of reports (guard.go); nil accepts every report.
	Guard Guard
	// Observe, when set, is told each answered report's outcome
	// (stored, unchanged, queued, checked; refused or failed with a 4xx
	// or 5xx status), status and duration: the metrics.
	Observe func(outcome string, status int, d time.Duration)
	wake    chan struct{} // an enqueued report for this server's workers
}

// New returns a Handler with the default limits, the built-in OS group
// rules and the real clock.
func New(s Saver, eval Evaluator, log *slog.Logger) *Handler {
	return &Handler{Store: s, Eval: eval, Groups: osgroup.Builtin, Limits: report.DefaultLimits, Now: time.Now, Log: log,
		Admission: NewAdmission(DefaultMaxInFlight, DefaultMemoryBudget, DefaultAdmitWait)}
}

// RuleSource gives the OS group rules in force.
type RuleSource interface {
	Rules() osgroup.Rules
}

func (h *Handler) groups() osgroup.Rules {
	if h.Rules != nil {
		return h.Rules.Rules()
	}
	return h.Groups
}

// clientError is a problem with the request, answered with a 4xx.
type clientError struct {
	status     int
	msg        string
	retryAfter time.Duration // sent as Retry-After when set (503)
}

func (e *clientError) Error() string { return e.msg }

func badRequest(format string, a ...any) error {
	return &clientError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, a...)}
}

// request is what the pipeline knows about one report as it goes.
type request struct {
	protocol int
	mode     Mode
	allCVEs  bool   // cves=all: answer every finding, not only tagged CVEs
	addr     string // the peer's address (the proxy's when proxied)
	proxied  bool   // proxy=1: a proxy forwards another host's report
	body     []byte
	lease    *lease // the report's slot and memory in the Admission
	rawHash  string
	pkgHash  string
	knownSet *store.KnownSet
	rep      *report.Report
	in       store.Incoming
	saved    store.Saved
	legacy   *legacy // protocol 4 form or GLPI message; nil for text reports
	// claim is what the request's credentials prove (Guard.Admit);
	// checked is the site and host name the Guard passed ("site\x00host").
	claim   Claim
	checked string
	// Asynchronous intake (queue.go): enqueued, the report is stored
	// later (store-and-report answers as report-only does); queued is the
	// queue row a worker stores, at its receive time.
	enqueued bool
	queued   *store.QueuedReport
	// raw is what the archive keeps besides the body (Handler.Archive).
	raw store.RawReport
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		answer(w, http.StatusMethodNotAllowed, "ERROR: send reports with POST\n")
		return
	}
	req := &request{addr: remoteIP(r), raw: store.RawReport{Params: r.URL.RawQuery,
		ContentType: r.Header.Get("Content-Type"), UserAgent: r.UserAgent()}}
	defer func() {
		if req.lease != nil {
			req.lease.release()
		}
	}()
	ctx := r.Context()
	status := http.StatusOK
	if h.Observe != nil {
		defer func() { h.Observe(outcome(req), status, time.Since(start)) }()
	}
	err := h.process(ctx, w, r, req)
	var lines []string
	if err == nil {
		lines, err = h.answerLines(ctx, req)
	}
	if err != nil {
		var ce *clientError
		if errors.As(err, &ce) {
			h.Log.Warn("report rejected", "addr", req.addr, "protocol", req.protocol, "status", ce.status, "error", ce.msg)
			if ce.retryAfter > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(int(ce.retryAfter.Seconds())))
			}
			status = ce.status
			h.reply(w, r, req, ce.status, "ERROR: "+ce.msg+"\n")
			return
		}
		h.Log.Error("report failed", "addr", req.addr, "host", req.in.Host.Hostname, "error", err)
		if errors.Is(err, store.ErrDatabaseGone) {
			// Not acknowledged: what was written went to a file that is
			// gone. The client keeps its report and sends it again.
			w.Header().Set("Retry-After", "300")
			status = http.StatusServiceUnavailable
			h.reply(w, r, req, http.StatusServiceUnavailable, "ERROR: "+err.Error()+"\n")
			return
		}
		status = http.StatusInternalServerError
		h.reply(w, r, req, http.StatusInternalServerError, "ERROR: the server could not store the report; try again later\n")
		return
	}
	h.logReport(req, start)
	var b strings.Builder
	b.WriteString("OK\n")
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	h.reply(w, r, req, http.StatusOK, b.String())
}

// process runs the pipeline up to the answer: read, decode, validate,
// store, evaluate, with the two fast paths that skip parsing.
func (h *Handler) process(ctx context.Context, w http.ResponseWriter, r *http.Request, req *request) error {
	if err := h.params(r.URL.Query(), req); err != nil {
		return err
	}
	if h.Guard != nil {
		claim, err := h.Guard.Admit(r, req.addr)
		if err != nil {
			return refused(err)
		}
		req.claim = claim
	}
	lease, err := h.Admission.admit(ctx)
	if err != nil {
		return err
	}
	req.lease = lease
	if err := h.read(ctx, w, r, req); err != nil {
		return err
	}
	if err := h.decrypt(ctx, req); err != nil { // S/MIME: the fast paths see the plaintext
		return err
	}
	if err := h.detect(r, req); err != nil {
		return err
	}
	stores := req.mode != ReportOnly
	if stores && h.Queue != nil {
		return h.enqueue(ctx, r, req) // read in full, validated, stored later
	}
	// A forwarded report is read whole: its host's address is in its header.
	if stores && req.legacy == nil && !req.proxied {
		// A report byte for byte equal to the host's last one needs no
		// parsing: it only refreshes timestamps (most of a fleet, daily).
		if done, err := h.touch(ctx, req); err != nil || done {
			return err
		}
		// Package lines byte for byte equal to a stored set's (a new host
		// like many others) need no parsing either: only the header.
		if err := h.known(ctx, req); err != nil {
			return err
		}
	}
	if req.knownSet == nil {
		if err := h.decode(ctx, req); err != nil || req.rep == nil {
			return err
		}
	}
	if err := h.validate(req); err != nil {
		return err
	}
	if err := h.guardCheck(ctx, req); err != nil {
		return err
	}
	if !stores {
		return nil
	}
	if err := h.store(ctx, req); err != nil {
		return err
	}
	return h.evaluate(ctx, req)
}

// evaluate matches a stored report (after the store: a failure here does
// not lose the report, the next import or evaluate run catches up).
func (h *Handler) evaluate(ctx context.Context, req *request) error {
	if h.Eval == nil || req.saved.Change == store.HostUnchanged || req.saved.SameTarget {
		return nil // nothing the findings are made from changed
	}
	var learn []model.Package
	if req.protocol == report.Protocol6 && req.saved.NewSet {
		learn = req.in.Packages
	}
	var err error
	if se, ok := h.Eval.(StateEvaluator); ok && req.saved.State != nil {
		err = se.AfterSave(ctx, *req.saved.State, learn)
	} else {
		err = h.Eval.AfterReport(ctx, req.in.Host.Hostname, req.in.Host.OSGroup, learn)
	}
	if err != nil {
		h.Log.Error("evaluation failed", "host", req.in.Host.Hostname, "error", err)
		// The host's next report is evaluated, even if it changes nothing
		// the findings are made from.
		if f, ok := h.Store.(findingsForgetter); ok {
			if err := f.ForgetFindingsKey(context.WithoutCancel(ctx), req.saved.HostID); err != nil {
				h.Log.Error("evaluation failed: findings key not cleared", "host", req.in.Host.Hostname, "error", err)
			}
		}
	}
	return nil
}

// answerLines lists the findings a store-and-report or report-only client
// asked for.
func (h *Handler) answerLines(ctx context.Context, req *request) ([]string, error) {
	if h.Eval == nil || req.mode == StoreOnly {
		return nil, nil
	}
	if req.mode == ReportOnly || req.enqueued {
		return h.Eval.CheckLines(ctx, req.in.Host, req.in.Packages, req.allCVEs)
	}
	return h.Eval.ReportLines(ctx, req.in.Host.Hostname, req.allCVEs)
}

func (h *Handler) logReport(req *request, start time.Time) {
	if req.enqueued {
		h.Log.Info("report queued", "host", req.in.Host.Hostname, "addr", req.addr, "protocol", req.protocol,
			"mode", string(req.mode), "packages", len(req.in.Packages), "duration", time.Since(start))
		return
	}
	if req.rep == nil { // fast path: the host's stored report, unchanged
		h.Log.Info("report", "host", req.in.Host.Hostname, "addr", req.addr, "protocol", req.protocol,
			"mode", string(req.mode), "change", req.saved.Change.String(), "duration", time.Since(start))
		return
	}
	h.Log.Info("report", "host", req.in.Host.Hostname, "site", req.in.Host.Site, "addr", req.addr,
		"protocol", req.protocol, "mode", string(req.mode), "packages", packageCount(req),
		"change", changeName(req), "duration", time.Since(start))
}

// known looks the package lines up among the stored sets and, when found,
// parses the header only.
func (h *Handler) known(ctx context.Context, req *request) error {
	head, pkgs, ok := report.SplitPackages(req.body)
	if !ok {
		return nil
	}
	sum := sha256.New()
	fmt.Fprintf(sum, "protocol %d\n", req.protocol)
	sum.Write(pkgs)
	req.pkgHash = hex.EncodeToString(sum.Sum(nil))
	set, found, err := h.Store.KnownSet(ctx, req.pkgHash)
	if err != nil || !found {
		return err
	}
	rep, err := report.Parse(head, req.protocol, h.Limits)
	if err != nil {
		return nil // the full path says what is wrong
	}
	req.rep, req.knownSet = rep, &set
	return nil
}

// touch tries the unchanged fast path; done tells whether it applied.
func (h *Handler) touch(ctx context.Context, req *request) (bool, error) {
	sum := sha256.New()
	fmt.Fprintf(sum, "protocol %d\n", req.protocol)
	sum.Write(req.body)
	req.rawHash = hex.EncodeToString(sum.Sum(nil))
	name := report.PeekHostname(req.body, h.Limits)
	if name == "" {
		return false, nil
	}
	if ok, err := h.guardTouch(ctx, req); !ok || err != nil {
		return false, err
	}
	saved, ok, err := h.Store.TouchUnchanged(ctx, name, req.rawHash, req.addr, h.Now().UTC())
	if err != nil || !ok {
		return false, err
	}
	req.saved = saved
	req.in.Host.Hostname = name
	return true, nil
}

func packageCount(req *request) int {
	if req.knownSet != nil {
		return req.knownSet.Packages
	}
	return len(req.in.Packages)
}

// outcome names what became of an answered report for Observe: stored
// (a new or changed host), unchanged, queued (async intake) or checked
// (report-only: nothing stored).
func outcome(req *request) string {
	switch {
	case req.enqueued:
		return "queued"
	case req.mode == ReportOnly:
		return "checked"
	case store.HostUnchanged == req.saved.Change:
		return "unchanged"
	}
	return "stored"
}

func changeName(req *request) string {
	if req.mode == ReportOnly {
		return "not stored"
	}
	return req.saved.Change.String()
}

func answer(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

// params reads protocol and mode from the query string (never from a text
// report's body: old clients post the raw report as a form body; detect
// calls it again with the fields of a protocol 4 form).
func (h *Handler) params(q url.Values, req *request) error {
	p := q.Get("protocol")
	if p == "" {
		p = q.Get("version")
	}
	switch p {
	case "", "5":
		req.protocol = report.Protocol5
	case "6":
		req.protocol = report.Protocol6
	case "4":
		req.protocol = report.Protocol4
	default:
		return badRequest("unknown protocol %q: this server accepts 4, 5 and 6", clip(p))
	}
	m := q.Get("mode")
	if m == "" {
		switch q.Get("report") {
		case "", "0":
			m = string(StoreOnly)
		case "1":
			m = string(StoreAndReport)
		case "2":
			m = string(ReportOnly)
		default:
			return badRequest("unknown report=%q: use 0, 1 or 2", clip(q.Get("report")))
		}
	}
	switch Mode(m) {
	case StoreOnly, StoreAndReport, ReportOnly:
		req.mode = Mode(m)
	default:
		return badRequest("unknown mode %q: use store-only, store-and-report or report-only", clip(m))
	}
	// Which findings a store-and-report or report-only answer lists:
	// Pakiti 3 listed only CVEs carrying a tag (the default, for its
	// clients); our client may ask for every one.
	switch c := q.Get(ParamCVEs); c {
	case "", CVEsTagged:
		req.allCVEs = false
	case CVEsAll:
		req.allCVEs = true
	default:
		return badRequest("unknown %s=%q: use %s or %s", ParamCVEs, clip(c), CVEsTagged, CVEsAll)
	}
	switch p := q.Get(report.FieldProxy); p {
	case "", "0":
		req.proxied = false
	case "1":
		req.proxied = true
	default:
		return badRequest("unknown proxy=%q: use 1 when a proxy forwards a host's report, else 0", clip(p))
	}
	return nil
}

// read takes the raw body whatever its content type, up to the size
// limit, in a buffer that grows as bytes arrive within the Admission's
// memory budget (never sized from the declared Content-Length alone).
func (h *Handler) read(ctx context.Context, w http.ResponseWriter, r *http.Request, req *request) error {
	if r.ContentLength > h.Limits.MaxBytes {
		return &clientError{status: http.StatusRequestEntityTooLarge,
			msg: fmt.Sprintf("report is %d bytes, more than the limit of %d", r.ContentLength, h.Limits.MaxBytes)}
	}
	body, err := readBody(ctx, http.MaxBytesReader(w, r.Body, h.Limits.MaxBytes), r.ContentLength, h.Limits.MaxBytes+1, req.lease)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) || errors.Is(err, errTooLarge) {
		return &clientError{status: http.StatusRequestEntityTooLarge,
			msg: fmt.Sprintf("report is more than the limit of %d bytes", h.Limits.MaxBytes)}
	}
	var ce *clientError
	if errors.As(err, &ce) || ctx.Err() != nil {
		return err
	}
	if err != nil {
		return badRequest("reading the report: %v", err)
	}
	req.body = body
	return nil
}

// decode parses the report (an encrypted one was decrypted after read).
// The parser makes one string copy of the body: its memory is reserved first.
func (h *Handler) decode(ctx context.Context, req *request) error {
	if err := req.lease.reserve(ctx, int64(len(req.body))); err != nil {
		return err
	}
	if req.legacy != nil {
		if req.legacy.glpi {
			// A compressed inventory inflates up to the size limit as it
			// is decoded: its memory is that of a whole report.
			if err := req.lease.reserve(ctx, h.Limits.MaxBytes-int64(len(req.body))); err != nil {
				return err
			}
		}
		return h.decodeLegacy(req)
	}
	rep, err := report.Parse(req.body, req.protocol, h.Limits)
	if err != nil {
		return badRequest("%v", err)
	}
	req.rep = rep
	return nil
}

// validate turns the parsed report into what the store takes.
func (h *Handler) validate(req *request) error {
	hd := req.rep.Header
	host := model.Host{
		Hostname:     hd.Hostname(),
		Site:         hd.Site,
		Tag:          hd.Tag,
		OS:           hd.System,
		OSID:         hd.OSID,
		OSVersionID:  hd.OSVersionID,
		Arch:         hd.Arch,
		Kernel:       hd.Kernel,
		CPU:          hd.CPU,
		Packager:     hd.Packager,
		ReporterAddr: req.addr,
		Protocol:     req.protocol,
	}
	proxyAddr := ""
	if req.proxied {
		// The reporter is the host, at the address the proxy gives (its
		// report's ip); the address the report came from is the proxy's.
		proxyAddr, host.ReporterAddr = req.addr, ""
		if a, err := netip.ParseAddr(strings.TrimSpace(hd.IP)); err == nil {
			host.ReporterAddr = a.String()
		}
	}
	switch hd.RebootRequired {
	case "":
	case "yes", "no":
		b := hd.RebootRequired == "yes"
		host.RebootRequired = &b
	default:
		return badRequest("header reboot-required is %q, want yes or no", clip(hd.RebootRequired))
	}
	if host.Site == "" {
		host.Site = model.DefaultSite
	}
	host.OSGroup = h.groups().Group(osgroup.Facts{System: hd.System, OSID: hd.OSID, OSVersionID: hd.OSVersionID})
	var modules store.HostModules
	var pro store.HostPro
	if req.protocol == report.Protocol6 {
		// Parse checked the headers; an error here leaves the state unknown.
		if streams, known, err := report.ParseModules(hd.Modules); err == nil {
			modules = store.HostModules{Known: known, Streams: streams}
		}
		if services, known, err := report.ParsePro(hd.Pro); err == nil {
			pro = store.HostPro{Known: known, Services: services}
		}
	}
	at := h.Now().UTC()
	if req.queued != nil {
		at = req.queued.ReceivedAt
	}
	req.in = store.Incoming{
		Host:     host,
		Packages: req.rep.Packages,
		SetHash:  report.PackageSetHash(req.rep.Packages),
		// The protocol and the path (direct or through a proxy) count as
		// part of the header: a host moving from protocol 5 to 6, or
		// behind a proxy, starts a new history record.
		HeaderHash:   headerHash(req.protocol, req.proxied, hd.HeaderHash()),
		RawHash:      req.rawHash,
		PackagesHash: req.pkgHash,
		Set:          req.knownSet,
		ReceivedAt:   at,
		ThroughProxy: req.proxied,
		ProxyAddr:    proxyAddr,
		Modules:      modules,
		Pro:          pro,
	}
	return nil
}

// headerHash is a report's header hash as stored: the protocol, the path
// and the header.
func headerHash(protocol int, proxied bool, header string) string {
	if proxied {
		return fmt.Sprintf("%d:proxy:%s", protocol, header)
	}
	return fmt.Sprintf("%d:%s", protocol, header)
}

// store saves the validated report. A report whose package lines matched
// a stored set (known) whose set was collected since (store.GC) is parsed
// in full and saved again.
func (h *Handler) store(ctx context.Context, req *request) error {
	h.archive(req)
	saved, err := h.Store.SaveReport(ctx, req.in)
	if errors.Is(err, store.ErrSetVanished) && req.knownSet != nil {
		queueID := req.in.QueueID
		req.knownSet, req.rep = nil, nil
		if err := h.decode(ctx, req); err != nil {
			return err
		}
		if req.rep == nil {
			return fmt.Errorf("report of %s: parsed in full, it gave no report", req.in.Host.Hostname)
		}
		if err := h.validate(req); err != nil {
			return err
		}
		req.in.QueueID = queueID
		h.archive(req)
		saved, err = h.Store.SaveReport(ctx, req.in)
	}
	if err != nil {
		return err
	}
	req.saved = saved
	return nil
}

// archive asks the store to archive the report with it, as received
// (after decryption), when the archive is on.
func (h *Handler) archive(req *request) {
	if !h.Archive {
		return
	}
	raw := req.raw
	raw.Body = req.body
	req.in.Archive = &raw
}

func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
