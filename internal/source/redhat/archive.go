package redhat

import (
	tarball "archive/tar"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/klauspost/compress/zstd"

	"github.com/pakiti-go/pakiti/internal/model"
)

// zstdMagic starts a Zstandard frame.
var zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}

// maxArchiveWindow bounds the memory the Zstandard decoder may take.
const maxArchiveWindow = 64 << 20

// ArchiveStats counts what ParseArchive read.
type ArchiveStats struct {
	Documents int `json:"documents"`
	Records   int `json:"records"`
}

// ParseArchive reads Red Hat's bulk VEX archive (csaf_vex_YYYY-MM-DD.tar.zst,
// security.access.redhat.com/data/csaf/v2/vex/: a tar of YEAR/cve-*.json
// compressed with Zstandard), one document at a time as it streams by,
// and emits the records of each (ParseVEX). Members that are not .json
// files are skipped; a document that is not CSAF fails the import, naming
// the member.
func ParseArchive(ctx context.Context, r io.Reader, emit func(model.Advisory) error) (ArchiveStats, error) {
	var st ArchiveStats
	zr, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true), zstd.WithDecoderMaxWindow(maxArchiveWindow))
	if err != nil {
		return st, err
	}
	defer zr.Close()
	tr := tarball.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return st, nil
		}
		if err != nil {
			return st, fmt.Errorf("archive: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return st, err
		}
		if h.Typeflag != tarball.TypeReg || !strings.HasSuffix(h.Name, ".json") {
			continue
		}
		vs, err := ParseVEX(tr, emit)
		st.Records += vs.Records
		if err != nil {
			return st, fmt.Errorf("%s: %w", h.Name, err)
		}
		st.Documents++
	}
}
