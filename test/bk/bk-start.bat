@echo off
rem How the exporter plugin template of bk-monitor starts an exporter on a Windows host,
rem reproduced for the tests, see shared/blueking-plugin-format.md section C.
rem Run as: cmd /c bk-start.bat ID. Not named start.bat, which wine cmd reads as its START builtin.
rem 1. etc\env.yaml becomes variables in a for /f loop under delayed expansion, where an
rem    exclamation mark in a value is eaten. The template filters lines with findstr, which
rem    prints nothing under wine: find applies the same filter, lines holding colon space.
rem    The template drops the colon from the key with a substitution that wine cmd lacks;
rem    a colon among the delimiters gives the same key and value.
rem 2. The exporter starts on a start /B line with BK_CMD_ARGS expanded into it, where the
rem    pipe, ampersand, angle brackets, caret and parentheses split or redirect the line.
setlocal enabledelayedexpansion
set id=%1
set here=%~dp0
for /f "tokens=1,* delims=: " %%i in ('type %here%etc\env.yaml^| find ": "') do (
  set k=%%i
  set v=%%j
  set !k!=!v!
)
if not exist %BK_PLUGIN_LOG_PATH% md %BK_PLUGIN_LOG_PATH%
set log=%BK_PLUGIN_LOG_PATH%\%id%.log
start /B %here%%id%.exe %BK_CMD_ARGS% >%log% 2>&1
echo process tried to start
