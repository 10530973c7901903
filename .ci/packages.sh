#!/usr/bin/env bash
# CI: the release and its packages (issue 15). Builds the release twice and
# compares the checksums (reproducible builds); installs the client and
# server .deb, runs the client's systemd service once against a local
# `pakiti serve` and finds the host through the API, then purges both and
# checks that nothing is left; inspects the .rpm and installs it into a
# scratch root; builds the container image where a builder runs; lints the
# Puppet and Ansible files. Run as root from the repository root on Debian
# (.ci/run calls it).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== packages: %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

work=$(mktemp -d /tmp/pakiti-ci-pkg.XXXXXX)
chmod 755 "$work"   # the unprivileged server and client below reach into it
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  # After a failure: leave the machine as it was.
  dpkg -P pakiti-client pakiti >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

step "tools"
need=()
command -v rpm >/dev/null || need+=(rpm)
command -v curl >/dev/null || need+=(curl)
command -v setpriv >/dev/null || need+=(util-linux)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
# The linters, when Debian has them (puppet-lint and ansible-lint are in
# Debian 12); failing to install them is not a failure, a syntax check or a
# YAML parse (go test ./tools/release) stands in.
for p in puppet-lint ansible-lint; do
  command -v "$p" >/dev/null ||
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$p" >/dev/null 2>&1 ||
    echo "($p is not installable here)"
done

step "release, twice: the same SHA256SUMS"
go build -o "$work/release" ./tools/release
"$work/release" -out "$work/dist"
"$work/release" -out "$work/dist2" 2>/dev/null
if ! cmp "$work/dist/SHA256SUMS" "$work/dist2/SHA256SUMS"; then
  diff "$work/dist/SHA256SUMS" "$work/dist2/SHA256SUMS" || true
  fail "two release builds of the same commit differ"
