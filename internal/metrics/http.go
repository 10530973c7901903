package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"
)

// routeKey carries the *route a request's handler fills in.
type routeKey struct{}

type route struct{ pattern string }

// Instrument counts and times every request to h by route pattern. Put it
// outside everything (auth refusals count, under route "none") and wrap
// the ServeMux itself in Routed, which tells it the pattern.
func (m *Metrics) Instrument(h http.Handler) http.Handler {
	if m == nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rt := &route{}
		r = r.WithContext(context.WithValue(r.Context(), routeKey{}, rt))
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(sw, r)
		p := rt.pattern
		if p == "" {
			p = "none"
		}
		method := r.Method
		switch method {
		case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		default:
			method = "other" // bounded: clients choose methods
		}
		m.requests.WithLabelValues(p, method, strconv.Itoa(sw.status)).Inc()
		m.requestSeconds.WithLabelValues(p, method).Observe(time.Since(start).Seconds())
	})
}

// Routed wraps a ServeMux: after it served a request, the pattern it
// matched (http.Request.Pattern) is told to Instrument.
func Routed(mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		if rt, ok := r.Context().Value(routeKey{}).(*route); ok {
			rt.pattern = r.Pattern
		}
	})
}

// statusWriter remembers the status written.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (flushes of
// streamed exports, deadlines).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush passes flushes of streamed answers on.
func (w *statusWriter) Flush() {
	w.wrote = true
	http.NewResponseController(w.ResponseWriter).Flush()
}
