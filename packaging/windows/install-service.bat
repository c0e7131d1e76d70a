@echo off
rem Installs sys-exporter as the Windows service "sys_exporter", or upgrades it in place.
rem   install-service.bat             install, or upgrade, and start
rem   install-service.bat /firewall   the same, and allow inbound connections to the exporter
rem                                   on domain and private networks
rem Programs go to %ProgramFiles%\sys-exporter, where only administrators can change them;
rem settings and logs to %ProgramData%\sys-exporter. The service runs as LocalService.
rem Safe to run again: an upgrade stops the service, replaces the programs, keeps the settings.
rem No path is printed inside a parenthesised block: a closing parenthesis in a path, as in
rem Program Files x86, would end the block there.
setlocal
set "SRC=%~dp0"
rem Pause at the end only in a window Explorer opened (a double-click), never when run from a
rem console, PowerShell or a deployment tool.
set "PAUSE="
if exist "%SRC%sys-exporter-service.exe" "%SRC%sys-exporter-service.exe" double-clicked && set "PAUSE=1"
set "DEST=%ProgramFiles%\sys-exporter"
set "FIREWALL="
if "%~1"=="" goto :args_done
if /i "%~1"=="/firewall" goto :firewall_arg
echo install-service: unknown argument %1: the only one is /firewall
goto :failed
:firewall_arg
set "FIREWALL=1"
:args_done

set "MISSING="
for %%f in (exporter-windows.exe sys-exporter-service.exe sys-exporter.yml uninstall-service.bat) do if not exist "%SRC%%%f" set "MISSING=%%f"
if not defined MISSING goto :files_ok
echo install-service: %MISSING% is missing next to this script: extract the whole zip, then run it again.
goto :failed
:files_ok

rem Administrator rights, and no foreign service already called sys_exporter.
"%SRC%sys-exporter-service.exe" preflight
if errorlevel 1 goto :failed
rem An upgrade: the running service lets go of the programs before they are replaced.
"%SRC%sys-exporter-service.exe" stop
if errorlevel 1 goto :failed

if /i "%SRC%"=="%DEST%\" goto :copied
if not exist "%DEST%\" mkdir "%DEST%"
if not exist "%DEST%\" goto :copy_failed
set "FAILED="
for %%f in (exporter-windows.exe sys-exporter-service.exe sys-exporter.yml install-service.bat uninstall-service.bat) do call :copy %%f
if defined FAILED goto :copy_failed
echo install-service: copied the programs to %DEST%
:copied

"%DEST%\sys-exporter-service.exe" install "%SRC%sys-exporter.yml"
if errorlevel 1 goto :failed

if not defined FIREWALL goto :firewall_done
netsh advfirewall firewall delete rule name="sys-exporter" >nul 2>&1
netsh advfirewall firewall add rule name="sys-exporter" dir=in action=allow program="%DEST%\exporter-windows.exe" protocol=TCP profile=domain,private enable=yes >nul
if errorlevel 1 goto :firewall_failed
echo install-service: firewall rule "sys-exporter" allows inbound TCP to exporter-windows.exe ^(domain and private networks^)
:firewall_done

"%DEST%\sys-exporter-service.exe" start
if errorlevel 1 goto :start_failed
echo install-service: done. Settings: %ProgramData%\sys-exporter\sys-exporter.yml
echo install-service: after a change to them: net stop sys_exporter, then net start sys_exporter
call :pause_if_double_clicked
exit /b 0

:copy
copy /y "%SRC%%1" "%DEST%\%1" >nul
if errorlevel 1 set "FAILED=%1"
exit /b 0

:copy_failed
echo install-service: could not copy %FAILED% to %DEST%
goto :failed

:firewall_failed
echo install-service: netsh could not add the firewall rule "sys-exporter"
goto :failed

:start_failed
echo install-service: FAILED: the service is installed but did not start. Windows tries it again after 10 s and 60 s, then leaves it stopped: fix what the log says, then run this script again.
call :pause_if_double_clicked
exit /b 1

:failed
echo install-service: FAILED: nothing was started
call :pause_if_double_clicked
exit /b 1

rem A window opened by a double-click closes when the script ends: keep it open to be read.
:pause_if_double_clicked
if defined PAUSE pause
exit /b 0
