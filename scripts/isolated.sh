#!/usr/bin/env bash
# Runs a command (the slow tests) in a mount and PID namespace of its own, so that they see only
# the mounts they make: a host whose mount table holds other processes' FUSE or network mounts
# (a slow sshfs, a dead NFS server) made tests wait on those, and the exporter reads PID 1's
# table. Inside, those mounts are detached (from this namespace only: the host keeps them), /proc
# is this namespace's, and bash is PID 1, which reaps orphans. Without root or unshare(1) the
# command runs on the host's table, and says so.
set -euo pipefail

if [ "${SYS_EXPORTER_ISOLATED:-}" = 1 ]; then
  detached=0
  # mountinfo: field 5 is the mount point (octal escapes), the fstype follows the " - ".
  while read -r mp fstype; do
    case "$fstype" in
      fusectl) ;;
      fuse|fuse.*|fuseblk|nfs|nfs4|cifs|smb3|9p|ceph|glusterfs)
        umount -l "$(printf '%b' "$(sed 's/\\\([0-7]\{3\}\)/\\0\1/g' <<<"$mp")")" 2>/dev/null && detached=$((detached + 1)) ;;
    esac
  done < <(sed -E 's/^([^ ]+ ){4}([^ ]+) .* - ([^ ]+) .*/\2 \3/' /proc/self/mountinfo)
  echo "isolated: own mount and PID namespace; $detached FUSE or network mounts of other processes detached here" >&2
  "$@" &
  wait $!
  exit $?
fi

if [ "$(id -u)" = 0 ] && unshare --mount --pid --fork --mount-proc true 2>/dev/null; then
  SYS_EXPORTER_ISOLATED=1 exec unshare --mount --propagation private --pid --fork --mount-proc bash "$0" "$@"
fi
echo "isolated: not root or no unshare(1): running on the host's mount table; other processes' FUSE mounts can slow these tests" >&2
exec "$@"
