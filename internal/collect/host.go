package collect

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"
)

// fqdnTimeout bounds the name lookup that turns a short host name into a
// fully qualified one.
const fqdnTimeout = 2 * time.Second

// hostName returns the host header: explicit (--host) when given, else,
// for the running system, what `hostname --fqdn` prints, else (under a root
// directory) the first line of ROOT/etc/hostname. Each is cleaned with Strip.
func hostName(ctx context.Context, fsys rootFS, explicit string) (string, error) {
	if explicit != "" {
		if h := Strip(explicit); h != "" {
			return h, nil
		}
		return "", errors.New("the host name given is empty")
	}
	if !fsys.live() {
		data, err := fsys.readFile("/etc/hostname")
		if err == nil {
			if h := Strip(firstLine(string(data))); h != "" {
				return h, nil
			}
		}
		return "", fmt.Errorf("cannot tell the host name of %s (no %s): give one with --host", fsys.root, fsys.display("/etc/hostname"))
	}
	return liveFQDN(ctx)
}

// liveFQDN does what `hostname --fqdn` does: the kernel's host name, made
// canonical by the resolver (/etc/hosts first, then DNS with the search
// domains, as /etc/nsswitch.conf orders them). A name that already has a
// dot is kept as is; a lookup that fails or takes longer than fqdnTimeout
// leaves the short name.
func liveFQDN(ctx context.Context) (string, error) {
	h, err := os.Hostname()
	if err != nil {
		return "", fmt.Errorf("cannot tell the host name: %w", err)
	}
	h = Strip(h)
	if h == "" {
		return "", errors.New("cannot tell the host name: it is empty; give one with --host")
	}
	if strings.Contains(h, ".") {
		return h, nil
	}
	ctx, cancel := context.WithTimeout(ctx, fqdnTimeout)
	defer cancel()
	cname, err := net.DefaultResolver.LookupCNAME(ctx, h)
	if err != nil {
		return h, nil
	}
	if c := Strip(strings.TrimSuffix(cname, ".")); c != "" {
		return c, nil
	}
	return h, nil
}
