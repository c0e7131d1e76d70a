#!/bin/bash
# How bk-monitor's exporter plugin stops on a Linux host, reproduced for the tests (section C):
# `bash stop.sh ID` from the plugin folder. The exporter is found by its command name, exactly
# "./ID" in the first word of `ps xao pid,ppid,command`'s command, kept only if
# /proc/PID/exe is this folder's ID, and killed with SIGKILL. Exit 0 once none is left.
id=$1
export LC_ALL=C LANG=C
found() {
  local pid exe
  for pid in $(ps xao pid,ppid,command | awk -v want="./$id" '$3 == want { print $1 }'); do
    exe=$(readlink -f "/proc/$pid/exe")
    [ "${exe%/"$id"*}" == "$PWD" ] && echo "$pid"
  done
}
pids=$(found)
[ -n "$pids" ] && kill -9 $pids 2>/dev/null
sleep 0.2
if [ -z "$(found)" ]; then echo Done; exit 0; fi
echo Fail
exit 1
