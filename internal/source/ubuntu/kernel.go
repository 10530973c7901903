package ubuntu

import (
	"regexp"
	"strings"
)

// Ubuntu builds its kernels from many source packages: linux (the
// release's own), linux-hwe-5.4 and other hardware-enablement kernels,
// cloud kernels (linux-aws, linux-azure, linux-gcp, linux-oracle...),
// linux-lowlatency, linux-raspi... Their images on amd64 and arm64 come
// from a signed twin (linux-signed, linux-signed-hwe-5.4, ...) whose
// version is the unsigned source's; the tracker files kernel CVEs under
// the unsigned source. Meta packages (linux-generic, linux-image-generic,
// source linux-meta*) only pull in the newest image.

// KernelRole says how an installed package of an Ubuntu host counts for
// kernel CVEs.
type KernelRole int

const (
	// NotKernel is an ordinary package: matched like any other.
	NotKernel KernelRole = iota
	// RunningImage is the kernel image the host booted: its source's
	// records apply.
	RunningImage
	// OtherImage is an installed image the host does not run: not exposed.
	OtherImage
	// KernelSupport is a package of a kernel source that runs no kernel
	// code: headers, modules, tools, linux-libc-dev, meta packages. The
	// kernel source's records never apply to it (the running image
	// carries them).
	KernelSupport
)

func (r KernelRole) String() string {
	return [...]string{"not-kernel", "running-image", "other-image", "kernel-support"}[r]
}

// Kernel is what ClassifyKernel tells of one installed package.
type Kernel struct {
	Role KernelRole
	// Release is the kernel release an image boots, as uname -r prints it
	// ("5.4.0-150-generic"); images only.
	Release string
	// Source is the source package whose records apply to an image:
	// its own source with signing undone (linux-signed-hwe-5.4 gives
	// linux-hwe-5.4). Empty when the image's source is not known (a
	// protocol-5 report before the Packages index is loaded): the image's
	// name does not tell linux from linux-hwe-5.4.
	Source string
}

// ubuntuImage matches the kernel image binaries: linux-image-RELEASE
// (signed, or unsigned on architectures without signing) and
// linux-image-unsigned-RELEASE, RELEASE starting with a digit.
var ubuntuImage = regexp.MustCompile(`^linux-image-(?:unsigned-)?(\d+\.\d+[^ ]*)$`)

// kernelABI finds a kernel ABI in a binary's name (linux-headers-5.4.0-150,
// linux-modules-5.15.0-1051-aws, linux-hwe-5.4-tools-5.4.0-150).
var kernelABI = regexp.MustCompile(`-\d+\.\d+(?:\.\d+)?-\d+`)

// kernelBinaryPrefixes start only binaries built from kernel sources.
var kernelBinaryPrefixes = []string{
	"linux-image-", "linux-headers-", "linux-modules-", "linux-tools-",
	"linux-cloud-tools-", "linux-buildinfo-", "linux-objects-", "linux-signatures-",
}

// kernelBinaries are the flavour-less binaries of the linux source.
var kernelBinaries = map[string]bool{
	"linux-libc-dev": true, "linux-doc": true, "linux-source": true,
	"linux-tools-common": true, "linux-cloud-tools-common": true, "linux-tools-host": true,
}

// ClassifyKernel tells how an installed binary counts on a host running
// the kernel running (uname -r): the running image, another image, a
// kernel support package, or no kernel package at all. source is the
// binary's source package ("" when unknown).
func ClassifyKernel(binary, source, running string) Kernel {
	if m := ubuntuImage.FindStringSubmatch(binary); m != nil && !strings.HasSuffix(binary, "-dbgsym") {
		k := Kernel{Role: OtherImage, Release: m[1], Source: UnsignedSource(source)}
		if m[1] == strings.TrimSpace(running) {
			k.Role = RunningImage
		}
		return k
	}
	if isKernelSupport(binary, source) {
		return Kernel{Role: KernelSupport}
	}
	return Kernel{Role: NotKernel}
}

func isKernelSupport(binary, source string) bool {
	if kernelBinaries[binary] || strings.HasPrefix(binary, "linux-source-") {
		return true
	}
	for _, p := range kernelBinaryPrefixes {
		if strings.HasPrefix(binary, p) {
			return true
		}
	}
	switch {
	case source == "linux", strings.HasPrefix(source, "linux-signed"),
		strings.HasPrefix(source, "linux-meta"), strings.HasPrefix(source, "linux-restricted-modules"):
		return true
	}
	// linux-hwe-5.4-headers-5.4.0-150 and the like: a kernel source's
	// binary with the ABI in its name. linux-firmware, linux-atm... have
	// no ABI and stay ordinary packages.
	if strings.HasPrefix(source, "linux-") && strings.HasPrefix(binary, "linux-") && kernelABI.MatchString(binary) {
		return true
	}
	// The flavour-less tools of a kernel source, named after it:
	// linux-nvidia-lowlatency-tools-host (USN-7095-1),
	// linux-hwe-5.4-tools-common, linux-azure-cloud-tools-common.
	if rest, ok := strings.CutPrefix(binary, source+"-"); ok && strings.HasPrefix(source, "linux-") {
		for _, p := range []string{"tools-", "cloud-tools-", "headers-", "source-", "doc"} {
			if strings.HasPrefix(rest, p) {
				return true
			}
		}
	}
	return false
}

// UnsignedSource maps a signed kernel source to the source the tracker
// files its CVEs under: linux-signed gives linux, linux-signed-hwe-5.4
// gives linux-hwe-5.4, linux-signed-azure gives linux-azure; any other
// name is returned as is.
func UnsignedSource(source string) string {
	if source == "linux-signed" {
		return "linux"
	}
	if rest, ok := strings.CutPrefix(source, "linux-signed-"); ok && rest != "" {
		return "linux-" + rest
	}
	return source
}
