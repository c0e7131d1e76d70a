@echo off
rem Stops and removes the "sys_exporter" service. Safe to run again. Leaves the settings file
rem and logs in place.
setlocal
set "SVC=sys_exporter"
set "NSSM=%~dp0nssm.exe"

net session >nul 2>&1
if errorlevel 1 (
  echo uninstall-service: administrator rights are required: run this script from an elevated prompt ^(Run as administrator^).
  exit /b 1
)
"%NSSM%" status %SVC% >nul 2>&1
if errorlevel 1 (
  echo uninstall-service: service %SVC% is not installed: nothing to do
  exit /b 0
)
"%NSSM%" stop %SVC% >nul 2>&1
echo uninstall-service: stopped %SVC%
"%NSSM%" remove %SVC% confirm >nul 2>&1
"%NSSM%" status %SVC% >nul 2>&1
if not errorlevel 1 (
  echo uninstall-service: NSSM could not remove %SVC%.
  exit /b 1
)
echo uninstall-service: removed service %SVC%
exit /b 0
