#!/usr/bin/env bash
# Makes sure the system tools the tests run against are present: promtool and prometheus
# (Debian: prometheus), FUSE (fuse3) and Debian's python3-fusepy for the dead-mount fixture,
# debootstrap for wine 10 in a Debian 13 root (test/windows/wine10.sh: Node 24 needs it), binutils' strip for the Linux build, and node_exporter, wrk
# and rsvg-convert for the benchmark's quick run; ps (procps) for the reproduction of BlueKing's
# stop.sh; gcc for the Linux 3.10 seccomp harness, qemu-user and Debian's arm64 C library to run
# exporter-linux-arm64; mingw-w64 for the Windows service host (sys-exporter-service.exe).
# Installs what is missing when it can (root with apt-get); otherwise names what to install.
set -euo pipefail

missing=()
command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
command -v fusermount3 >/dev/null 2>&1 || missing+=(fuse3)
/usr/bin/python3 -c 'import fusepy' >/dev/null 2>&1 || missing+=(python3-fusepy)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
command -v strip >/dev/null 2>&1 || missing+=(binutils)
[ -x /usr/bin/prometheus-node-exporter ] || missing+=(prometheus-node-exporter)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v rsvg-convert >/dev/null 2>&1 || missing+=(librsvg2-bin)
command -v ps >/dev/null 2>&1 || missing+=(procps)
command -v gcc >/dev/null 2>&1 && [ -e /usr/include/linux/seccomp.h ] || missing+=(gcc libc6-dev linux-libc-dev)
command -v qemu-aarch64 >/dev/null 2>&1 || missing+=(qemu-user)
[ -e /lib/ld-linux-aarch64.so.1 ] || missing+=(libc6:arm64)
command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 || missing+=(gcc-mingw-w64-x86-64)
command -v x86_64-w64-mingw32-windmc >/dev/null 2>&1 || missing+=(binutils-mingw-w64-x86-64)

wine_root() { [ "$(id -u)" != 0 ] || bash "$(dirname "$0")/../test/windows/wine10.sh" setup; }
[ ${#missing[@]} -eq 0 ] && { wine_root; exit 0; }

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "test-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  case " ${missing[*]} " in *:arm64*) dpkg --add-architecture arm64 ;; esac
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  wine_root
  exit 0
fi
echo "test-deps: the tests need these Debian packages: ${missing[*]} (apt-get install ${missing[*]})" >&2
exit 1
