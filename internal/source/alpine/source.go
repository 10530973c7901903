package alpine

import (
	"bufio"
	"bytes"
	"context"
	"fmt"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source"
)

// Source is the Alpine secdb as a source.Source: it reads the secdb's
// JSON and YAML files, telling them apart by their first byte.
type Source struct{}

// New returns the Alpine source.
func New() *Source { return &Source{} }

// Name is "alpine".
func (*Source) Name() string { return "alpine" }

// Locations are main.json and community.json of every supported branch
// (see Supported).
func (*Source) Locations() []string {
	var names []string
	for _, b := range Supported() {
		names = append(names, b.Name)
	}
	urls, err := URLs(names...)
	if err != nil {
		panic(err) // the branch table is wrong
	}
	return urls
}

// Parse reads one secdb file, JSON or YAML.
func (*Source) Parse(ctx context.Context, doc source.Document, emit func(model.Advisory) error) error {
	br := bufio.NewReaderSize(doc.Body, 64<<10)
	head, _ := br.Peek(512)
	t := bytes.TrimLeft(head, " \t\r\n\ufeff")
	var err error
	switch {
	case len(t) == 0:
		err = fmt.Errorf("empty document")
	case t[0] == '{':
		_, err = ParseJSON(ctx, br, emit)
	default:
		_, err = ParseYAML(ctx, br, emit)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", doc.Name, err)
	}
	return nil
}
