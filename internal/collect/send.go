package collect

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pakiti-go/pakiti/internal/report"
)

// Modes the server knows (pakiti-client --mode).
var Modes = []string{"store-only", "store-and-report", "report-only"}

// ValidMode reports whether m is a mode the server knows; "" (the server's
// default, store-only) is valid too.
func ValidMode(m string) bool {
	if m == "" {
		return true
	}
	for _, v := range Modes {
		if m == v {
			return true
		}
	}
	return false
}

// Defaults of SendOptions.
const (
	DefaultTimeout     = 60 * time.Second
	DefaultMaxAttempts = 5
	DefaultRetryBase   = 2 * time.Second
	DefaultMaxElapsed  = 10 * time.Minute
	DefaultExpect      = "OK"
	maxRetryWait       = 2 * time.Minute
	maxRedirects       = 10
	maxAnswerBytes     = 16 << 20
)

// SendOptions tells Send how to post a report.
type SendOptions struct {
	// Protocol is the format of the body, sent as the protocol query
	// parameter: report.Protocol5 or report.Protocol6.
	Protocol int
	// NoProtocolParam leaves the protocol parameter out (pakiti-client
	// --no-protocol-version); the server then reads the body as protocol 5.
	NoProtocolParam bool
	// Mode is sent as the mode parameter when set: store-only,
	// store-and-report or report-only.
	Mode string
	// AllCVEs asks a store-and-report or report-only answer for every
	// vulnerable package (cves=all); by default our server, like Pakiti
	// 3, lists only the CVEs carrying a CVE tag. Other servers ignore it.
	AllCVEs bool
	// Timeout bounds one request: connecting, redirects, and reading the
	// answer. Zero means DefaultTimeout.
	Timeout time.Duration
	// InsecureTLS skips the verification of the server's certificate
	// (pakiti-client --disable-tls-checks).
	InsecureTLS bool
	// MaxAttempts bounds the attempts at one protocol (zero means
	// DefaultMaxAttempts; 1 means no retry). Network errors and 5xx
	// answers are retried, with exponential backoff and jitter starting
	// at RetryBase (zero means DefaultRetryBase); 4xx answers are not.
	MaxAttempts int
	RetryBase   time.Duration
	// MaxElapsed bounds the whole of Send, retries included (zero means
	// DefaultMaxElapsed): no retry starts that would end after it.
	MaxElapsed time.Duration
	// Expect is the first line of a successful answer (pakiti-client
	// --expect); empty means DefaultExpect, "OK".
	Expect string
	// Fallback is the same report formatted as protocol 5. When Protocol
	// is 6 and the server says it does not know protocol 6 (see
	// rejectsProtocol6), Send posts Fallback as protocol 5, once. Any
	// other failure (a storage fault, a malformed report) is not a reason
	// to drop the source packages: it is retried or reported as protocol 6.
	Fallback []byte
	// Memory, when set, remembers servers that rejected protocol 6, so
	// that later sends to them go straight to protocol 5.
	Memory *ProtocolMemory
	// ContentType is the body's Content-Type; empty means "text/plain".
	// Encrypted reports go as EncryptedContentType.
	ContentType string
	// UserAgent is the User-Agent header; empty means "pakiti-client-go".
	UserAgent string
	// Token is the site's report token (pakiti-client --token), sent as
	// "Authorization: Bearer TOKEN" to the feed URL's host only (never to
	// another host a redirect names).
	Token string
	// ClientCert, when set, is presented to the server over https
	// (pakiti-client --cert, --key): a certificate registered for the
	// site.
	ClientCert *tls.Certificate
	// Client, when set, sends the requests (tests); its CheckRedirect is
	// ignored: Send follows redirects itself.
	Client *http.Client
	// Debugf, when set, receives each request and answer.
	Debugf func(format string, args ...any)
}

func (o *SendOptions) debugf(format string, args ...any) {
	if o.Debugf != nil {
		o.Debugf(format, args...)
	}
}

