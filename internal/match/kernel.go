package match

import (
	"regexp"
	"strings"
)

// Only the running kernel counts (protocol.md): a host may keep several
// kernel images installed, but only the one it booted is exposed.

// debImage matches Debian/Ubuntu kernel image packages named for the
// release uname -r prints: linux-image-6.1.0-26-amd64 (and -unsigned).
var debImage = regexp.MustCompile(`^linux-image-(\d[^ ]*?)(?:-unsigned)?$`)

// kernelClass says how a package of a kernel source counts.
type kernelClass int

const (
	notKernel     kernelClass = iota // an ordinary package: counts
	kernelImage                      // counts only on hosts running it
	kernelSupport                    // headers, libc-dev, tools, meta packages: never counted
)

// classifyDeb classifies a Debian-family package, given the source it was
// matched as. It returns the kernel release of an image.
func classifyDeb(binary, source string) (kernelClass, string) {
	if m := debImage.FindStringSubmatch(binary); m != nil {
		return kernelImage, m[1]
	}
	if source == "linux" || strings.HasPrefix(source, "linux-signed") {
		return kernelSupport, ""
	}
	return notKernel, ""
}
