package alpine

import (
	"io"
	"path/filepath"

	"github.com/pakiti-go/pakiti/internal/source"
)

func sourceDoc(name string, r io.Reader) source.Document {
	return source.Document{Name: filepath.Base(name), Body: r}
}
