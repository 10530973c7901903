// Package drivers is the one list of the distro families' matching rules
// (match.Driver): adding a distribution adds its folder and one line here.
package drivers

import (
	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/source/alma"
	"github.com/pakiti-go/pakiti/internal/source/alpine"
	"github.com/pakiti-go/pakiti/internal/source/debian"
	"github.com/pakiti-go/pakiti/internal/source/oracle"
	"github.com/pakiti-go/pakiti/internal/source/redhat"
	"github.com/pakiti-go/pakiti/internal/source/rocky"
	"github.com/pakiti-go/pakiti/internal/source/suse"
	"github.com/pakiti-go/pakiti/internal/source/ubuntu"
)

// Registry returns every driver.
func Registry() *match.Registry {
	return match.NewRegistry(
		debian.Driver{},
		alpine.Driver{},
		redhat.Driver{},
		redhat.Rebuilds{},
		alma.Driver,
		rocky.Driver,
		ubuntu.Driver{},
		suse.Driver{},
		oracle.Driver{},
	)
}
