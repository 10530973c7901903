#!/usr/bin/env python3
"""Writes data/uct-bionic.tar.gz: the Ubuntu CVE tracker snapshot of April
2020 (shared/data/feeds/ubuntu/uct-2020-04-active-retired-ignored.tar.gz)
restricted to Ubuntu 18.04 (bionic): every active/, retired/ and ignored/ CVE file
that has a bionic status line, with its header fields (Candidate,
PublicDate, Priority and Priority_PKG, CRD) and its bionic lines (bionic_PKG and the Pro
channels' .../bionic_PKG) kept verbatim, every other line left out (other
releases, descriptions, notes, references). No line is changed or added:
for bionic it is the whole tracker, complete as the snapshot is.
Usage: genuct.py SNAPSHOT OUT"""
import gzip, io, re, sys, tarfile

KEEP = ("Candidate:", "PublicDate:", "PublicDateAtUSN:", "CRD:", "Priority:", "Priority_")
status = re.compile(r"^([A-Za-z0-9/_.+-]+?)_([A-Za-z0-9.+~-]+): ")
src = tarfile.open(sys.argv[1])
buf = io.BytesIO()
out = tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT)
for m in src:
    if not m.isfile() or not m.name.startswith(("active/CVE-", "retired/CVE-", "ignored/CVE-")):
        continue
    lines, bionic = [], False
    for l in src.extractfile(m).read().decode("utf-8").split("\n"):
        s = status.match(l)
        if l.startswith(KEEP):
            lines.append(l)
        elif s:
            if s.group(1) == "bionic" or s.group(1).endswith("/bionic"):
                bionic = True
                lines.append(l)
    if not bionic:
        continue
    b = ("\n".join(lines) + "\n").encode()
    ti = tarfile.TarInfo(m.name)
    ti.size, ti.mtime, ti.mode = len(b), m.mtime, 0o644
    out.addfile(ti, io.BytesIO(b))
out.close()
with open(sys.argv[2], "wb") as f:
    f.write(gzip.compress(buf.getvalue(), 9, mtime=0))
