#!/usr/bin/env python3
"""Write what `rpm -qa --queryformat RPMQueryFormat` prints for a host whose
packages a vuls scan result or a snyk rpm-parser fixture lists.

  rpmqa_from_json.py vuls FILE.json > rpm-qa.txt
  rpmqa_from_json.py snyk FILE.json > rpm-qa.txt

Columns: NAME, EPOCH:VERSION-RELEASE ("(none)" for no epoch, as rpm prints
it), ARCH ("(none)" when absent, as rpm prints it for gpg-pubkey), SOURCERPM.
vuls: SOURCERPM is NAME-VERSION-RELEASE.src.rpm of the SrcPackages entry
whose binaryNames hold the package ("(none)" when none does, e.g.
gpg-pubkey). snyk fixtures carry no source: SOURCERPM is "(none)" for
every package. Lines come in the JSON's order (rpm -qa is unsorted too).
"""
import json
import sys


def evr(epoch, version, release):
    return "%s:%s-%s" % ("(none)" if epoch in (None, "") else epoch, version, release)


def vuls(d):
    src = {}
    for s in (d.get("SrcPackages") or {}).values():
        ver = s["version"].split(":", 1)[-1]  # a file name has no epoch
        for b in s.get("binaryNames") or []:
            src[b] = "%s-%s.src.rpm" % (s["name"], ver)
    for p in d["packages"].values():
        ver, epoch = p["version"], None
        if ":" in ver:
            epoch, ver = ver.split(":", 1)
        yield p["name"], evr(epoch, ver, p["release"]), p.get("arch") or "(none)", src.get(p["name"], "(none)")


def snyk(d):
    for p in d:
        yield p["name"], evr(p.get("epoch"), p["version"], p["release"]), p.get("arch") or "(none)", "(none)"


def main():
    kind, path = sys.argv[1], sys.argv[2]
    with open(path, encoding="utf-8") as fh:
        d = json.load(fh)
    for cols in {"vuls": vuls, "snyk": snyk}[kind](d):
        sys.stdout.write("\t".join(cols) + "\n")


if __name__ == "__main__":
    main()
