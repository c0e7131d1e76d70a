@echo off
rem Installs exporter-windows.exe as the Windows service "sys_exporter" with NSSM (nssm.exe,
rem shipped alongside: a Node executable cannot answer the Service Control Manager itself).
rem Settings live in sys-exporter.yml next to this script: edit it, then restart the service.
rem Safe to run again: an existing service keeps its name and gets these settings re-applied.
setlocal
set "SVC=sys_exporter"
set "DIR=%~dp0"
set "NSSM=%DIR%nssm.exe"

net session >nul 2>&1
if errorlevel 1 (
  echo install-service: administrator rights are required: run this script from an elevated prompt ^(Run as administrator^).
  exit /b 1
)
if not exist "%NSSM%" (
  echo install-service: %NSSM% is missing: extract the whole package, not just the exe.
  exit /b 1
)
if not exist "%DIR%exporter-windows.exe" (
  echo install-service: %DIR%exporter-windows.exe is missing.
  exit /b 1
)
if not exist "%DIR%sys-exporter.yml" (
  (
    echo # sys-exporter settings: keys are the flag names ^(see exporter-windows.exe --help^).
    echo # After a change: net stop sys_exporter ^&^& net start sys_exporter
    echo web.listen-address: ":9601"
  ) > "%DIR%sys-exporter.yml"
  echo install-service: wrote default settings to %DIR%sys-exporter.yml
)

rem Exit codes are checked with "if errorlevel", not "||", and the install by querying the
rem service afterwards: NSSM's install exit code is not reliable everywhere (wine says 5).
"%NSSM%" status %SVC% >nul 2>&1
if errorlevel 1 (
  "%NSSM%" install %SVC% "%DIR%exporter-windows.exe" >nul 2>&1
  "%NSSM%" status %SVC% >nul 2>&1
  if errorlevel 1 goto :failed
  echo install-service: installed service %SVC%
) else (
  echo install-service: service %SVC% already exists: re-applying its settings
)
set "FAILED="
call :set Application "%DIR%exporter-windows.exe"
rem Relative to AppDirectory, so that a path with spaces needs no quoting.
call :set AppDirectory "%DIR:~0,-1%"
call :set AppParameters --config.file=sys-exporter.yml
call :set DisplayName sys-exporter
call :set Description "Host metrics (memory, disk, scrape health) for Prometheus and BlueKing"
call :set Start SERVICE_AUTO_START
rem Restart 5 s after a failure; on stop, Ctrl+C first, which the exporter handles gracefully.
call :set AppExit Default Restart
call :set AppRestartDelay 5000
call :set AppStopMethodConsole 7000
call :set AppStdout "%DIR%sys-exporter.log"
call :set AppStderr "%DIR%sys-exporter.log"
call :set AppRotateFiles 1
call :set AppRotateOnline 1
call :set AppRotateBytes 10485760
if defined FAILED goto :failed
echo install-service: %SVC% starts automatically, restarts 5 s after a failure, logs to %DIR%sys-exporter.log ^(rotated at 10 MB^)
echo install-service: next: net start %SVC%
exit /b 0

:set
"%NSSM%" set %SVC% %* >nul 2>&1
if errorlevel 1 (
  set "FAILED=1"
  echo install-service: NSSM could not set %1
)
exit /b 0

:failed
  echo install-service: installed service %SVC%
) else (
  echo install-service: service %SVC% already exists: re-applying its settings
  "%NSSM%" set %SVC% Application "%DIR%exporter-windows.exe" >nul || goto :failed
)
rem Relative to AppDirectory, so that a path with spaces needs no quoting.
"%NSSM%" set %SVC% AppDirectory "%DIR:~0,-1%" >nul || goto :failed
"%NSSM%" set %SVC% AppParameters --config.file=sys-exporter.yml >nul || goto :failed
"%NSSM%" set %SVC% DisplayName "sys-exporter" >nul || goto :failed
"%NSSM%" set %SVC% Description "Host metrics (memory, disk, scrape health) for Prometheus and BlueKing" >nul || goto :failed
"%NSSM%" set %SVC% Start SERVICE_AUTO_START >nul || goto :failed
rem Restart on failure after 5 s; Ctrl+C first on stop, which the exporter handles gracefully.
"%NSSM%" set %SVC% AppExit Default Restart >nul || goto :failed
"%NSSM%" set %SVC% AppRestartDelay 5000 >nul || goto :failed
"%NSSM%" set %SVC% AppStopMethodConsole 7000 >nul || goto :failed
"%NSSM%" set %SVC% AppStdout "%DIR%sys-exporter.log" >nul || goto :failed
"%NSSM%" set %SVC% AppStderr "%DIR%sys-exporter.log" >nul || goto :failed
"%NSSM%" set %SVC% AppRotateFiles 1 >nul || goto :failed
"%NSSM%" set %SVC% AppRotateOnline 1 >nul || goto :failed
"%NSSM%" set %SVC% AppRotateBytes 10485760 >nul || goto :failed
echo install-service: %SVC% starts automatically, restarts 5 s after a failure, logs to %DIR%sys-exporter.log ^(rotated at 10 MB^)
echo install-service: next: net start %SVC%
exit /b 0

:failed
echo install-service: NSSM failed to install or configure the service %SVC%.
exit /b 1
