package collect

import (
	"encoding/json"
	"errors"
	"io/fs"
	"sort"

	"github.com/pakiti-go/pakiti/internal/report"
)

// Ubuntu Pro. The Pro client (ubuntu-advantage-tools; ubuntu-pro-client
// keeps the same files) caches `pro status --format json` in
// /var/lib/ubuntu-advantage/status.json, world-readable, refreshed by its
// timer and every pro command. Of it the client reads only:
//
//	"attached": true|false
//	"services": [{"name": "esm-infra", "status": "enabled"}, ...]
//
// (status is "enabled", "disabled", "n/a" or "warning"; real files, as
// ubuntu-advantage-tools 27.6 wrote them, are in testdata/pro). The
// machine token, root-only, exists only on an attached machine.
const (
	proStatusFile   = "/var/lib/ubuntu-advantage/status.json"
	proMachineToken = "/var/lib/ubuntu-advantage/private/machine-token.json"
)

// proStatus is the part of status.json the client reads.
type proStatus struct {
	Attached bool `json:"attached"`
	Services []struct {
		Name   string `json:"name"`
		Status string `json:"status"`
	} `json:"services"`
}

// proServices reads the enabled Ubuntu Pro services of a dpkg system
// (sorted), for the pro: header: none when it is not attached or has no
// service enabled. known is false when the system does not say: no
// status.json though a machine token is there (attached, status not yet
// written), a status.json that cannot be read (warned about), or neither
// file on a system that is not Ubuntu (os-release ID); an Ubuntu system
// with neither file is not attached.
func proServices(fsys rootFS, ubuntu bool, o *Options) (services []string, known bool) {
	data, err := fsys.readFile(proStatusFile)
	if errors.Is(err, fs.ErrNotExist) {
		if !ubuntu {
			return nil, false
		}
		if fsys.exists(proMachineToken) {
			o.debugf("%s: missing, but a machine token is there: Pro state not said", fsys.display(proStatusFile))
			return nil, false
		}
		return nil, true
	}
	if err != nil {
		o.warnf("pro: %v", err)
		return nil, false
	}
	services, err = parseProStatus(data)
	if err != nil {
		o.warnf("pro: %s: %v", fsys.display(proStatusFile), err)
		return nil, false
	}
	o.debugf("%s: %d enabled Pro services", fsys.display(proStatusFile), len(services))
	return services, true
}

// parseProStatus returns the enabled services of a status.json, sorted;
// none when the machine is not attached. Service names the pro: header
// cannot carry are left out.
func parseProStatus(data []byte) ([]string, error) {
	var st proStatus
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, err
	}
	if !st.Attached {
		return nil, nil
	}
	var out []string
	seen := map[string]bool{}
	for _, s := range st.Services {
		if s.Status != "enabled" || seen[s.Name] {
			continue
		}
		if _, known, err := report.ParsePro(s.Name); err != nil || !known || s.Name == report.ProNone {
			continue
		}
		seen[s.Name] = true
		out = append(out, s.Name)
	}
	sort.Strings(out)
	return out, nil
}
