#!/bin/sh
# Installs sys-exporter from this package on a systemd host:
#   exporter-linux        -> /usr/local/bin/exporter-linux
#   system user           -> sys-exporter (no login, no home)
#   sys-exporter.service  -> /etc/systemd/system/sys-exporter.service
#   default settings      -> /etc/sys-exporter.yml (kept if it exists)
# Safe to run again (upgrades the binary and unit). `install.sh --uninstall` undoes it, keeping
# /etc/sys-exporter.yml. `--root DIR` installs into DIR instead of / (for images and tests).
set -eu

ROOT=/
MODE=install
while [ $# -gt 0 ]; do
  case "$1" in
    --uninstall) MODE=uninstall ;;
    --root) ROOT=${2:?--root needs a folder}; shift ;;
    --root=*) ROOT=${1#--root=} ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown argument '$1' (use --uninstall, --root DIR)" >&2; exit 2 ;;
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

for f in exporter-linux sys-exporter.service; do
  [ -f "$HERE/$f" ] || { echo "install.sh: $HERE/$f is missing: extract the whole package" >&2; exit 1; }
done

mkdir -p "$(dirname "$BIN")" "$(dirname "$UNIT")"
# Copy then rename: a running exporter keeps its old binary, never a half-written one.
cp "$HERE/exporter-linux" "$BIN.new" && chmod 0755 "$BIN.new" && mv -f "$BIN.new" "$BIN"
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
web.listen-address: ":9601"
YML
  chmod 0644 "$CONF"
  echo "install.sh: wrote default settings to $CONF"
fi

if systemd_live; then
  systemctl daemon-reload
  systemctl enable sys-exporter.service >/dev/null 2>&1
  echo "install.sh: enabled sys-exporter.service"
  echo "install.sh: next: systemctl restart sys-exporter && curl -s http://localhost:9601/metrics | head"
else
  echo "install.sh: next (on the target system): systemctl daemon-reload && systemctl enable --now sys-exporter"
fi
