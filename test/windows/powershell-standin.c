/*
 * A stand-in for powershell.exe in the wine tests: wine's own is a stub without WMI. It appends
 * its command line to the file named by SYS_EXPORTER_TEST_CIM plus ".args", then behaves as
 * SYS_EXPORTER_TEST_PS says:
 *   (unset)  print that file's contents (one JSON line, what the real loop prints) every 500 ms,
 *            re-reading it each time, until writing fails because the exporter is gone;
 *   hang     print nothing, ever (a WMI provider that never answers);
 *   garbage  print lines that are not JSON (a profile or wrapper writing into the output);
 *   slow:N   wait N ms, then as unset.
 * In the first mode it refuses a script that Constrained Language Mode refuses, as PowerShell
 * does under WDAC or AppLocker: a static member (::), [Console] or a script block cast to a
 * delegate. It then prints PowerShell's error to stderr and exits 1. The other modes test
 * timing alone, so they take any script (1.0's too).
 */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

static int refused_by_clm(const wchar_t *cmd) {
  return wcsstr(cmd, L"::") || wcsstr(cmd, L"[Console]") || wcsstr(cmd, L"MatchEvaluator");
}

int wmain(void) {
  wchar_t path[MAX_PATH], args[MAX_PATH + 8], mode[64] = L"";
  if (!GetEnvironmentVariableW(L"SYS_EXPORTER_TEST_CIM", path, MAX_PATH)) return 9;
  GetEnvironmentVariableW(L"SYS_EXPORTER_TEST_PS", mode, 64);
  swprintf(args, MAX_PATH + 8, L"%ls.args", path);
  FILE *a = _wfopen(args, L"ab");
  if (a) {
    static char line[65536];
    int n = WideCharToMultiByte(CP_UTF8, 0, GetCommandLineW(), -1, line, sizeof line, NULL, NULL);
    if (n > 0) fwrite(line, 1, (size_t)n - 1, a);
    fputc('\n', a);
    fclose(a);
  }
  if (mode[0] == 0 && refused_by_clm(GetCommandLineW())) {
    fputs("Cannot invoke method. Method invocation is supported only on core types in this language mode.\r\n"
          "At line:1 char:1\r\n+ [Console]::Out.WriteLine($j)\r\n"
          "    + CategoryInfo          : InvalidOperation: (:) [], RuntimeException\r\n"
          "    + FullyQualifiedErrorId : MethodInvocationNotSupportedInConstrainedLanguage\r\n", stderr);
    return 1;
  }
  if (wcscmp(mode, L"hang") == 0) for (;;) Sleep(60000);
  if (wcsncmp(mode, L"slow:", 5) == 0) Sleep((DWORD)_wtoi(mode + 5));
  for (;;) {
    if (wcscmp(mode, L"garbage") == 0) {
      if (fputs("Loading personal and system profiles took 812ms.\r\n", stdout) < 0 || fflush(stdout) != 0) return 0;
    } else {
      FILE *f = _wfopen(path, L"rb");
      if (f) {
        static char buf[65536];
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        if (fwrite(buf, 1, n, stdout) != n || fflush(stdout) != 0) return 0;
      }
    }
    Sleep(500);
  }
}
