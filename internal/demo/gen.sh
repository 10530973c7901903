#!/usr/bin/env bash
# Rebuilds the demo bundle in data/ from the project's shared real data
# (../shared beside the repository). Run from this folder.
set -euo pipefail
shared=${SHARED:-../../../shared}
feeds=$shared/data/feeds/debian
inv=$shared/data/inventories
cp "$feeds/DSA-list.txt.gz" "$feeds/DLA-list.txt.gz" data/
cp "$feeds/tracker-json-excerpts/vuls-data-update_advisory.json" data/tracker-vuls-data-update.json
cp "$feeds/tracker-json-excerpts/vulnerablecode_debian.json" data/tracker-vulnerablecode.json
cp "$inv/debian-11/viking-db/viking-db.pakiti5.txt" data/report-debian11.txt
cp "$inv/debian-12/langflow-backend-image/langflow-backend-image.pakiti5.txt" data/report-debian12.txt
cp "$inv/ubuntu-22.04/linux-check-diff/linux-check-diff.pakiti5.txt" data/report-ubuntu2204.txt
cp ../../test/e2e/testdata/bullseye-p6.report data/report-debian11-p6.txt
# The stanzas of the bullseye Packages indexes for the binaries the demo
# hosts have (the binary -> source map of protocol-5 reports).
names=$(cut -f1 data/report-debian11.txt | grep -v '^#\|:' | sort -u)
for f in bullseye_main_binary-amd64_Packages.gz bullseye-security_main_binary-amd64_Packages.gz; do
  zcat "$feeds/apt-bullseye/$f"
done | awk -v names="$names" 'BEGIN { n = split(names, a, "\n"); for (i = 1; i <= n; i++) want[a[i]] = 1 }
  /^Package: / { keep = ($2 in want) }
  keep { print }
  /^$/ { keep = 0 }' | gzip -9n > data/bullseye_demo_binary-amd64_Packages.gz
# Ubuntu 18.04: the April 2020 tracker snapshot restricted to bionic, and
# the fanal inventory over protocols 5 and 6 (pakiti-client built first:
# go build -o /tmp/pakiti-client ../../cmd/pakiti-client).
client=${CLIENT:-/tmp/pakiti-client}
python3 genuct.py "$shared/data/feeds/ubuntu/uct-2020-04-active-retired-ignored.tar.gz" data/uct-bionic.tar.gz
cp "$inv/ubuntu-18.04/fanal-testdata-dpkg/fanal-testdata-dpkg.pakiti5.txt" data/report-ubuntu1804.txt
root=$(mktemp -d)
mkdir -p "$root/var/lib/dpkg" "$root/etc"
cp "$inv/ubuntu-18.04/fanal-testdata-dpkg/status" "$root/var/lib/dpkg/status"
cp ../../test/e2e/testdata/bionic-os-release "$root/etc/os-release"
"$client" --root "$root" --host bionic-p6.example.org --site INVENTORIES --protocol 6 --output data/report-ubuntu1804-p6.txt
# Alpine 3.10: the branch's secdb of 2020 and the Kobo rootfs over protocol 6.
cp "$shared/data/feeds/alpine/secdb-yaml-2020/v3.10/main.yaml" data/alpine-v3.10-main.yaml
cp "$shared/data/feeds/alpine/secdb-yaml-2020/v3.10/community.yaml" data/alpine-v3.10-community.yaml
root=$(mktemp -d)
mkdir -p "$root/lib/apk/db" "$root/etc"
cp "$inv/alpine-3.10/kobo-xorg-base-rootfs/installed" "$root/lib/apk/db/installed"
cp "$inv/alpine-3.10/kobo-xorg-base-rootfs/os-release" "$root/etc/os-release"
"$client" --root "$root" --host inv-alpine310-a.example.org --site INVENTORIES --protocol 6 --output data/report-alpine310-p6.txt
chmod 644 data/*