// ProtocolMemory remembers the servers (feed URLs) that rejected protocol
// 6. It is safe for concurrent use; the zero value is ready.
type ProtocolMemory struct {
	mu       sync.Mutex
	rejected map[string]bool
}

// Rejected6 reports whether the server at feedURL rejected protocol 6.
func (m *ProtocolMemory) Rejected6(feedURL string) bool {
	if m == nil {
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.rejected[feedURL]
}

func (m *ProtocolMemory) reject6(feedURL string) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.rejected == nil {
		m.rejected = map[string]bool{}
	}
	m.rejected[feedURL] = true
}

// ServerError is an answer other than success.
type ServerError struct {
	Status   int    // HTTP status
	Body     string // the answer, at most maxAnswerBytes of it
	Protocol int    // the protocol of the report that got this answer
}

func (e *ServerError) Error() string {
	line := clip(Strip(firstLine(e.Body)), 300)
	switch {
	case e.Status == http.StatusOK && line == "":
		return "server answered 200 with an empty body, not OK"
	case e.Status == http.StatusOK:
		return "server answered 200 but not OK: " + line
	case line == "":
		return fmt.Sprintf("server answered %d %s", e.Status, http.StatusText(e.Status))
	}
	return fmt.Sprintf("server answered %d: %s", e.Status, line)
}

// Send posts a report (body) to the Pakiti feed at feedURL with
// Content-Type text/plain (o.ContentType) and the protocol and mode query parameters, and
// returns the lines of the answer after its first line ("OK"): in
// store-and-report and report-only mode, the vulnerable packages. Success
// is HTTP 200 with a body whose first line is o.Expect.
//
// Redirects are followed for at most 10 hops the way curl --post301
// --post302 does: 301, 302, 307 and 308 repeat the POST with the same body
// at the new location (Go's client would turn 301 and 302 into a GET and
// lose the report), 303 fetches the answer with GET. A redirect from https
// to http is refused: the report would travel in clear.
func Send(ctx context.Context, feedURL string, body []byte, o SendOptions) (string, error) {
	if o.Protocol != report.Protocol5 && o.Protocol != report.Protocol6 {
		return "", fmt.Errorf("cannot send protocol %d reports", o.Protocol)
	}
	if !ValidMode(o.Mode) {
		return "", fmt.Errorf("unknown mode %q (want %s)", o.Mode, strings.Join(Modes, ", "))
	}
	if _, err := url.Parse(feedURL); err != nil {
		return "", fmt.Errorf("bad URL: %w", err)
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.RetryBase <= 0 {
		o.RetryBase = DefaultRetryBase
	}
	if o.MaxElapsed <= 0 {
		o.MaxElapsed = DefaultMaxElapsed
	}
	if o.Expect == "" {
		o.Expect = DefaultExpect
	}
	if o.UserAgent == "" {
		o.UserAgent = "pakiti-client-go"
	}
	if o.ContentType == "" {
		o.ContentType = "text/plain"
	}
	client := o.httpClient()
	deadline := time.Now().Add(o.MaxElapsed)

	protocol, fallback := o.Protocol, o.Fallback
	if protocol != report.Protocol6 || o.NoProtocolParam {
		fallback = nil
	}
	if fallback != nil && o.Memory.Rejected6(feedURL) {
		o.debugf("%s rejected protocol 6 before: sending protocol 5", feedURL)
		body, protocol, fallback = fallback, report.Protocol5, nil
	}
	attempt := 0
	for {
		attempt++
		target, err := withQuery(feedURL, protocol, o)
		if err != nil {
			return "", err
		}
		reqCtx, cancel := context.WithDeadline(ctx, earliest(time.Now().Add(o.Timeout), deadline))
		status, answer, retryAfter, err := post(reqCtx, client, target, body, o)
		timedOut := reqCtx.Err() != nil && ctx.Err() == nil
		cancel()
		if err == nil && status == http.StatusOK && firstLineIs(answer, o.Expect) {
			_, rest, _ := strings.Cut(answer, "\n")
			o.debugf("accepted as protocol %d", protocol)
			return rest, nil
		}
		var failure error
		retryable := false
		switch {
		case err != nil && ctx.Err() != nil:
			return "", ctx.Err()
		case err != nil && timedOut:
			failure = fmt.Errorf("no answer from %s within %s", redact(target), o.Timeout)
			retryable = true
		case err != nil:
			failure = err
			retryable = !isCertificateError(err)
		default:
			failure = &ServerError{Status: status, Body: answer, Protocol: protocol}
			retryable = status >= 500
		}
		if fallback != nil && err == nil && rejectsProtocol6(status, answer) {
			o.debugf("protocol 6 not accepted (%v): sending protocol 5", failure)
			o.Memory.reject6(feedURL)
			body, protocol, fallback = fallback, report.Protocol5, nil
			attempt = 0
			continue
		}
		if !retryable || attempt >= o.MaxAttempts {
			if attempt > 1 {
				return "", fmt.Errorf("%w (after %d attempts)", failure, attempt)
			}
			return "", failure
		}
		wait := backoff(o.RetryBase, attempt)
		if retryAfter > wait && retryAfter <= maxRetryWait {
			wait = retryAfter
		}
		if time.Now().Add(wait).After(deadline) {
			return "", fmt.Errorf("%w (giving up after %d attempts in %s)", failure, attempt, o.MaxElapsed)
		}
		o.debugf("attempt %d failed (%v): retrying in %s", attempt, failure, wait.Round(time.Millisecond))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return "", ctx.Err()
		case <-t.C:
		}
	}
}

