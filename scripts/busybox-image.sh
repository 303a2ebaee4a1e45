#!/usr/bin/env bash
# Build a small local test image from Debian's busybox-static with `docker import` (no registry):
#
#   scripts/busybox-image.sh [NAME:TAG]     default classad-pool/busybox:test; prints the tag
#
# DOCKER_HOST selects the engine. The image holds /bin/busybox and one link per applet, /tmp
# (mode 1777), a passwd/group with root and nobody, PATH=/bin and /bin/sh as its default command.
set -euo pipefail

tag=${1:-classad-pool/busybox:test}
busybox=${BUSYBOX:-/bin/busybox}
if ! "$busybox" --list >/dev/null 2>&1; then
  echo "no static busybox at $busybox: apt-get install -y busybox-static" >&2
  exit 1
fi
command -v docker >/dev/null || { echo "docker CLI not found: apt-get install -y docker.io" >&2; exit 1; }

tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
install -d -m 0755 "$tree/bin" "$tree/etc" "$tree/dev" "$tree/proc" "$tree/sys"
install -d -m 1777 "$tree/tmp"
install -m 0755 "$busybox" "$tree/bin/busybox"
"$busybox" --list | while read -r applet; do
  [ "$applet" = busybox ] || ln -s busybox "$tree/bin/$applet"
done
cat >"$tree/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/sh
PASSWD
cat >"$tree/etc/group" <<'GROUP'
root:x:0:
nogroup:x:65534:
GROUP

tar --numeric-owner --owner=0 --group=0 -C "$tree" -c . |
  docker import --change 'ENV PATH=/bin' --change 'CMD ["/bin/sh"]' - "$tag" >/dev/null
echo "$tag"
