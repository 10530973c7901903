package collect

import "syscall"

// uname returns what `uname -r` and `uname -m` print.
func uname() (unameInfo, error) {
	var u syscall.Utsname
	if err := syscall.Uname(&u); err != nil {
		return unameInfo{}, err
	}
	return unameInfo{release: Strip(utsString(u.Release[:])), machine: Strip(utsString(u.Machine[:]))}, nil
}

// utsString converts a NUL-terminated utsname field (int8 or uint8 on
// different architectures) to a string.
func utsString[T int8 | uint8](f []T) string {
	b := make([]byte, 0, len(f))
	for _, c := range f {
		if c == 0 {
			break
		}
		b = append(b, byte(c))
	}
	return string(b)
}
