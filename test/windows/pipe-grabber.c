/*
 * A local attacker for the service tests: for the seconds given, connects to every pipe of the
 * service host it can find, first, and holds it. It finds them by listing \\.\pipe\, by the
 * names 1.0 used (sys-exporter-service-<host pid>-<n>, the host's pid from the process list),
 * and by reading SYS_EXPORTER_SERVICE_PIPE out of a starting exporter's environment, which a
 * process of the same account (another LocalService service, say) can do on Windows. It first writes "enumerates 1" or "enumerates 0" to the file given: whether listing
 * \\.\pipe\ works here (Windows lets any user list it; wine may not). Then each pipe it took
 * is appended, one name a line.
 *   pipe-grabber.exe SECONDS OUT-FILE
 */
#include <windows.h>
#include <winternl.h>
#include <tlhelp32.h>
#include <stdio.h>
#include <wchar.h>

static HANDLE held[256];
static int nheld;

static void grab(const wchar_t *name, const wchar_t *out) {
  if (nheld >= 256) return;
  HANDLE h = CreateFileW(name, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
  if (h == INVALID_HANDLE_VALUE) return;
  held[nheld++] = h;
  FILE *f = _wfopen(out, L"a");
  if (f) {
    fwprintf(f, L"%ls\n", name);
    fclose(f);
  }
}

static int can_enumerate(void) {
  HANDLE own = CreateNamedPipeW(L"\\\\.\\pipe\\sys-exporter-grabber-probe", PIPE_ACCESS_DUPLEX, PIPE_TYPE_BYTE, 1, 64, 64, 0, NULL);
  WIN32_FIND_DATAW fd;
  int found = 0;
  HANDLE f = FindFirstFileW(L"\\\\.\\pipe\\*", &fd);
  if (f != INVALID_HANDLE_VALUE) {
    do found |= wcscmp(fd.cFileName, L"sys-exporter-grabber-probe") == 0;
    while (FindNextFileW(f, &fd));
    FindClose(f);
  }
  if (own != INVALID_HANDLE_VALUE) CloseHandle(own);
  return found;
}

/* The pipe name in a process's environment block (PEB -> ProcessParameters -> Environment). */
static int pipe_from_environment(DWORD pid, wchar_t *out, size_t cap) {
  HANDLE p = OpenProcess(PROCESS_QUERY_INFORMATION | PROCESS_VM_READ, FALSE, pid);
  if (!p) return 0;
  PROCESS_BASIC_INFORMATION pbi;
  ULONG n;
  int found = 0;
  if (NtQueryInformationProcess(p, ProcessBasicInformation, &pbi, sizeof pbi, &n) == 0) {
    BYTE *params = NULL, *env = NULL;
    SIZE_T got;
    static wchar_t block[32768];
    if (ReadProcessMemory(p, (BYTE *)pbi.PebBaseAddress + 0x20, &params, sizeof params, &got) && params &&
        ReadProcessMemory(p, params + 0x80, &env, sizeof env, &got) && env) {
      memset(block, 0, sizeof block);
      /* Page by page up to an unreadable page: the block's end is not known. */
      for (SIZE_T off = 0, len = 4096 - ((ULONG_PTR)env & 4095); off + len < sizeof block - 4; off += len, len = 4096)
        if (!ReadProcessMemory(p, env + off, (BYTE *)block + off, len, &got)) break;
      for (wchar_t *v = block; *v && v < block + 32768 - 1; v += wcslen(v) + 1)
        if (wcsncmp(v, L"SYS_EXPORTER_SERVICE_PIPE=", 26) == 0) {
          wcsncpy(out, v + 26, cap - 1);
          out[cap - 1] = 0;
          found = 1;
          break;
        }
    }
  }
  CloseHandle(p);
  return found;
}

int wmain(int argc, wchar_t **argv) {
  if (argc != 3) return 2;
  FILE *o = _wfopen(argv[2], L"w");
  if (o) {
    fprintf(o, "enumerates %d\n", can_enumerate());
    fclose(o);
  }
  DWORD until = GetTickCount() + (DWORD)_wtoi(argv[1]) * 1000;
  while ((LONG)(until - GetTickCount()) > 0) {
    WIN32_FIND_DATAW fd;
    HANDLE f = FindFirstFileW(L"\\\\.\\pipe\\*", &fd);
    if (f != INVALID_HANDLE_VALUE) {
      do {
        if (wcsncmp(fd.cFileName, L"sys-exporter-service", 20) == 0) {
          wchar_t name[MAX_PATH];
          swprintf(name, MAX_PATH, L"\\\\.\\pipe\\%ls", fd.cFileName);
          grab(name, argv[2]);
        }
      } while (FindNextFileW(f, &fd));
      FindClose(f);
    }
    HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
    PROCESSENTRY32W pe = {sizeof pe};
    for (BOOL more = Process32FirstW(snap, &pe); more; more = Process32NextW(snap, &pe)) {
      wchar_t name[MAX_PATH];
      if (_wcsicmp(pe.szExeFile, L"exporter-windows.exe") == 0 && pipe_from_environment(pe.th32ProcessID, name, MAX_PATH)) grab(name, argv[2]);
      if (_wcsicmp(pe.szExeFile, L"sys-exporter-service.exe") != 0) continue;
      for (int n = 1; n <= 4; n++) {
        wchar_t name[MAX_PATH];
        swprintf(name, MAX_PATH, L"\\\\.\\pipe\\sys-exporter-service-%lu-%d", pe.th32ProcessID, n);
        grab(name, argv[2]);
      }
    }
    CloseHandle(snap);
    Sleep(5);
  }
  return 0;
}
