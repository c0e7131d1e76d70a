#!/bin/bash
# How bk-monitor's exporter plugin starts on a Linux host, reproduced for the tests (see
# shared/blueking-plugin-format.md, section C): run from the plugin folder as `bash start.sh ID`.
# - etc/env.yaml becomes shell variables the way the template's parse_yaml.sh makes them: each
#   "KEY: value" line turns into `export KEY="value"` (trailing blanks and " #..." comments
#   dropped, " escaped) and goes through eval, so $ and ` in a value are live;
# - the binary starts as ./ID with BK_CMD_ARGS unquoted (split on blanks, * ? [ globbed), in the
#   background, stdout and stderr to the log;
# - 2 s later the PID must still be alive, else "process exited too quickly" and exit 1.
id=$1
export LC_ALL=C LANG=C
while IFS= read -r line || [ -n "$line" ]; do
  case $line in [A-Za-z_]*': '*) ;; *) continue ;; esac
  key=${line%%:*}
  value=${line#*:}
  value=${value#"${value%%[![:space:]]*}"}
  value=${value%"${value##*[![:space:]]}"}
  case $value in *[\"\']*) ;; *) value=${value%% #*} ;; esac
  value=${value//\"/\\\"}
  eval "export ${key//[.-]/_}=\"$value\""
done < etc/env.yaml
mkdir -p "$(dirname "$BK_PLUGIN_PID_PATH")" "$BK_PLUGIN_LOG_PATH"
log=$BK_PLUGIN_LOG_PATH/$id.log
chmod a+x "./$id"
./$id ${BK_CMD_ARGS} > "$log" 2>&1 &
pid=$!
echo "process tried to start, pid: $pid"
sleep 2
if ps -e -o pid= | grep -qw "$pid"; then
  echo "process started successfully, pid: $pid"
  echo "$pid" > "$BK_PLUGIN_PID_PATH"
  exit 0
fi
echo "process exited too quickly, pid: $pid"
cat "$log"
exit 1
