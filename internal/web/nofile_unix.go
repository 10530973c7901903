//go:build unix

package web

import "syscall"

// OpenFileLimit returns the process's soft limit on open files (0 when
// it cannot be read). Go raises the soft limit to the hard one at start.
func OpenFileLimit() uint64 {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0
	}
	return uint64(rl.Cur) //nolint:unconvert // int64 on some systems
}
