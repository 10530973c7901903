package web

import (
	"net/http"
	"strings"
)

// apiFormats are the answer formats of the API paths that have more than
// JSON; every other path answers JSON only.
var apiFormats = map[string][]string{
	"/api/v1/hosts":           {"json", "csv"},
	"/api/v1/cves/{id}":       {"json", "csv"},
	"/api/v1/advisories/{id}": {"json", "csv"},
	"/api/v1/exceptions":      {"json", "csv"},
	"/api/v1/cves":            {"json", "csv"},
	"/api/v1/packages":        {"json", "csv"},
	"/api/v1/sites":           {"json", "csv"},
	"/api/v1/sites/{site}":    {"json", "csv"},
	"/api/v1/sources":         {"json", "csv"},
	"/api/v1/tags":            {"json", "csv"},
	"/api/v1/oses":            {"json", "csv"},
	"/api/v1/os-rules":        {"json", "csv"},
	"/api/v1/audit":           {"json", "csv"},

	"/api/v1/hosts/{hostname}/packages": {"json", "csv"},
	"/api/v1/hosts/{hostname}/findings": {"json", "csv"},
	"/api/v1/hosts/{hostname}/changes":  {"json", "csv"},
}

// withFormats answers 400, naming the formats path has, when a request
// asks (?format=) for one it has not: never JSON instead, silently.
func withFormats(path string, h http.HandlerFunc) http.HandlerFunc {
	formats, ok := apiFormats[path]
	if !ok {
		formats = []string{"json"}
	}
	return func(w http.ResponseWriter, r *http.Request) {
		if f := r.URL.Query().Get("format"); f != "" {
			known := false
			for _, k := range formats {
				known = known || f == k
			}
			if !known {
				apiError(w, http.StatusBadRequest, path+" answers format "+strings.Join(formats, " or ")+", not "+clip(f))
				return
			}
		}
		h(w, r)
	}
}
