package model

import "time"

// Data states of a host: whether a host without findings is clean.
const (
	// DataComplete: a source covers the host's release completely and was
	// checked within the configured age; only then is "no finding" clean.
	DataComplete = "complete"
	// DataPartial: sources have records for the release, none of them
	// all of it (an excerpt, advisory lists): findings are real, their
	// absence proves nothing.
	DataPartial = "partial"
	// DataStale: the data that covers the release completely was last
	// checked longer ago than the configured age.
	DataStale = "stale"
	// DataNone: no data for the release: not evaluated.
	DataNone = "none"
)

// DataSource is data a host is evaluated against: a source's records for
// one OS group, whether they cover it completely, when the source was last
// checked and its newest record's date (zero when the source gives none).
type DataSource struct {
	Source    string    `json:"source"`
	OSGroup   string    `json:"os_group"`
	Records   int       `json:"records"`
	Complete  bool      `json:"complete"`
	CheckedAt time.Time `json:"checked_at"`
	Newest    time.Time `json:"newest,omitzero"`
}
