/*
 * A local attacker for the service tests: creates the pipe names 1.0's service host would use
 * (sys-exporter-service-<pid>-1 for 4096 process ids), before the service starts, and holds
 * them for the seconds given.
 *   pipe-squatter.exe SECONDS
 */
#include <windows.h>
#include <stdio.h>
#include <wchar.h>

int wmain(int argc, wchar_t **argv) {
  if (argc != 2) return 2;
  int made = 0;
  for (DWORD pid = 4; pid <= 4 * 4096; pid += 4) {
    wchar_t name[MAX_PATH];
    swprintf(name, MAX_PATH, L"\\\\.\\pipe\\sys-exporter-service-%lu-1", pid);
    if (CreateNamedPipeW(name, PIPE_ACCESS_DUPLEX, PIPE_TYPE_BYTE, 1, 64, 64, 0, NULL) != INVALID_HANDLE_VALUE) made++;
  }
  printf("%d\n", made);
  fflush(stdout);
  Sleep((DWORD)_wtoi(argv[1]) * 1000);
  return 0;
}
