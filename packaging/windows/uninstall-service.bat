@echo off
rem Stops and removes the "sys_exporter" service, its firewall rule and %ProgramFiles%\sys-exporter.
rem Settings and logs stay in %ProgramData%\sys-exporter, unless /purge is given.
rem Safe to run again. Refuses to touch a service of that name that is not sys-exporter's.
setlocal
set "DEST=%ProgramFiles%\sys-exporter"
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
rem Pause at the end only in a window Explorer opened (a double-click).
set "PAUSE="
if exist "%HOST%" "%HOST%" double-clicked && set "PAUSE=1"
"%HOST%" preflight
if errorlevel 1 goto :failed
"%HOST%" uninstall
if errorlevel 1 goto :failed
netsh advfirewall firewall delete rule name="sys-exporter" >nul 2>&1
if not defined PURGE goto :purged
rd /s /q "%ProgramData%\sys-exporter" 2>nul
if exist "%ProgramData%\sys-exporter\" echo uninstall-service: could not remove all of %ProgramData%\sys-exporter: a file in it is open
if not exist "%ProgramData%\sys-exporter\" echo uninstall-service: removed %ProgramData%\sys-exporter
:purged
if not exist "%DEST%\" goto :done
rem This script may live in that folder: the removal and everything after it are one line,
rem because cmd reads a script line by line as it runs.
cd /d "%SystemRoot%" & rd /s /q "%DEST%" 2>nul & (if exist "%DEST%\" echo uninstall-service: FAILED to remove the program folder: a program in it is still running) & (if not exist "%DEST%\" echo uninstall-service: removed the program folder) & (if defined PAUSE pause) & (if exist "%DEST%\" exit /b 1) & exit /b 0
:done
echo uninstall-service: done
call :pause_if_double_clicked
exit /b 0

:failed
echo uninstall-service: FAILED
call :pause_if_double_clicked
exit /b 1

:pause_if_double_clicked
if defined PAUSE pause
exit /b 0
