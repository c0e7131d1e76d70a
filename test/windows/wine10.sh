#!/usr/bin/env bash
# Runs a wine command (wine64, wineserver, wineboot) under wine 10 from a Debian 13 root.
# Why: exporter-windows.exe is Node 24 (libuv 1.52 reads volumes over 4 TiB right), and Node
# 24's node.exe aborts at start under Debian 12's wine 8.0 ("SegmentedTable::InitializeTable");
# wine 10 runs it. The root stays apart from the host's libraries; the repository and /tmp are
# bound into it at the same paths, so Z:\ paths mean the same file inside and out.
#   wine10.sh setup                 make the root if missing (debootstrap, about 1.5 min)
#   wine10.sh wine64|wineserver|wineboot ARGS...
#   wine64 / wineserver / wineboot ARGS...  (the links beside this file)
set -euo pipefail
ROOTFS=${SYS_EXPORTER_WINE_ROOT:-/var/cache/sys-exporter/trixie-wine}
REPO=$(cd "$(dirname "$0")/../.." && pwd)
MIRROR=${SYS_EXPORTER_DEBIAN_MIRROR:-$(sed -n 's/^URIs: *\(\S*debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)}

setup() {
  [ -x "$ROOTFS/usr/lib/wine/wine64" ] && return 0
  command -v debootstrap >/dev/null || { echo "wine10: debootstrap is missing (apt-get install debootstrap)" >&2; exit 1; }
  local tmp="$ROOTFS.partial"
  rm -rf "$tmp"; mkdir -p "$tmp"
  debootstrap --variant=minbase --include=wine,wine64 trixie "$tmp" "${MIRROR:-http://deb.debian.org/debian}" >"$tmp.log" 2>&1 \
    || { echo "wine10: debootstrap failed; see $tmp.log" >&2; exit 1; }
  mv "$tmp" "$ROOTFS"
}

bind() { # bind SRC at the same path in the root, once; again if SRC is now another folder
  mkdir -p "$ROOTFS$1"
  if mountpoint -q "$ROOTFS$1"; then
    # A bind outlives its folder: CI clones main afresh at the same path, and the old bind then
    # shows the deleted clone ("wine: chdir to .../.cache/wine10: No such file or directory").
    [ "$(stat -c %d:%i "$1")" = "$(stat -c %d:%i "$ROOTFS$1")" ] && return 0
    umount -l "$ROOTFS$1" || true
  fi
  mount --bind "$1" "$ROOTFS$1"
}

# Called through a link (wine64, wineserver, wineboot): the link's name is the command.
name=$(basename "$0")
[ "$name" = wine10.sh ] || set -- "$name" "$@"
case "${1:-}" in
  setup) setup; exit 0 ;;
  wine64) cmd=/usr/lib/wine/wine64 ;;
  wineserver) cmd=/usr/lib/wine/wineserver ;;
  wineboot) cmd=/usr/bin/wineboot ;;
  *) echo "usage: wine10.sh setup | wine64|wineserver|wineboot ARGS" >&2; exit 2 ;;
esac
shift
setup
# Wine commands start in parallel: one at a time checks and makes the mounts. The lock is let go
# before exec, so wine and its server do not hold it.
exec 9>"$ROOTFS.lock"
flock 9
mountpoint -q "$ROOTFS/proc" || mount -t proc proc "$ROOTFS/proc"
bind /dev
bind /tmp
bind "$REPO"
flock -u 9
exec 9>&-
cd /
exec chroot "$ROOTFS" "$cmd" "$@"