fi
(cd "$work/dist" && sha256sum --quiet -c SHA256SUMS)
ls -l "$work/dist"
dist=$work/dist
one() { # one file matching the pattern in dist
  local m=("$dist"/$1)
  [ ${#m[@]} -eq 1 ] && [ -f "${m[0]}" ] || fail "want one file $1 in the release, have: ${m[*]}"
  echo "${m[0]}"
}
client_deb=$(one 'pakiti-client_*_amd64.deb')
server_deb=$(one 'pakiti_*_amd64.deb')
client_rpm=$(one 'pakiti-client-*.x86_64.rpm')
server_rpm=$(one 'pakiti-[0-9]*.x86_64.rpm')
one 'pakiti-client_*_arm64.deb' >/dev/null
one 'pakiti-client-*.aarch64.rpm' >/dev/null
one 'pakiti_*_arm64.deb' >/dev/null
one 'pakiti-[0-9]*.aarch64.rpm' >/dev/null
one 'pakiti-client_*_linux_amd64.tar.gz' >/dev/null
one 'pakiti-client_*_linux_arm64.tar.gz' >/dev/null
grep -q '"specVersion": "1.5"' "$(one sbom.cdx.json)" || fail "sbom.cdx.json is not CycloneDX 1.5"
[ "$(dpkg-deb -f "$(one 'pakiti-client_*_arm64.deb')" Architecture)" = arm64 ] || fail "arm64 .deb is not arm64"
[ "$(rpm -qp --qf '%{ARCH}' "$(one 'pakiti-client-*.aarch64.rpm')")" = aarch64 ] || fail "aarch64 .rpm is not aarch64"

step "relocatable client: runs from any directory"
mkdir "$work/cvmfs"
tar -xzf "$(one 'pakiti-client_*_linux_amd64.tar.gz')" -C "$work/cvmfs"
reloc=$(echo "$work"/cvmfs/pakiti-client-*/bin/pakiti-client)
"$reloc" --version | grep -q '^pakiti-client [0-9][^ ]* (commit [0-9a-f]\{40\}' || fail "relocatable client --version: $("$reloc" --version)"
(cd / && "$reloc" --config= --host reloc.example.org | grep -q '^host: reloc.example.org$') || fail "relocatable client does not report"

step "deb: upgrade a stand-in of the Perl client, then install the server"
# The Perl client's Debian package (CESNET/pakiti-client, 3.0.4): same name,
# same paths. This stand-in is constructed (a shell script, not the Perl
# client) only to show that dpkg upgrades it in place.
perl_root=$work/perl-client
mkdir -p "$perl_root/DEBIAN" "$perl_root/usr/bin" "$perl_root/usr/share/man/man1"
printf '#!/bin/sh\necho perl client stand-in\n' >"$perl_root/usr/bin/pakiti-client"
chmod 755 "$perl_root/usr/bin/pakiti-client"
printf '.TH PAKITI-CLIENT 1\n' | gzip -9n >"$perl_root/usr/share/man/man1/pakiti-client.1.gz"
printf 'Package: pakiti-client\nVersion: 3.0.4\nArchitecture: all\nMaintainer: CI <ci@example.org>\nDescription: stand-in of the Perl pakiti-client 3.0.4\n' >"$perl_root/DEBIAN/control"
dpkg-deb --root-owner-group -b "$perl_root" "$work/pakiti-client_3.0.4_all.deb" >/dev/null
dpkg -i "$work/pakiti-client_3.0.4_all.deb" >/dev/null
dpkg -i "$client_deb" "$server_deb"
version=$(dpkg-query -W -f '${Version}' pakiti-client)
case "$version" in 3.0.4) fail "pakiti-client was not upgraded";; esac
/usr/bin/pakiti-client --version
/usr/bin/pakiti --version
dpkg-query -L pakiti-client pakiti | sort >"$work/installed-files"
dpkg-query -W -f '${Conffiles}\n' pakiti-client | grep -q '/etc/pakiti/client.conf' || fail "client.conf is not a conffile"
if command -v systemd-analyze >/dev/null; then
  systemd-analyze verify /usr/lib/systemd/system/pakiti-client.service /usr/lib/systemd/system/pakiti-client.timer /usr/lib/systemd/system/pakiti.service ||
    echo "(systemd-analyze verify complained: see above)"
fi

step "a local pakiti serve, and the client's service run once against it"
port=18080
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
# The server runs as an unprivileged user, as its unit's DynamicUser does.
uid=61184
install -d -o "$uid" -g "$uid" "$work/state"
setpriv --reuid="$uid" --regid="$uid" --clear-groups --no-new-privs \
  /usr/bin/pakiti serve --db "sqlite:$work/state/pakiti.db" --listen "127.0.0.1:$port" --update-every 0 \
  >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
curl -fs "http://127.0.0.1:$port/healthz" >/dev/null || { cat "$work/server.log"; fail "pakiti serve did not come up"; }
cat >/etc/pakiti/client.conf <<CONF
url = http://127.0.0.1:$port/feed/
site = CI-PACKAGES
CONF
unit=/usr/lib/systemd/system/pakiti-client.service
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  systemctl start pakiti-client.service || { journalctl -u pakiti-client --no-pager | tail -20; fail "systemctl start pakiti-client.service"; }
else
  # No systemd here: the unit's ExecCondition and ExecStart, as its user.
  # DynamicUser=yes: an unprivileged uid without a passwd entry, no groups.
  grep -q '^DynamicUser=yes$' "$unit" || fail "the client unit has no DynamicUser=yes"
  cond=$(sed -n 's/^ExecCondition=//p' "$unit")
  start=$(sed -n 's/^ExecStart=//p' "$unit")
  echo "systemd is not running: $start (as uid $((uid + 1)))"
  setpriv --reuid=$((uid + 1)) --regid=$((uid + 1)) --clear-groups --no-new-privs \
    sh -c "$cond && exec $start" || fail "the unit's ExecStart failed"
fi
hosts=$(curl -fs "http://127.0.0.1:$port/api/v1/hosts?site=CI-PACKAGES")
echo "$hosts" | grep -Eq '"total": ?1,' || fail "the host did not appear through the API: $hosts"
echo "$hosts" | grep -E '"(hostname|site|packages)":'
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=

step "deb: purge leaves nothing behind"
dpkg -P pakiti-client pakiti
left=()
while read -r f; do
  [ -z "$f" ] && continue
  if [ -e "$f" ] && { [ ! -d "$f" ] || [ "$f" = /etc/pakiti ]; }; then left+=("$f"); fi
done <"$work/installed-files"
[ ${#left[@]} -eq 0 ] || fail "left behind after dpkg -P: ${left[*]}"
[ ! -e /etc/pakiti ] || fail "/etc/pakiti left behind"
[ ! -e /etc/systemd/system/timers.target.wants/pakiti-client.timer ] || fail "timer link left behind"

step "rpm: metadata, files, and an install into a scratch root"
for r in "$client_rpm" "$server_rpm"; do
  rpm -qpi "$r"
  rpm -qpl "$r"
done
[ "$(rpm -qpc "$client_rpm" | sort | tr '\n' ' ')" = "/etc/cron.d/pakiti-client /etc/pakiti/client.conf " ] ||
  fail "client rpm config files: $(rpm -qpc "$client_rpm")"
scratch=$work/rpmroot
mkdir "$scratch"
rpm --root "$scratch" --initdb
rpm --root "$scratch" --nodeps --noscripts -i "$client_rpm" "$server_rpm"
rpm --root "$scratch" -qa
rpm --root "$scratch" -ql pakiti-client pakiti
"$scratch/usr/bin/pakiti-client" --version
"$scratch/usr/bin/pakiti" --version
"$scratch/usr/bin/pakiti-client" --config="$scratch/etc/pakiti/client.conf" --host rpm.example.org | grep -q '^host: rpm.example.org$' ||
  fail "the rpm's client does not run with the rpm's client.conf"
rpm --root "$scratch" --nodeps --noscripts -e pakiti-client pakiti
dbpath=$(rpm --eval '%_dbpath')   # Debian's rpm keeps its database in ~/.rpmdb
leftover=$(find "$scratch" -path "$scratch$dbpath" -prune -o -path "$scratch/var/lib/rpm" -prune -o -path "$scratch/usr/lib/sysimage" -prune -o -type f -print)
[ -z "$leftover" ] || fail "left in the scratch root after rpm -e: $leftover"

step "container image"
builder=
if command -v docker >/dev/null && docker info >/dev/null 2>&1; then builder=docker
elif command -v podman >/dev/null && podman info >/dev/null 2>&1; then builder=podman
fi
if [ -z "$builder" ]; then
  echo "SKIP: no working docker or podman here; deploy/Containerfile not built"
else
  "$builder" build -q -f deploy/Containerfile -t pakiti-ci:latest "$dist"
  "$builder" run --rm pakiti-ci:latest --version
fi

step "Puppet and Ansible"
if command -v puppet-lint >/dev/null; then
  puppet-lint --fail-on-warnings deploy/puppet/pakiti/manifests
else
  echo "SKIP: puppet-lint not installable; the manifest is only read by go test ./tools/release"
fi
if command -v ansible-lint >/dev/null; then
  (cd deploy/ansible && ANSIBLE_ROLES_PATH=roles ansible-lint --offline pakiti-client.yml roles/pakiti_client)
elif command -v ansible-playbook >/dev/null; then
  (cd deploy/ansible && ANSIBLE_ROLES_PATH=roles ansible-playbook --syntax-check -i localhost, pakiti-client.yml)
else
  echo "SKIP: neither ansible-lint nor ansible-playbook; the YAML is parsed by go test ./tools/release"
fi
echo "packages: all checks passed"
