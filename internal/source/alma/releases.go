package alma

import "github.com/pakiti-go/pakiti/internal/source/osv"

// Ecosystems maps AlmaLinux's OSV ecosystems to the OS groups it emits.
var Ecosystems = osv.Mapping{
	"AlmaLinux:8":  "alma:8",
	"AlmaLinux:9":  "alma:9",
	"AlmaLinux:10": "alma:10",
}
