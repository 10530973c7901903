package store

import "testing"

// TestStatementJournalConfigured: the statement journal spill was set
// before SQLite's first initialization (no connection opens before this
// package's init).
func TestStatementJournalConfigured(t *testing.T) {
	if statementJournalConfig != nil {
		t.Errorf("SQLITE_CONFIG_STMTJRNL_SPILL not set: %v", statementJournalConfig)
	}
}
