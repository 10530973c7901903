package alpine

import (
	"regexp"

	"github.com/pakiti-go/pakiti/internal/source"
)

// reponame finds the repository a secdb file is of, in JSON or YAML.
var reponame = regexp.MustCompile(`"?reponame"?\s*:\s*"?([A-Za-z0-9._-]+)`)

// Coverage: a secdb file is the whole list of fixes of one repository
// (main, community) of one branch, so it is complete for its branch's OS
// group; its part is "secdb GROUP REPO", which the next file of that
// repository and branch replaces (the repository name is read from the
// file's head, else the file's name stands for it).
func (*Source) Coverage(p source.Parsed) source.Coverage {
	repo := p.Name
	if m := reponame.FindSubmatch(p.Head); m != nil {
		repo = string(m[1])
	}
	groups := p.Groups()
	part := "secdb " + repo
	for _, g := range groups {
		part = "secdb " + g + " " + repo
	}
	return source.Coverage{Part: part, Complete: groups}
}
