package collect

import (
	"bufio"
	"bytes"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/pakiti-go/pakiti/internal/report"
)

// dnfModulesDir is where dnf keeps the state of each module a host has
// touched: one ini file per module, NAME.module, holding "[NAME]" with
// name=, stream=, profiles= and state= (enabled, disabled or empty).
const dnfModulesDir = "/etc/dnf/modules.d"

// enabledModules reads the enabled module streams of the inspected system
// ("nodejs:12"), sorted. known is false when the system has no
// modules.d directory (no dnf, or a release without modules): the report
// then says nothing of its module state. A module file without a stream
// or not enabled is left out; an unreadable one is warned about.
func enabledModules(fsys rootFS, o *Options) (streams []string, known bool) {
	dir, err := fsys.path(dnfModulesDir)
	if err != nil {
		return nil, false
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		if !os.IsNotExist(err) {
			o.warnf("modules: %v", err)
		}
		return nil, false
	}
	seen := map[string]bool{}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".module") {
			continue
		}
		data, err := fsys.readFile(path.Join(dnfModulesDir, e.Name()))
		if err != nil {
			o.warnf("modules: %v", err)
			continue
		}
		for _, m := range parseModuleFile(data) {
			if !seen[m] {
				seen[m] = true
				streams = append(streams, m)
			}
		}
	}
	sort.Strings(streams)
	o.debugf("%s: %d enabled module streams", fsys.display(dnfModulesDir), len(streams))
	return streams, true
}

// parseModuleFile returns the enabled "name:stream" of a dnf module file.
// The section name is the module's name (a name= key overrides it);
// state must be "enabled" and stream must be set.
func parseModuleFile(data []byte) []string {
	var out []string
	var name, stream, state string
	inSection := false
	flush := func() {
		if inSection && state == "enabled" {
			if m, ok := report.ModuleStream(name + ":" + stream); ok {
				out = append(out, m)
			}
		}
		name, stream, state = "", "", ""
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
		case line[0] == '[' && line[len(line)-1] == ']':
			flush()
			inSection = true
			name = strings.TrimSpace(line[1 : len(line)-1])
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				continue
			}
			switch strings.TrimSpace(k) {
			case "name":
				name = strings.TrimSpace(v)
			case "stream":
				stream = strings.TrimSpace(v)
			case "state":
				state = strings.TrimSpace(v)
			}
		}
	}
	flush()
	return out
}
