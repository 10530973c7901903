package osv

import (
	"bytes"

	"github.com/pakiti-go/pakiti/internal/source"
)

// Coverage: an export of an OSV database as one archive (osv.dev's
// all.zip of an ecosystem, AlmaLinux's tarball) is complete for the OS
// groups of the ecosystems it gives records of; JSON records given one by
// one cover nothing completely. Every document fills part "osv": a new
// export replaces the old one.
func (s *Source) Coverage(p source.Parsed) source.Coverage {
	if isArchive(p.Head) {
		return source.Coverage{Part: "osv", Complete: p.Groups()}
	}
	return source.Coverage{Part: "osv"}
}

// isArchive tells a zip or tar from its first bytes.
func isArchive(head []byte) bool {
	return bytes.HasPrefix(head, []byte("PK\x03\x04")) || (len(head) >= 262 && bytes.Equal(head[257:262], []byte("ustar")))
}