func (o *SendOptions) httpClient() *http.Client {
	var c http.Client
	if o.Client != nil {
		c = *o.Client
	} else {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		if o.InsecureTLS {
			tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // asked for by --disable-tls-checks
		}
		if o.ClientCert != nil {
			if tr.TLSClientConfig == nil {
				tr.TLSClientConfig = &tls.Config{}
			}
			tr.TLSClientConfig.Certificates = []tls.Certificate{*o.ClientCert}
		}
		c.Transport = tr
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// withQuery adds the protocol and mode parameters to the feed URL.
func withQuery(feedURL string, protocol int, o SendOptions) (string, error) {
	u, err := url.Parse(feedURL)
	if err != nil {
		return "", fmt.Errorf("bad URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("bad URL %q: want http:// or https://", redact(feedURL))
	}
	q := u.Query()
	if o.Mode != "" {
		q.Set("mode", o.Mode)
	}
	if o.AllCVEs {
		q.Set("cves", "all")
	}
	if !o.NoProtocolParam {
		q.Set("protocol", strconv.Itoa(protocol))
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// post sends one request, following redirects, and returns the status, the
// answer and the server's Retry-After.
func post(ctx context.Context, client *http.Client, target string, body []byte, o SendOptions) (int, string, time.Duration, error) {
	method := http.MethodPost
	origin := ""
	if u, err := url.Parse(target); err == nil {
		origin = u.Scheme + "://" + u.Host
	}
	for hop := 0; ; hop++ {
		var rd io.Reader
		if method == http.MethodPost {
			rd = bytes.NewReader(body)
		}
		req, err := http.NewRequestWithContext(ctx, method, target, rd)
		if err != nil {
			return 0, "", 0, err
		}
		if method == http.MethodPost {
			req.Header.Set("Content-Type", o.ContentType)
		}
		req.Header.Set("User-Agent", o.UserAgent)
		if o.Token != "" && req.URL.Scheme+"://"+req.URL.Host == origin {
			req.Header.Set("Authorization", "Bearer "+o.Token)
		}
		o.debugf("%s %s (%d bytes)", method, redact(target), len(body))
		resp, err := client.Do(req)
		if err != nil {
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err
			}
			return 0, "", 0, fmt.Errorf("%s %s: %w", method, redact(target), err)
		}
		data, rerr := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes))
		resp.Body.Close()
		o.debugf("answer %s (%d bytes)", resp.Status, len(data))
		switch resp.StatusCode {
		case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
			http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
			loc, err := resp.Location()
			if err != nil {
				return resp.StatusCode, string(data), 0, nil
			}
			if hop >= maxRedirects {
				return 0, "", 0, fmt.Errorf("%s %s: more than %d redirects", method, redact(target), maxRedirects)
			}
			if req.URL.Scheme == "https" && loc.Scheme == "http" {
				return 0, "", 0, fmt.Errorf("%s %s: refusing a redirect from https to %s", method, redact(target), loc.Redacted())
			}
			if resp.StatusCode == http.StatusSeeOther {
				method = http.MethodGet
			}
			target = loc.String()
			continue
		}
		if rerr != nil {
			return 0, "", 0, fmt.Errorf("%s %s: reading the answer: %w", method, redact(target), rerr)
		}
		return resp.StatusCode, string(data), retryAfter(resp.Header.Get("Retry-After")), nil
	}
}

// retryAfter reads a Retry-After header given in seconds.
func retryAfter(v string) time.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 0 {
		return 0
	}
	return time.Duration(n) * time.Second
}

// backoff is the wait before retry number attempt (1-based): base doubled
// each time, capped, with jitter in [d/2, d).
func backoff(base time.Duration, attempt int) time.Duration {
	d := base
	for i := 1; i < attempt && d < maxRetryWait; i++ {
		d *= 2
	}
	d = min(d, maxRetryWait)
	half := d / 2
	if half <= 0 {
		return d
	}
	return half + rand.N(half)
}

// isCertificateError reports whether err is the server's certificate being
// refused: no retry mends that.
func isCertificateError(err error) bool {
	var (
		cv *tls.CertificateVerificationError
		ua x509.UnknownAuthorityError
		he x509.HostnameError
		ci x509.CertificateInvalidError
	)
	return errors.As(err, &cv) || errors.As(err, &ua) || errors.As(err, &he) || errors.As(err, &ci)
}

// rejectsProtocol6 tells whether the answer to a protocol-6 report says
// that the server does not know protocol 6:
//   - a 4xx whose first line starts with ERROR and names the protocol (our
//     server: `400 ERROR: unknown protocol "6": ...`);
//   - the bare answer "ERROR", with status 500 or 200: Pakiti 3 throws
//     "Unsupported protocol version" for anything but 4 and 5 and answers
//     only "ERROR" (200 when PHP sent the body before the status). It says
//     the same of its own faults, but such a server reads protocol 5 only,
//     so sending it protocol 5 loses nothing.
//
// A 5xx with any other text (our server's storage faults) is not one.
func rejectsProtocol6(status int, answer string) bool {
	if strings.TrimSpace(answer) == "ERROR" {
		return status == http.StatusInternalServerError || status == http.StatusOK
	}
	line, _, _ := strings.Cut(answer, "\n")
	line = strings.TrimSpace(line)
	return status >= 400 && status < 500 && strings.HasPrefix(line, "ERROR") &&
		strings.Contains(strings.ToLower(line), "protocol")
}

// firstLineIs reports whether the first line of answer, without the line
// end and surrounding blanks, is want.
func firstLineIs(answer, want string) bool {
	line, _, _ := strings.Cut(answer, "\n")
	return strings.TrimSpace(line) == want
}

func earliest(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// redact hides a password in a URL.
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return s
	}
	return u.Redacted()
}

// ReportProtocol tells the protocol of a report prepared earlier
// (pakiti-client --input): 6 when a package line has the two source
// columns, else 5.
func ReportProtocol(raw []byte) int {
	sep := 0
	for _, line := range bytes.Split(raw, []byte("\n")) {
		line = bytes.TrimRight(line, "\r")
		if string(bytes.TrimSpace(line)) == "#" {
			sep++
			continue
		}
		if sep >= 2 && bytes.Count(line, []byte("\t")) == 4 {
			return report.Protocol6
		}
	}
	return report.Protocol5
}
