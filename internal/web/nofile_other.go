//go:build !unix

package web

// OpenFileLimit returns 0: this system has no open-file limit to read.
func OpenFileLimit() uint64 { return 0 }
