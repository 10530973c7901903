package collect

import (
	"bufio"
	"bytes"
	"context"
	"os/exec"
	"regexp"
	"strings"
	"time"
)

// osInfo is what the report says about the operating system.
type osInfo struct {
	System    string // system header, the Perl client's way
	ID        string // os-release ID (protocol 6 os-id)
	VersionID string // os-release VERSION_ID (protocol 6 os-version-id)
}

// osReleasePaths are where os-release(5) says to look, in order.
var osReleasePaths = []string{"/etc/os-release", "/usr/lib/os-release"}

// readOSInfo finds the system header by the Perl client's rules: the
// contents of /etc/redhat-release or /etc/fedora-release when present
// (e.g. "Rocky Linux release 9.4 (Blue Onyx)"), else os-release's NAME and
// VERSION_ID ("Debian GNU/Linux 12", "Ubuntu 22.04", "Alpine Linux
// 3.20.2"), else the first line of /etc/SuSE-release that names SuSE, else
// lsb_release's distributor ID and release (running system only). Each is
// cleaned with Strip. An empty file counts as absent. os-release's ID and
// VERSION_ID are returned for protocol 6 whichever source gave the system.
func readOSInfo(ctx context.Context, fsys rootFS) osInfo {
	var info osInfo
	var osr map[string]string
	for _, p := range osReleasePaths {
		if data, err := fsys.readFile(p); err == nil {
			osr = parseOSRelease(data)
			break
		}
	}
	info.ID = Strip(osr["ID"])
	info.VersionID = Strip(osr["VERSION_ID"])

	for _, p := range []string{"/etc/redhat-release", "/etc/fedora-release"} {
		if !fsys.isFile(p) {
			continue
		}
		if data, err := fsys.readFile(p); err == nil {
			if s := Strip(string(data)); s != "" {
				info.System = s
				return info
			}
		}
	}
	if name := osr["NAME"]; name != "" {
		s := name
		if v := osr["VERSION_ID"]; v != "" {
			s += " " + v
		}
		if s = Strip(s); s != "" {
			info.System = s
			return info
		}
	}
	if data, err := fsys.readFile("/etc/SuSE-release"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if strings.Contains(strings.ToLower(line), "suse") {
				if s := Strip(line); s != "" {
					info.System = s
					return info
				}
			}
		}
	}
	if fsys.live() {
		info.System = lsbRelease(ctx)
	}
	return info
}

// parseOSRelease reads os-release(5) assignments: KEY=value, the value
// unquoted, or in single or double quotes (in double quotes, a backslash
// escapes $ " \ and `). Comments and lines that are not assignments are
// skipped.
func parseOSRelease(data []byte) map[string]string {
	m := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		k = strings.TrimSpace(k)
		if k == "" || strings.ContainsAny(k, " \t") {
			continue
		}
		m[k] = unquoteShell(strings.TrimSpace(v))
	}
	return m
}

// unquoteShell removes the shell quoting of one os-release value.
func unquoteShell(v string) string {
	if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
		return v[1 : len(v)-1]
	}
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
		var b strings.Builder
		for i := 0; i < len(v); i++ {
			if v[i] == '\\' && i+1 < len(v) && strings.IndexByte("$\"\\`", v[i+1]) >= 0 {
				i++
			}
			b.WriteByte(v[i])
		}
		return b.String()
	}
	return v
}

var (
	lsbIDRe      = regexp.MustCompile(`^Distributor\s+ID\s*:\s+(\S+?)\s*$`)
	lsbReleaseRe = regexp.MustCompile(`^Release\s*:\s+(\S+?)\s*$`)
)

// lsbRelease runs lsb_release -i and -r as the Perl client does and
// returns "ID RELEASE", or "" when either is missing.
func lsbRelease(ctx context.Context) string {
	cmd := findCommand("", "lsb_release")
	if cmd == "" {
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var parts []string
	for _, arg := range []string{"-i", "-r"} {
		out, err := exec.CommandContext(ctx, cmd, arg).Output()
		if err != nil {
			return ""
		}
		re := lsbIDRe
		if arg == "-r" {
			re = lsbReleaseRe
		}
		m := re.FindStringSubmatch(Strip(string(out)))
		if m == nil {
			return ""
		}
		parts = append(parts, Strip(m[1]))
	}
	return strings.Join(parts, " ")
}
