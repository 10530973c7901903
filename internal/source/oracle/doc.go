// Package oracle is the "oracle" source: Oracle Linux's ELSA OVAL
// (linux.oracle.com/security/oval/com.oracle.elsa-all.xml.bz2, one patch
// definition per ELSA) turned into model.Advisory records, and the
// matching rules of Oracle Linux hosts (Driver, a match.Driver).
//
// Definitions are read with internal/oval in bounded memory and flattened
// (oval.Flatten) into one record per (OS group, binary package, CVE, arch,
// module stream): the OS group from "Oracle Linux N is installed"
// (oraclelinux-release, version pattern "^N") gives oracle:N; "Oracle
// Linux arch is x86_64" restricts the branch's records to that arch
// (Oracle writes a branch per arch, with its own fixed versions: osbuild
// 0:110-1.0.1.el8 on x86_64, 0:110-1.el8 on aarch64); "Module
// virt:kvm_utils is enabled" gives the module stream. The advisory id is
// the ELSA ("ELSA-2023-12342"); severity Oracle's word lower-cased
// (low, moderate, important, critical).
//
// Ksplice: Oracle publishes fixes of its Ksplice user-space builds
// (release "...ksplice1.el8_3") with a criterion "openssl is
// ksplice-based" (release pattern match "ksplice"). The parser drops that
// criterion (the fixed version itself says .ksplice) and the driver
// applies such a record only to an installed Ksplice build, and a plain
// record only to a plain build, as Vuls and Trivy do: the two lines of
// one package do not order against each other.
//
// Kernels: the Red Hat compatible kernel (kernel, kernel-core...) and the
// Unbreakable Enterprise Kernel (kernel-uek, kernel-uek-core, modules;
// uname -r 5.15.0-200.131.27.el8uek.x86_64): only the running one counts
// (rpmmatch.Kernel).
package oracle
