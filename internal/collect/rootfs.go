package collect

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// rootFS reads the files of the system under inspection. For the running
// system (root "/") paths are used as they are. Under a root directory,
// symbolic links are resolved as a chroot would see them: an absolute link
// target such as /usr/lib/os-release or /run (the usual targets of
// /etc/os-release and /var/run) names a file inside the root, never one of
// the machine running the client.
type rootFS struct {
	root string // "/" for the running system, else a cleaned directory
}

func newRootFS(root string) rootFS {
	if root == "" {
		return rootFS{root: "/"}
	}
	return rootFS{root: filepath.Clean(root)}
}

func (r rootFS) live() bool { return r.root == "/" }

// maxLinks bounds symbolic link resolution, as the kernel's ELOOP does.
const maxLinks = 40

// path returns the machine's path for name, an absolute path inside the
// inspected system. A missing component ends resolution early: the
// returned path then simply does not exist.
func (r rootFS) path(name string) (string, error) {
	name = path.Clean("/" + name)
	if r.live() {
		return name, nil
	}
	rest := strings.Split(strings.TrimPrefix(name, "/"), "/")
	resolved := "/"
	links := 0
	for len(rest) > 0 {
		part := rest[0]
		rest = rest[1:]
		switch part {
		case "", ".":
			continue
		case "..":
			resolved = path.Dir(resolved)
			continue
		}
		next := path.Join(resolved, part)
		fi, err := os.Lstat(filepath.Join(r.root, filepath.FromSlash(next)))
		if err != nil {
			// Missing (or unreadable): nothing below it can be resolved.
			resolved = path.Join(append([]string{next}, rest...)...)
			rest = nil
			continue
		}
		if fi.Mode()&os.ModeSymlink == 0 {
			resolved = next
			continue
		}
		links++
		if links > maxLinks {
			return "", fmt.Errorf("%s: too many levels of symbolic links under %s", name, r.root)
		}
		target, err := os.Readlink(filepath.Join(r.root, filepath.FromSlash(next)))
		if err != nil {
			return "", err
		}
		if path.IsAbs(target) {
			resolved = "/"
		}
		rest = append(strings.Split(target, "/"), rest...)
	}
	return filepath.Join(r.root, filepath.FromSlash(resolved)), nil
}

// readFile reads name from the inspected system.
func (r rootFS) readFile(name string) ([]byte, error) {
	p, err := r.path(name)
	if err != nil {
		return nil, err
	}
	return os.ReadFile(p)
}

// open opens name in the inspected system.
func (r rootFS) open(name string) (*os.File, error) {
	p, err := r.path(name)
	if err != nil {
		return nil, err
	}
	return os.Open(p)
}

// isFile reports whether name is a regular file (after links), like Perl's -f.
func (r rootFS) isFile(name string) bool {
	p, err := r.path(name)
	if err != nil {
		return false
	}
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// exists reports whether name exists at all.
func (r rootFS) exists(name string) bool {
	p, err := r.path(name)
	if err != nil {
		return false
	}
	_, err = os.Stat(p)
	return err == nil || !errors.Is(err, os.ErrNotExist)
}

// display names a path of the inspected system in messages.
func (r rootFS) display(name string) string {
	if r.live() {
		return name
	}
	return filepath.Join(r.root, filepath.FromSlash(name))
}
