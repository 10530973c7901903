package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// ErrNoDatabase is OpenExisting's answer when the SQLite file is missing.
var ErrNoDatabase = errors.New("no database")

// OpenExisting opens a database that must already exist: for commands that
// only read, which must not leave an empty SQLite file behind when run in
// the wrong directory. A PostgreSQL database is opened as by Open.
func OpenExisting(ctx context.Context, dsn string) (*Store, error) {
	eng, d, err := engineFor(dsn)
	if err != nil {
		return nil, err
	}
	if file := eng.dataFile(d); file != "" {
		if _, err := os.Stat(file); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w at %s", ErrNoDatabase, file)
		}
	}
	return Open(ctx, dsn)
}
