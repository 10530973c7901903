package debian

import (
	"context"
	"io"

	"github.com/pakiti-go/pakiti/internal/source/apt"
)

// Binary is one stanza of an apt Packages index (apt.Binary).
type Binary = apt.Binary

// ParsePackagesIndex reads an apt Packages index (apt.ParsePackagesIndex,
// shared with Ubuntu through the neutral package apt).
func ParsePackagesIndex(ctx context.Context, r io.Reader, emit func(Binary) error) (int, error) {
	return apt.ParsePackagesIndex(ctx, r, emit)
}
