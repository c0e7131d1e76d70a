#!/bin/sh
# Installs sys-exporter from this package on a systemd host:
#   exporter-linux (x86-64) or exporter-linux-arm64 (aarch64), whichever fits the host
#                         -> /usr/local/bin/exporter-linux
#   system user           -> sys-exporter (no login, no home)
#   sys-exporter.service  -> /etc/systemd/system/sys-exporter.service
#   default settings      -> /etc/sys-exporter.yml (kept if it exists)
# Safe to run again (upgrades the binary and unit). `install.sh --uninstall` undoes it, keeping
# /etc/sys-exporter.yml. `--root DIR` installs into DIR instead of / (for images and tests);
# `--arch x86_64|aarch64` picks the binary for an image of another architecture.
set -eu

ROOT=/
MODE=install
ARCH=$(uname -m)
while [ $# -gt 0 ]; do
  case "$1" in
    --uninstall) MODE=uninstall ;;
    --root) ROOT=${2:?--root needs a folder}; shift ;;
    --root=*) ROOT=${1#--root=} ;;
    --arch) ARCH=${2:?--arch needs x86_64 or aarch64}; shift ;;
    --arch=*) ARCH=${1#--arch=} ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown argument '$1' (use --uninstall, --root DIR, --arch ARCH)" >&2; exit 2 ;;
  esac
  shift
done
ROOT=${ROOT%/}
HERE=$(cd "$(dirname "$0")" && pwd)
USER_NAME=sys-exporter
BIN=$ROOT/usr/local/bin/exporter-linux
UNIT=$ROOT/etc/systemd/system/sys-exporter.service
CONF=$ROOT/etc/sys-exporter.yml

if [ "$(id -u)" != 0 ]; then
  echo "install.sh: must run as root (try: sudo $0)" >&2
  exit 1
fi
# systemctl only on the running system, never for --root.
systemd_live() { [ -z "$ROOT" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; }
root_opt() { [ -n "$ROOT" ] && printf '%s\n' "--root=$ROOT"; }

if [ "$MODE" = uninstall ]; then
  if systemd_live; then
    systemctl disable --now sys-exporter.service >/dev/null 2>&1 || true
  fi
  for f in "$UNIT" "$BIN"; do
    if [ -e "$f" ]; then rm -f "$f"; echo "install.sh: removed $f"; fi
  done
  if systemd_live; then systemctl daemon-reload; fi
  if grep -q "^$USER_NAME:" "$ROOT/etc/passwd" 2>/dev/null; then
    # shellcheck disable=SC2046
    userdel $(root_opt) "$USER_NAME"
    echo "install.sh: removed user $USER_NAME"
  fi
  echo "install.sh: uninstalled (kept $CONF)"
  exit 0
fi

case "$ARCH" in
  x86_64|amd64) ARCH=x86_64; SRC=exporter-linux; OTHER=aarch64 ;;
  aarch64|arm64) ARCH=aarch64; SRC=exporter-linux-arm64; OTHER=x86_64 ;;
  *) echo "install.sh: no sys-exporter build for this architecture ($ARCH): there are x86_64 and aarch64" >&2; exit 1 ;;
esac
for f in "$SRC" sys-exporter.service; do
  if [ ! -f "$HERE/$f" ]; then
    if [ "$f" = "$SRC" ] && ls "$HERE"/exporter-linux* >/dev/null 2>&1; then
      echo "install.sh: this host is $ARCH but this package is for $OTHER: use the linux-$ARCH package" >&2
    else
      echo "install.sh: $HERE/$f is missing: extract the whole package" >&2
    fi
    exit 1
  fi
done

mkdir -p "$(dirname "$BIN")" "$(dirname "$UNIT")"
# Copy then rename: a running exporter keeps its old binary, never a half-written one.
cp "$HERE/$SRC" "$BIN.new" && chmod 0755 "$BIN.new" && mv -f "$BIN.new" "$BIN"
echo "install.sh: installed $BIN"
cp "$HERE/sys-exporter.service" "$UNIT.new" && chmod 0644 "$UNIT.new" && mv -f "$UNIT.new" "$UNIT"
echo "install.sh: installed $UNIT"

if grep -q "^$USER_NAME:" "$ROOT/etc/passwd" 2>/dev/null; then
  echo "install.sh: user $USER_NAME exists"
else
  # shellcheck disable=SC2046
  useradd $(root_opt) --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin --user-group "$USER_NAME"
  echo "install.sh: created system user $USER_NAME"
fi

if [ -e "$CONF" ]; then
  echo "install.sh: kept existing $CONF"
else
  cat > "$CONF" <<'YML'
# sys-exporter settings: keys are the flag names (exporter-linux --help); flags win.
# After a change: systemctl restart sys-exporter
web.listen-address: ":{{PORT}}"
YML
  chmod 0644 "$CONF"
  echo "install.sh: wrote default settings to $CONF"
fi

if systemd_live; then
  systemctl daemon-reload
  systemctl enable sys-exporter.service >/dev/null 2>&1
  echo "install.sh: enabled sys-exporter.service"
  echo "install.sh: next: systemctl restart sys-exporter && curl -s http://localhost:{{PORT}}/metrics | head"
else
  echo "install.sh: next (on the target system): systemctl daemon-reload && systemctl enable --now sys-exporter"
fi
