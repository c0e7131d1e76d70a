/*
 * A stand-in for powershell.exe in the wine tests: wine's own is a stub without WMI. It records
 * its command line next to the file named by SYS_EXPORTER_TEST_CIM, then prints that file's
 * contents (what the real loop prints: one JSON line) every 500 ms, re-reading it each time,
 * until writing fails because the exporter is gone, as the real loop does.
 */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>

int wmain(void) {
  wchar_t path[MAX_PATH], args[MAX_PATH + 8];
  if (!GetEnvironmentVariableW(L"SYS_EXPORTER_TEST_CIM", path, MAX_PATH)) return 9;
  swprintf(args, MAX_PATH + 8, L"%ls.args", path);
  FILE *a = _wfopen(args, L"wb");
  if (a) {
    char line[32768];
    int n = WideCharToMultiByte(CP_UTF8, 0, GetCommandLineW(), -1, line, sizeof line, NULL, NULL);
    if (n > 0) fwrite(line, 1, (size_t)n - 1, a);
    fclose(a);
  }
  for (;;) {
    FILE *f = _wfopen(path, L"rb");
    if (f) {
      char buf[65536];
      size_t n = fread(buf, 1, sizeof buf, f);
      fclose(f);
      if (fwrite(buf, 1, n, stdout) != n || fflush(stdout) != 0) return 0;
    }
    Sleep(500);
  }
}
