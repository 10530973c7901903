package rocky

import (
	"bytes"

	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/source/osv"
)

// Coverage: the OSV export follows osv.Source (part "osv", complete for
// its ecosystems when it is an archive); an updateinfo document is part
// "updateinfo GROUP", complete for the group named with it.
func (s *Source) Coverage(p source.Parsed) source.Coverage {
	if bytes.HasPrefix(bytes.TrimLeft(p.Head, " \t\r\n\ufeff"), []byte("<")) {
		return source.Coverage{Part: "updateinfo " + p.Group, Complete: []string{p.Group}}
	}
	return osv.New(Name, nil, s.opts).Coverage(p)
}
