package intake

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/pakiti-go/pakiti/internal/report"
)

// legacy is what the feed knows of a report that is not a protocol 5/6
// text report: a Pakiti 2 form post (protocol 4) or a GLPI agent message.
type legacy struct {
	glpi    bool
	form    url.Values // protocol 4: the query string and form body fields
	contact bool       // a GLPI agent's contact message: answered, not stored
}

// isGLPIAgent tells a GLPI (or FusionInventory) agent by its User-Agent.
func isGLPIAgent(r *http.Request) bool {
	return strings.Contains(strings.ToUpper(r.UserAgent()), "GLPI")
}

// detect recognises the legacy formats after the body is read: a GLPI
// message by its User-Agent, a JSON body, a zlib or gzip body or the
// agent's Content-Type; a Pakiti 2 form by protocol=4 (query string or
// form body: the Pakiti 2 client sends version=4 and report=N in the
// body), or by a form body that carries a pkgs field. Anything else stays
// a text report, whatever its Content-Type (the Perl client's curl
// fallback posts text as a form).
func (h *Handler) detect(r *http.Request, req *request) error {
	ctype := strings.ToLower(r.Header.Get("Content-Type"))
	body := req.body
	if isGLPIAgent(r) || report.IsJSON(body) || report.IsZlib(body) || report.IsGzip(body) ||
		strings.Contains(ctype, "x-compress-zlib") {
		req.legacy = &legacy{glpi: true}
		req.protocol = report.ProtocolGLPI
		req.mode = StoreOnly // an agent asks for no findings
		return nil
	}
	q := r.URL.Query()
	explicit := req.protocol == report.Protocol4
	if !explicit {
		if q.Get("protocol") != "" || q.Get("version") != "" || !maybeForm(ctype, body) {
			return nil
		}
	}
	form, err := report.ReadForm(body, r.Header.Get("Content-Type"), h.Limits)
	if err != nil {
		if explicit {
			return badRequest("%v", err)
		}
		return nil // the text parser says what is wrong
	}
	if !explicit && form.Get(report.FieldVersion) == "" && form.Get(report.FieldProtocol) == "" &&
		form.Get(report.FieldPkgs) == "" {
		return nil
	}
	for k, v := range q { // the query string wins
		form[k] = v
	}
	if form.Get(report.FieldProtocol) == "" && form.Get(report.FieldVersion) == "" {
		form.Set(report.FieldProtocol, "4")
	}
	if err := h.params(form, req); err != nil {
		return err
	}
	if req.protocol != report.Protocol4 {
		return badRequest("a form post is a protocol 4 report, not protocol %d", req.protocol)
	}
	req.legacy = &legacy{form: form}
	return nil
}

// maybeForm tells a body that may be a form post from one that can only
// be a text or an encrypted report.
func maybeForm(ctype string, body []byte) bool {
	if !strings.HasPrefix(ctype, "application/x-www-form-urlencoded") && !strings.HasPrefix(ctype, "multipart/form-data") {
		return false
	}
	t := bytes.TrimLeft(body, " \t\r\n")
	return len(t) > 0 && t[0] != '#' && utf8.Valid(body)
}

// decodeLegacy is the decode step of the legacy formats.
func (h *Handler) decodeLegacy(req *request) error {
	if !req.legacy.glpi {
		rep, err := report.Parse4Form(req.legacy.form, h.Limits)
		if err != nil {
			return badRequest("%v", err)
		}
		req.rep = rep
		return nil
	}
	g, err := report.ParseGLPI(req.body, h.Limits)
	var se *report.SizeError
	if errors.As(err, &se) {
		return &clientError{status: http.StatusRequestEntityTooLarge, msg: se.Error()}
	}
	if err != nil {
		return badRequest("%v", err)
	}
	if g.Report == nil {
		if g.Action == "contact" {
			req.legacy.contact = true
			return nil // answered, nothing to store
		}
		return badRequest("the GLPI message (action %q) carries no inventory content", clip(g.Action))
	}
	req.rep = g.Report
	return nil
}

// reply answers in the client's words: text for Pakiti clients, JSON for
// GLPI agents (by their message or, before it is read, their User-Agent).
func (h *Handler) reply(w http.ResponseWriter, r *http.Request, req *request, status int, text string) {
	if (req.legacy == nil || !req.legacy.glpi) && !isGLPIAgent(r) {
		answer(w, status, text)
		return
	}
	var body string
	switch {
	case status >= 300:
		body = `{"status":"error","message":` + jsonString(strings.TrimSpace(strings.TrimPrefix(text, "ERROR: "))) + `}`
	case req.legacy != nil && req.legacy.contact:
		body = `{"status":"ok","expiration":24}`
	default:
		body = `{"status":"ok"}`
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write([]byte(body + "\n"))
}

// jsonString quotes s as a JSON string.
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
