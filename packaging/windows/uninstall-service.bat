@echo off
rem Stops and removes the "sys_exporter" service, its firewall rule and %ProgramFiles%\sys-exporter.
rem Settings and logs stay in %ProgramData%\sys-exporter, unless /purge is given.
rem Safe to run again. Refuses to touch a service of that name that is not sys-exporter's.
setlocal
set "DEST=%ProgramFiles%\sys-exporter"
set "CMDLINE=%cmdcmdline%"
if not defined CMDLINE set "CMDLINE=unknown"
set "CMDLINE=%CMDLINE:"=%"
set "PURGE="
if "%~1"=="" goto :args_done
if /i "%~1"=="/purge" goto :purge_arg
echo uninstall-service: unknown argument %1: the only one is /purge
goto :failed
:purge_arg
set "PURGE=1"
:args_done

set "HOST=%DEST%\sys-exporter-service.exe"
if not exist "%HOST%" set "HOST=%~dp0sys-exporter-service.exe"
"%HOST%" preflight
if errorlevel 1 goto :failed
"%HOST%" uninstall
if errorlevel 1 goto :failed
netsh advfirewall firewall delete rule name="sys-exporter" >nul 2>&1
if not defined PURGE goto :purged
rd /s /q "%ProgramData%\sys-exporter" 2>nul
echo uninstall-service: removed %ProgramData%\sys-exporter
:purged
if not exist "%DEST%\" goto :done
rem This script may live in that folder: the removal and everything after it are one line,
rem because cmd reads a script line by line as it runs.
cd /d "%SystemRoot%" & rd /s /q "%DEST%" & echo uninstall-service: removed %DEST% & (if /i not "%CMDLINE%"=="%CMDLINE:/c =%" pause) & exit /b 0
:done
echo uninstall-service: done
call :pause_if_double_clicked
exit /b 0

:failed
echo uninstall-service: FAILED
call :pause_if_double_clicked
exit /b 1

:pause_if_double_clicked
if /i not "%CMDLINE%"=="%CMDLINE:/c =%" pause
exit /b 0
