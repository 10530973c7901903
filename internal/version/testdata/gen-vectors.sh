#!/usr/bin/env bash
# Regenerates the version-ordering vectors of package internal/version by
# asking the real tools, so that the Go implementation is checked against
# them and not against our own reading of the rules.
#
#   internal/version/testdata/gen-vectors.sh [deb] [rpm] [apk]
#
# Writes testdata/deb.tsv, rpm.tsv, apk.tsv and the fuzz seed corpora
# testdata/fuzz/FuzzCompare{Deb,Rpm,Apk}/vec-*. The random choices use a fixed
# seed, so re-running with the same tools and inputs reproduces the files
# (only the "generated:" date line changes; set SOURCE_DATE_EPOCH to pin it).
#
# Needs: python3; dpkg (deb); rpm with its Lua interpreter, Debian package
# "rpm" (rpm); apk-tools' apk (apk), which Debian does not package -- without
# it apk.tsv is built from apk-tools' own test list, apk-tools-version.data.
#
# Inputs:
#   INVENTORIES      folder of *.pakiti5.txt reports (default
#                    /work/shared/data/inventories); their versions, by
#                    "packager:" header, feed the deb, rpm and apk pools.
#   pool-dpkg-query.txt  snapshot of this machine's dpkg-query versions; made on
#                    first run, re-taken with REFRESH=1.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
inventories=${INVENTORIES:-/work/shared/data/inventories}

if [[ ! -d $inventories ]]; then
	echo "gen-vectors: inventories folder $inventories not found (set INVENTORIES)" >&2
	exit 1
fi

schemes=("$@")
[[ ${#schemes[@]} -gt 0 ]] || schemes=(deb rpm apk)
for s in "${schemes[@]}"; do
	case $s in
	deb) command -v dpkg >/dev/null || { echo "gen-vectors: dpkg not found" >&2; exit 1; } ;;
	rpm)
		command -v rpm >/dev/null || { echo "gen-vectors: rpm not found (apt-get install rpm)" >&2; exit 1; }
		[[ $(rpm --eval '%{lua: print(rpm.vercmp("1.0", "1.0~rc1"))}') == 1 ]] ||
			{ echo "gen-vectors: rpm has no working rpm.vercmp in Lua" >&2; exit 1; }
		;;
	apk) command -v apk >/dev/null || echo "gen-vectors: no apk binary; apk.tsv comes from apk-tools-version.data" >&2 ;;
	*) echo "gen-vectors: unknown scheme $s (deb, rpm, apk)" >&2; exit 2 ;;
	esac
done

refresh=()
[[ ${REFRESH:-} == 1 ]] && refresh=(--refresh)

exec python3 "$here/gen_vectors.py" --out "$here" --inventories "$inventories" "${refresh[@]}" "${schemes[@]}"
