package ubuntu

import (
	"regexp"
	"strconv"
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

// BasisKernelName is the key basis of a kernel image whose source was
// inferred from its name and version (ImageSource): a protocol-5 report
// without a Packages index or advisory naming the image.
const BasisKernelName = "kernel-name"

// imageRelease splits an image's release: 5.15.0-91-generic gives 5,
// 15 and the flavour generic.
var imageRelease = regexp.MustCompile(`^(\d+)\.(\d+)\.\d+-\d+-([a-z0-9][a-z0-9-]*)$`)

// ImageSource infers the source package of an Ubuntu kernel image from
// its name and version alone, for a host that reported no source
// (protocol 5) and whose OS group has no Packages index naming it:
//
//   - the flavour is the release's part after the ABI, its sub-flavours
//     (-64k, -lpae) dropped: linux-image-5.15.0-91-generic gives generic,
//     linux-image-unsigned-6.8.0-1017-nvidia-64k gives nvidia;
//   - generic images come from linux; cloud and other flavours from
//     linux-FLAVOUR (linux-aws, linux-azure, linux-gcp, linux-oracle,
//     linux-kvm, linux-raspi, linux-nvidia-lowlatency...); oem ones from
//     linux-oem-X.Y (focal and later name OEM kernels so);
//   - lowlatency images of 5.15 and later come from linux-lowlatency
//     (22.04 and later: the Security API's CVE-2025-21984 names
//     linux-lowlatency for jammy, noble and oracular only, and
//     linux-lowlatency-hwe-5.15 for focal, linux-lowlatency-hwe-5.19...6.8
//     for jammy, linux-lowlatency-hwe-6.11 for noble); older ones from
//     linux, as generic images;
//   - a version with "~" (5.15.0-91.101~20.04.1) is a kernel backported
//     from a later release, whose source carries the kernel's X.Y:
//     linux-hwe-5.15 for generic (linux-lowlatency-hwe-X.Y for lowlatency
//     of 5.15 and later), linux-FLAVOUR-X.Y for the others (linux-nvidia-6.8
//     of USN-7095-1 on 22.04). Except where the releases' data names a
//     rolling source (backportSources): 16.04's backports (linux-hwe,
//     linux-aws-hwe, linux-azure...) and 18.04's generic ones before 5.4
//     (linux-hwe) and azure and gcp ones before 5.3;
//   - 18.04's own GKE kernel (4.15, no "~") comes from linux-gke-4.15.
//
// Edge kernels are not told apart: linux-hwe-edge, linux-azure-edge and
// linux-gcp-edge build images of the same names and X.Y as their rolling
// sources (bionic_linux-hwe-edge "4.18.0-8.9~18.04.1" beside linux-hwe's
// 4.18.0-1x~18.04.1), so such an image is matched as its rolling source's;
// a protocol-6 report or a Packages index names the edge source. "" when
// the binary is no image.
func ImageSource(binary, version string) string {
	m := ubuntuImage.FindStringSubmatch(binary)
	if m == nil || strings.HasSuffix(binary, "-dbgsym") {
		return ""
	}
	r := imageRelease.FindStringSubmatch(m[1])
	if r == nil {
		return ""
	}
	xy, flavour := r[1]+"."+r[2], r[3]
	for _, sub := range []string{"-64k", "-lpae"} {
		flavour = strings.TrimSuffix(flavour, sub)
	}
	_, to, backport := strings.Cut(version, "~")
	if backport {
		if src := backportSource(flavour, to, r[1], r[2]); src != "" {
			return src
		}
	}
	lowlatency := flavour == "lowlatency" && !olderThan(r[1], r[2], 5, 15)
	switch {
	case lowlatency && backport:
		return "linux-lowlatency-hwe-" + xy
	case lowlatency:
		return "linux-lowlatency"
	case flavour == "generic" || flavour == "lowlatency":
		if backport {
			return "linux-hwe-" + xy
		}
		return "linux"
	case flavour == "oem":
		if xy == "4.15" {
			return "linux-oem" // bionic's (retired/CVE-2017-13168 "bionic_linux-oem")
		}
		return "linux-oem-" + xy
	case flavour == "gke" && xy == "4.15" && !backport:
		// bionic's own GKE kernel: active/CVE-2019-15090 "bionic_linux-gke-4.15:
		// released (4.15.0-1041.43)"; bionic_linux-gke is DNE throughout.
		return "linux-gke-4.15"
	case backport:
		return "linux-" + flavour + "-" + xy
	}
	return "linux-" + flavour
}

// backportSource names the rolling source of a kernel backported to an
// older release where the tracker files it so (the 2020 snapshot):
//
//   - to 16.04: generic and lowlatency from linux-hwe ("xenial_linux-hwe:
//     released (4.15.0-96.97~16.04.1)"), aws from linux-aws-hwe
//     ("xenial_linux-aws-hwe: released (4.15.0-1063.67~16.04.1)";
//     xenial's linux-aws is the 4.4 kernel), every other flavour from
//     linux-FLAVOUR ("xenial_linux-azure: released
//     (4.15.0-...~16.04.1)", linux-gcp, linux-oracle: no xenial line names
//     a linux-FLAVOUR-X.Y source);
//   - to 18.04: generic and lowlatency before 5.4 from linux-hwe
//     (retired/CVE-2019-18814 "bionic_linux-hwe: released
//     (5.0.0-23.24~18.04.1)"); azure and gcp before 5.3 from linux-azure
//     and linux-gcp ("bionic_linux-azure: released (...5.0.0-...~18.04.1)",
//     4.18 alike; 5.3 is bionic_linux-azure-5.3, linux-gcp-5.3), while
//     aws, gke and oracle 5.0 have their own (bionic_linux-aws-5.0).
//
// "" when the general rule holds.
func backportSource(flavour, to, major, minor string) string {
	switch {
	case strings.HasPrefix(to, "16.04"):
		switch flavour {
		case "generic", "lowlatency":
			return "linux-hwe"
		case "aws":
			return "linux-aws-hwe"
		}
		return "linux-" + flavour
	case strings.HasPrefix(to, "18.04"):
		switch {
		case (flavour == "generic" || flavour == "lowlatency") && olderThan(major, minor, 5, 4):
			return "linux-hwe"
		case (flavour == "azure" || flavour == "gcp") && olderThan(major, minor, 5, 3):
			return "linux-" + flavour
		}
	}
	return ""
}

// olderThan tells whether kernel major.minor is older than maj.min.
func olderThan(major, minor string, maj, min int) bool {
	a, errA := strconv.Atoi(major)
	b, errB := strconv.Atoi(minor)
	if errA != nil || errB != nil {
		return false
	}
	return a < maj || a == maj && b < min
}
