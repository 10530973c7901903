//go:build !linux

package collect

import "errors"

// uname is only implemented for Linux, the systems Pakiti watches.
func uname() (unameInfo, error) {
	return unameInfo{}, errors.New("uname is only supported on Linux")
}
