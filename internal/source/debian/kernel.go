package debian

import (
	"regexp"
	"strings"

	"github.com/pakiti-go/pakiti/internal/match"
)

// debImage matches Debian/Ubuntu kernel image packages named for the
// release uname -r prints: linux-image-6.1.0-26-amd64 (and -unsigned).
var debImage = regexp.MustCompile(`^linux-image-(\d[^ ]*?)(?:-unsigned)?$`)

// classify classifies a Debian-family package, given the source it is
// keyed as. It returns the kernel release of an image.
func classify(binary, source string) (match.KernelClass, string) {
	if m := debImage.FindStringSubmatch(binary); m != nil {
		return match.KernelImage, m[1]
	}
	if source == "linux" || strings.HasPrefix(source, "linux-signed") {
		return match.KernelSupport, ""
	}
	return match.NotKernel, ""
}
