/*
 * A log reader as an administrator's Get-Content -Wait or a log shipper opens it: shared for
 * reading and writing, not for deletion, so the file cannot be renamed while it is open.
 * Holds the file given for the seconds given (opening it again if it is gone). With
 * "exclusive", it shares nothing: nobody else can open the file meanwhile.
 *   log-holder.exe SECONDS FILE [exclusive]
 */
#include <windows.h>
#include <wchar.h>

int wmain(int argc, wchar_t **argv) {
  if (argc != 3 && argc != 4) return 2;
  DWORD share = argc == 4 ? 0 : FILE_SHARE_READ | FILE_SHARE_WRITE;
  DWORD until = GetTickCount() + (DWORD)_wtoi(argv[1]) * 1000;
  HANDLE h = INVALID_HANDLE_VALUE;
  while ((LONG)(until - GetTickCount()) > 0) {
    if (h == INVALID_HANDLE_VALUE) h = CreateFileW(argv[2], GENERIC_READ, share, NULL, OPEN_EXISTING, 0, NULL);
    Sleep(50);
  }
  return 0;
}
