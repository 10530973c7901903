package store

import (
	"fmt"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// StatementJournalSpill is how many bytes a SQLite statement journal
// keeps in memory before it spills to a temporary file
// (SQLITE_CONFIG_STMTJRNL_SPILL; SQLite's default is 64 KiB). A
// statement that may fail half-way inside a transaction (an upsert, an
// insert firing the listing triggers) journals the pages it changes so
// that its failure undoes only itself: a report's transaction journals
// more than 64 KiB, and the spill (a temporary file created, written and
// deleted per statement) cost a tenth of a report's CPU on SQLite
// (measured: README, issue 14's A/B). The journal is per statement and
// the writer pool holds one connection, so this bounds the extra memory.
const StatementJournalSpill = 4 << 20

// statementJournalConfig is the result of setting StatementJournalSpill:
// nil, or why it could not be set (SQLite was initialized before this
// package's init, which nothing in this program does).
var statementJournalConfig = configureSQLite()

// configureSQLite sets the process-wide SQLite options. It runs before
// any connection is opened: SQLite takes them only before its first
// initialization.
func configureSQLite() error {
	tls := libc.NewTLS()
	defer tls.Close()
	va := libc.NewVaListN(1)
	if va == 0 {
		return fmt.Errorf("SQLITE_CONFIG_STMTJRNL_SPILL: out of memory")
	}
	defer libc.Xfree(tls, va)
	if rc := sqlite3.Xsqlite3_config(tls, sqlite3.SQLITE_CONFIG_STMTJRNL_SPILL, libc.VaList(va, int32(StatementJournalSpill))); rc != sqlite3.SQLITE_OK {
		return fmt.Errorf("SQLITE_CONFIG_STMTJRNL_SPILL: SQLite error %d", rc)
	}
	return nil
}
