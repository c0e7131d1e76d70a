/*
 * sys-exporter-service.exe: the Windows service host for exporter-windows.exe.
 *
 * A Node executable cannot answer the Service Control Manager, so this small native program is
 * the service. It starts the exporter beside it, reports "running" only once the exporter says
 * it is listening (a failed start shows as failed, with the exporter's exit code), stops it
 * gracefully before it would kill it, restarts it 5 s after a crash, and writes its output to a
 * log that it rotates and prunes. It replaces NSSM 2.23, whose console handling fails on
 * Windows 10 1703 and later (see README).
 *
 * Host and exporter talk over a named pipe whose name the exporter finds in
 * SYS_EXPORTER_SERVICE_PIPE: the exporter connects once it listens (ready), and stops gracefully
 * when the host writes "stop" or the pipe closes (the host is gone). No console is involved, so
 * neither the console-inheritance failure nor Ctrl+C delivery can get in the way. Only the
 * exporter can take that pipe: its name is random (128 bits), it must be the first instance of
 * that name (a squatter's pipe makes the host pick another name), its DACL admits SYSTEM and
 * the service's own account only, and a client whose process id is not the exporter's is
 * disconnected and logged. The exporter runs in a job object that kills it, and whatever it
 * started, when the host goes, however it goes.
 *
 * Commands (install-service.bat and uninstall-service.bat run them):
 *   sys-exporter-service.exe preflight    exit 1 with a reason unless install can proceed
 *   sys-exporter-service.exe install [defaults.yml]
 *                                         create or update the service (quoted ImagePath,
 *                                         LocalService, restart on failure), the data folders,
 *                                         and the settings from defaults.yml if there are none
 *   sys-exporter-service.exe start        start it and wait: exit 1 with the log tail if it fails
 *   sys-exporter-service.exe stop         stop it and wait
 *   sys-exporter-service.exe uninstall    stop and delete it
 *   sys-exporter-service.exe double-clicked
 *                                         exit 0 if the calling script's window was opened from
 *                                         Explorer (it closes when the script ends: the script
 *                                         then pauses), else 1
 * Run by the Service Control Manager it takes no arguments.
 *
 * Built with Debian's mingw-w64 by scripts/dist.ts (-municode: wmain).
 */
#define WIN32_LEAN_AND_MEAN
#ifndef UNICODE
#define UNICODE
#endif
#ifndef _UNICODE
#define _UNICODE
#endif
#include <windows.h>
#include <bcrypt.h>
#include <tlhelp32.h>
#include <initguid.h>
#include <aclapi.h>
#include <sddl.h>
#include <shlobj.h>
#include <knownfolders.h>
#include <stdio.h>
#include <stdarg.h>
#include <wchar.h>
#include "messages.h" /* windmc's, from messages.mc */

#define SVC_NAME L"sys_exporter"
#define SVC_DISPLAY L"sys-exporter"
#define SVC_DESCRIPTION L"Host metrics (memory, disk, scrape health) for Prometheus and BlueKing."
#define SVC_ACCOUNT L"NT AUTHORITY\\LocalService"
#define HOST_EXE L"sys-exporter-service.exe"
#define EXPORTER_EXE L"exporter-windows.exe"
#define NSSM_EXE L"nssm.exe"
#define SERVICE_KEY L"SYSTEM\\CurrentControlSet\\Services\\" SVC_NAME
#define EVENT_SOURCE L"sys-exporter"
#define EVENT_KEY L"SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\" EVENT_SOURCE

/* The exporter has 60 s to start listening; its own stop takes at most 5.5 s. */
#define READY_TIMEOUT_MS 60000
#define STOP_TIMEOUT_MS 10000
/* A crash while serving: restarted after 5 s, doubling to 5 minutes while it keeps crashing;
 * 10 minutes of serving forgives it. */
#define RESTART_DELAY_MS 5000
#define RESTART_DELAY_MAX_MS 300000
#define HEALTHY_MS 600000
#define DEFAULT_LOG_BYTES (10u * 1024 * 1024)
#define DEFAULT_LOG_FILES 5

/* Folders: %ProgramData%\sys-exporter holds the settings (administrators write, the service
 * reads) and logs\ (the service writes). Protected DACLs: nothing inherited from ProgramData,
 * where every user may create files. */
#define DATA_SDDL L"D:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1200a9;;;LS)"
#define LOGS_SDDL L"D:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1301bf;;;LS)"

static wchar_t g_dir[MAX_PATH];      /* folder of this executable, no trailing backslash */
static wchar_t g_data[MAX_PATH];     /* %ProgramData%\sys-exporter */
static wchar_t g_logs[MAX_PATH];     /* ...\logs */
static wchar_t g_log[MAX_PATH];      /* ...\logs\sys-exporter.log */
static wchar_t g_config[MAX_PATH];   /* ...\sys-exporter.yml */

/* ---- console output of the commands ---------------------------------------------------- */

/* Text to the console in its code page (936 on Chinese Windows), or as UTF-16 to a console
 * window itself; redirected, in the console's code page, else the ANSI one. */
static void out_text(const wchar_t *text, BOOL newline) {
  HANDLE h = GetStdHandle(STD_OUTPUT_HANDLE);
  DWORD w, mode;
  if (GetConsoleMode(h, &mode)) {
    WriteConsoleW(h, text, (DWORD)wcslen(text), &w, NULL);
    if (newline) WriteConsoleW(h, L"\r\n", 2, &w, NULL);
    return;
  }
  int cap = (int)wcslen(text) * 4 + 3;
  char *out = HeapAlloc(GetProcessHeap(), 0, (SIZE_T)cap);
  if (!out) return;
  int n = WideCharToMultiByte(GetConsoleOutputCP() ? GetConsoleOutputCP() : CP_ACP, 0, text, -1, out, cap - 2, NULL, NULL);
  if (n > 0) {
    n--; /* the terminating zero */
    if (newline) {
      out[n++] = '\r';
      out[n++] = '\n';
    }
    WriteFile(h, out, (DWORD)n, &w, NULL);
  }
  HeapFree(GetProcessHeap(), 0, out);
}

/* The arguments after fmt printed into the array buf, always terminated. */
#define FORMAT(buf, fmt)                                              \
  do {                                                                \
    va_list ap_;                                                      \
    va_start(ap_, fmt);                                               \
    _vsnwprintf(buf, sizeof buf / sizeof *buf - 1, fmt, ap_);         \
    va_end(ap_);                                                      \
    buf[sizeof buf / sizeof *buf - 1] = 0;                            \
  } while (0)

static void say(const wchar_t *fmt, ...) {
  wchar_t buf[2048];
  FORMAT(buf, fmt);
  out_text(buf, TRUE);
}

static const wchar_t *err_text(DWORD code) {
  static wchar_t buf[512];
  DWORD n = FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, code, 0, buf, 511, NULL);
  while (n > 0 && (buf[n - 1] == L'\n' || buf[n - 1] == L'\r' || buf[n - 1] == L'.')) buf[--n] = 0;
  if (n == 0) swprintf(buf, 512, L"error %lu", code);
  return buf;
}

static int fail(const wchar_t *what, DWORD code) {
  say(L"sys-exporter-service: %ls: %ls (%lu)", what, err_text(code), code);
  return 1;
}

/* ---- paths ------------------------------------------------------------------------------- */

static void init_paths(void) {
  DWORD n = GetModuleFileNameW(NULL, g_dir, MAX_PATH);
  while (n > 0 && g_dir[n - 1] != L'\\') n--;
  g_dir[n > 0 ? n - 1 : 0] = 0;
  /* The known folder, not %ProgramData%: a service's environment need not carry it. */
  wchar_t *pd = NULL;
  if (SHGetKnownFolderPath(&FOLDERID_ProgramData, 0, NULL, &pd) != S_OK) pd = NULL;
  swprintf(g_data, MAX_PATH, L"%ls\\sys-exporter", pd ? pd : L"C:\\ProgramData");
  CoTaskMemFree(pd);
  swprintf(g_logs, MAX_PATH, L"%ls\\logs", g_data);
  swprintf(g_log, MAX_PATH, L"%ls\\sys-exporter.log", g_logs);
  swprintf(g_config, MAX_PATH, L"%ls\\sys-exporter.yml", g_data);
}

static const wchar_t *base_name(const wchar_t *p) {
  const wchar_t *b = p;
  for (; *p; p++)
    if (*p == L'\\' || *p == L'/') b = p + 1;
  return b;
}

/* The executable named by a command line (ImagePath) into out. Unquoted, as NSSM 2.23 registers
 * it, the path may hold spaces: it ends at the first ".exe" followed by a space or the end. */
static void command_exe(const wchar_t *cmd, wchar_t *out, size_t cap) {
  size_t i = 0;
  if (*cmd == L'"') {
    cmd++;
    while (*cmd && *cmd != L'"' && i + 1 < cap) out[i++] = *cmd++;
  } else {
    const wchar_t *end = cmd;
    for (const wchar_t *p = cmd; *p; p++)
      if (_wcsnicmp(p, L".exe", 4) == 0 && (p[4] == 0 || p[4] == L' ')) {
        end = p + 4;
        break;
      }
    if (end == cmd) end = cmd + wcslen(cmd);
    while (cmd < end && i + 1 < cap) out[i++] = *cmd++;
  }
  out[i] = 0;
}

/* ---- the log: the exporter's output and the host's own lines, rotated and pruned -------- */

static HANDLE g_logfile = INVALID_HANDLE_VALUE;
static CRITICAL_SECTION g_loglock;
static DWORD g_log_bytes = DEFAULT_LOG_BYTES, g_log_files = DEFAULT_LOG_FILES;
static ULONGLONG g_log_size;
static ULONGLONG g_log_retry_at;    /* GetTickCount64() before which a failed open is not retried */
static ULONGLONG g_rotate_retry_at; /* the size at which a rotation that could not be done is tried again */

static DWORD reg_dword(const wchar_t *name, DWORD def, DWORD min, DWORD max) {
  DWORD v, sz = sizeof v;
  if (RegGetValueW(HKEY_LOCAL_MACHINE, SERVICE_KEY L"\\Parameters", name, RRF_RT_REG_DWORD, NULL, &v, &sz) != ERROR_SUCCESS) return def;
  return v < min ? min : v > max ? max : v;
}

/* Opens the log for appending. Readers (Get-Content -Wait, a log shipper) may hold it open: the
 * handle shares everything, and a failed open is retried a second later, not given up. */
static void log_open(void) {
  g_logfile = CreateFileW(g_log, FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
  LARGE_INTEGER sz = {0};
  if (g_logfile != INVALID_HANDLE_VALUE) GetFileSizeEx(g_logfile, &sz);
  else g_log_retry_at = GetTickCount64() + 1000;
  g_log_size = (ULONGLONG)sz.QuadPart;
}

static BOOL exists(const wchar_t *path) {
  return GetFileAttributesW(path) != INVALID_FILE_ATTRIBUTES;
}

/* sys-exporter.log -> .1 -> ... -> .N, the oldest deleted: the folder stays bounded. The live
 * log goes first, to .rotating: renamed, or, while a reader holds it without FILE_SHARE_DELETE,
 * copied and then emptied. Only then are the old files shifted and .rotating put at .1. A step
 * that fails (a reader holding a file) stops the rotation with every line in some file and no
 * file deleted but the oldest; it is finished later, from .rotating, once the log has grown by
 * a tenth. Called with the log lock held. */
static BOOL log_rotate(void) {
  wchar_t from[MAX_PATH + 16], to[MAX_PATH + 16], pending[MAX_PATH + 16];
  swprintf(pending, MAX_PATH + 16, L"%ls.rotating", g_log);
  if (!exists(pending)) {
    if (g_logfile != INVALID_HANDLE_VALUE) CloseHandle(g_logfile);
    g_logfile = INVALID_HANDLE_VALUE;
    BOOL moved = MoveFileExW(g_log, pending, 0);
    if (!moved && CopyFileW(g_log, pending, TRUE)) {
      HANDLE t = CreateFileW(g_log, GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, TRUNCATE_EXISTING, 0, NULL);
      moved = t != INVALID_HANDLE_VALUE;
      if (moved) CloseHandle(t);
      else DeleteFileW(pending); /* the copy, not the history: the log itself is still whole */
    }
    log_open();
    if (!moved) return FALSE;
  }
  swprintf(to, MAX_PATH + 16, L"%ls.%lu", g_log, g_log_files);
  if (exists(to) && !DeleteFileW(to)) return FALSE;
  for (DWORD i = g_log_files; i > 1; i--) {
    swprintf(from, MAX_PATH + 16, L"%ls.%lu", g_log, i - 1);
    swprintf(to, MAX_PATH + 16, L"%ls.%lu", g_log, i);
    if (exists(from) && !MoveFileExW(from, to, 0)) return FALSE;
  }
  swprintf(to, MAX_PATH + 16, L"%ls.1", g_log);
  return MoveFileExW(pending, to, 0);
}

static void log_write(const char *data, DWORD len) {
  EnterCriticalSection(&g_loglock);
  if (g_logfile == INVALID_HANDLE_VALUE && GetTickCount64() >= g_log_retry_at) log_open();
  if (g_logfile != INVALID_HANDLE_VALUE && g_log_size + len > g_log_bytes && g_log_size > 0 && g_log_size >= g_rotate_retry_at) {
    if (log_rotate()) g_rotate_retry_at = 0;
    else g_rotate_retry_at = g_log_size + g_log_bytes / 10;
  }
  DWORD w = 0;
  if (g_logfile != INVALID_HANDLE_VALUE && WriteFile(g_logfile, data, len, &w, NULL)) g_log_size += w;
  LeaveCriticalSection(&g_loglock);
}

/* ---- the Application event log ------------------------------------------------------------ */

static HANDLE g_events;

static void event(WORD type, DWORD id, const wchar_t *fmt, ...) {
  if (!g_events) g_events = RegisterEventSourceW(NULL, EVENT_SOURCE);
  if (!g_events) return;
  wchar_t msg[1024];
  FORMAT(msg, fmt);
  const wchar_t *strings[1] = {msg};
  ReportEventW(g_events, type, 0, id, NULL, 1, 0, strings, NULL);
}

/* A line of the host's own, in the exporter's logfmt: the message quoted, with backslashes and
 * quotes escaped as logfmt parsers (and the exporter's own lines) have them. */
static void host_log(const char *level, const wchar_t *fmt, ...) {
  wchar_t msg[1024];
  FORMAT(msg, fmt);
  wchar_t esc[2048];
  size_t j = 0;
  for (const wchar_t *p = msg; *p && j + 2 < 2048; p++) {
    if (*p == L'"' || *p == L'\\') esc[j++] = L'\\';
    esc[j++] = *p == L'\r' || *p == L'\n' ? L' ' : *p;
  }
  esc[j] = 0;
  SYSTEMTIME t;
  GetSystemTime(&t);
  char line[6400];
  int n = snprintf(line, sizeof line, "ts=%04u-%02u-%02uT%02u:%02u:%02u.%03uZ level=%s source=sys-exporter-service msg=\"",
                   t.wYear, t.wMonth, t.wDay, t.wHour, t.wMinute, t.wSecond, t.wMilliseconds, level);
  int m = WideCharToMultiByte(CP_UTF8, 0, esc, -1, line + n, (int)sizeof line - n - 3, NULL, NULL);
  if (m <= 0) return;
  n += m - 1;
  line[n++] = '"';
  line[n++] = '\r';
  line[n++] = '\n';
  log_write(line, (DWORD)n);
}

/* Copies the exporter's stdout and stderr (one pipe) into the log until the pipe closes. */
static DWORD WINAPI pump_output(LPVOID arg) {
  HANDLE rd = (HANDLE)arg;
  char buf[8192];
  DWORD n;
  while (ReadFile(rd, buf, sizeof buf, &n, NULL) && n > 0) log_write(buf, n);
  CloseHandle(rd);
  return 0;
}

/* ---- the service ---------------------------------------------------------------------------- */

static SERVICE_STATUS_HANDLE g_status_handle;
static SERVICE_STATUS g_status;
static HANDLE g_stop_event;
static HANDLE g_job; /* the exporter and its children: killed with the host (KILL_ON_JOB_CLOSE) */

static void report(DWORD state, DWORD win32_exit, DWORD specific_exit, DWORD wait_hint) {
  g_status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
  g_status.dwCurrentState = state;
  /* A stop is taken while starting too: an upgrade during a slow start must be able to stop it. */
  g_status.dwControlsAccepted = state == SERVICE_RUNNING || state == SERVICE_START_PENDING ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN : 0;
  g_status.dwWin32ExitCode = win32_exit;
  g_status.dwServiceSpecificExitCode = specific_exit;
  g_status.dwWaitHint = wait_hint;
  g_status.dwCheckPoint = (state == SERVICE_RUNNING || state == SERVICE_STOPPED) ? 0 : g_status.dwCheckPoint + 1;
  SetServiceStatus(g_status_handle, &g_status);
}

static DWORD WINAPI control_handler(DWORD control, DWORD type, LPVOID data, LPVOID ctx) {
  (void)type; (void)data; (void)ctx;
  switch (control) {
  case SERVICE_CONTROL_STOP:
  case SERVICE_CONTROL_SHUTDOWN:
    SetEvent(g_stop_event);
    return NO_ERROR;
  case SERVICE_CONTROL_INTERROGATE:
    return NO_ERROR;
  default:
    return ERROR_CALL_NOT_IMPLEMENTED;
  }
}

typedef struct {
  PROCESS_INFORMATION pi;
  HANDLE pipe;
  OVERLAPPED ready; /* the pending ConnectNamedPipe; waited for before it is freed */
  HANDLE pump;      /* the thread copying the exporter's output into the log */
} Child;

/* A pipe name nobody can guess: 128 random bits. */
static BOOL random_pipe_name(wchar_t *out, size_t cap) {
  unsigned char r[16];
  if (BCryptGenRandom(NULL, r, sizeof r, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0) return FALSE;
  int n = swprintf(out, cap, L"\\\\.\\pipe\\sys-exporter-service-");
  for (int i = 0; i < 16 && n + 2 < (int)cap; i++) n += swprintf(out + n, cap - (size_t)n, L"%02x", r[i]);
  return TRUE;
}

/* SYSTEM and this process's own account (the service's, LocalService), nobody else. */
static PSECURITY_DESCRIPTOR pipe_security(void) {
  HANDLE tok;
  if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok)) return NULL;
  BYTE buf[256];
  DWORD need;
  PSECURITY_DESCRIPTOR sd = NULL;
  wchar_t *sid = NULL;
  if (GetTokenInformation(tok, TokenUser, buf, sizeof buf, &need) && ConvertSidToStringSidW(((TOKEN_USER *)buf)->User.Sid, &sid)) {
    wchar_t sddl[256];
    swprintf(sddl, 256, L"D:P(A;;GA;;;SY)(A;;GA;;;%ls)", sid);
    if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl, SDDL_REVISION_1, &sd, NULL)) sd = NULL;
    LocalFree(sid);
  }
  CloseHandle(tok);
  return sd;
}

/* Starts listening on the pipe for a (new) client. */
static BOOL listen_pipe(Child *c, DWORD *err) {
  ResetEvent(c->ready.hEvent);
  if (ConnectNamedPipe(c->pipe, &c->ready)) return SetEvent(c->ready.hEvent);
  DWORD e = GetLastError();
  if (e == ERROR_PIPE_CONNECTED) return SetEvent(c->ready.hEvent);
  if (e == ERROR_IO_PENDING) return TRUE;
  *err = e;
  return FALSE;
}

/* Starts the exporter, suspended until it is in the job, with its output into the log and the
 * control pipe's name in its environment. */
static BOOL start_exporter(Child *c, DWORD *err) {
  wchar_t pipe_name[128], exe[MAX_PATH], cmd[3 * MAX_PATH];
  swprintf(exe, MAX_PATH, L"%ls\\%ls", g_dir, EXPORTER_EXE);
  swprintf(cmd, 3 * MAX_PATH, L"\"%ls\" \"--config.file=%ls\"", exe, g_config);

  memset(c, 0, sizeof *c);
  c->pipe = INVALID_HANDLE_VALUE;
  PSECURITY_DESCRIPTOR sd = pipe_security();
  if (!sd) {
    /* Never the default DACL (Everyone may read): no pipe, no start. */
    *err = GetLastError() ? GetLastError() : ERROR_ACCESS_DENIED;
    return FALSE;
  }
  SECURITY_ATTRIBUTES psa = {sizeof psa, sd, FALSE};
  /* FIRST_PIPE_INSTANCE: if the name exists (someone made it first), try another. */
  for (int tries = 0; tries < 8 && c->pipe == INVALID_HANDLE_VALUE; tries++) {
    if (!random_pipe_name(pipe_name, 128)) break;
    c->pipe = CreateNamedPipeW(pipe_name, PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED | FILE_FLAG_FIRST_PIPE_INSTANCE,
                               PIPE_TYPE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS, 1, 64, 64, 0, &psa);
  }
  *err = GetLastError();
  LocalFree(sd);
  if (c->pipe == INVALID_HANDLE_VALUE) return FALSE;
  c->ready.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
  if (!c->ready.hEvent || !listen_pipe(c, err)) return FALSE;
  SetEnvironmentVariableW(L"SYS_EXPORTER_SERVICE_PIPE", pipe_name);

  SECURITY_ATTRIBUTES inherit = {sizeof inherit, NULL, TRUE};
  HANDLE rd, wr;
  if (!CreatePipe(&rd, &wr, &inherit, 0)) {
    *err = GetLastError();
    return FALSE;
  }
  SetHandleInformation(rd, HANDLE_FLAG_INHERIT, 0);
  HANDLE nul = CreateFileW(L"NUL", GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, &inherit, OPEN_EXISTING, 0, NULL);
  STARTUPINFOW si = {sizeof si};
  si.dwFlags = STARTF_USESTDHANDLES | STARTF_USESHOWWINDOW;
  si.wShowWindow = SW_HIDE;
  si.hStdInput = nul;
  si.hStdOutput = wr;
  si.hStdError = wr;
  BOOL ok = CreateProcessW(exe, cmd, NULL, NULL, TRUE, CREATE_NO_WINDOW | CREATE_UNICODE_ENVIRONMENT | CREATE_SUSPENDED, NULL, g_dir, &si, &c->pi);
  *err = ok ? 0 : GetLastError();
  SetEnvironmentVariableW(L"SYS_EXPORTER_SERVICE_PIPE", NULL);
  CloseHandle(wr);
  if (nul != INVALID_HANDLE_VALUE) CloseHandle(nul);
  if (!ok) {
    CloseHandle(rd);
    return FALSE;
  }
  if (g_job && !AssignProcessToJobObject(g_job, c->pi.hProcess))
    host_log("warn", L"cannot put %ls in the host's job object (%ls): it may outlive a killed host", EXPORTER_EXE, err_text(GetLastError()));
  ResumeThread(c->pi.hThread);
  c->pump = CreateThread(NULL, 0, pump_output, rd, 0, NULL);
  if (!c->pump) CloseHandle(rd);
  return TRUE;
}

static void close_child(Child *c) {
  if (c->pipe && c->pipe != INVALID_HANDLE_VALUE) {
    /* The pending connect must be over before its OVERLAPPED and event go. */
    DWORD n;
    CancelIoEx(c->pipe, &c->ready);
    GetOverlappedResult(c->pipe, &c->ready, &n, TRUE);
    CloseHandle(c->pipe);
  }
  if (c->ready.hEvent) CloseHandle(c->ready.hEvent);
  /* Its output is in the log before the log is closed: the pump ends when the exporter and
   * whatever inherited its output are gone (the job kills those). */
  if (c->pump) {
    if (WaitForSingleObject(c->pump, 3000) != WAIT_OBJECT_0 && g_job) {
      TerminateJobObject(g_job, 1);
      WaitForSingleObject(c->pump, 3000);
    }
    CloseHandle(c->pump);
  }
  if (c->pi.hProcess) CloseHandle(c->pi.hProcess);
  if (c->pi.hThread) CloseHandle(c->pi.hThread);
  memset(c, 0, sizeof *c);
}

static DWORD exit_code_of(Child *c) {
  DWORD code = 0;
  GetExitCodeProcess(c->pi.hProcess, &code);
  return code;
}

/* "stop" on the pipe, then the stop budget, then TerminateProcess. TRUE if it stopped by itself. */
static BOOL stop_exporter(Child *c) {
  OVERLAPPED ov = {0};
  ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
  DWORD w;
  BOOL sent = WriteFile(c->pipe, "stop\n", 5, &w, &ov);
  if (!sent && GetLastError() == ERROR_PIPE_LISTENING) {
    /* Not connected yet: it is still starting and cannot hear "stop"; it serves nothing yet. */
    CloseHandle(ov.hEvent);
    TerminateProcess(c->pi.hProcess, 1);
    WaitForSingleObject(c->pi.hProcess, 5000);
    return FALSE;
  }
  if (!sent && GetLastError() == ERROR_IO_PENDING) {
    /* Waited for (bounded) before ov goes out of scope: the write must not land in freed stack. */
    if (WaitForSingleObject(ov.hEvent, 2000) != WAIT_OBJECT_0) CancelIoEx(c->pipe, &ov);
    GetOverlappedResult(c->pipe, &ov, &w, TRUE);
  }
  CloseHandle(ov.hEvent);
  for (DWORD waited = 0; waited < STOP_TIMEOUT_MS; waited += 1000) {
    report(SERVICE_STOP_PENDING, NO_ERROR, 0, 3000);
    if (WaitForSingleObject(c->pi.hProcess, 1000) == WAIT_OBJECT_0) return TRUE;
  }
  TerminateProcess(c->pi.hProcess, 1);
  WaitForSingleObject(c->pi.hProcess, 5000);
  return FALSE;
}

typedef enum { READY, EXITED, STOP_ASKED, TIMED_OUT } StartResult;

/* Waits for the exporter's "ready" (or its exit, or a stop). Only the exporter's own process
 * counts: another client on the pipe is logged and disconnected, and the wait goes on.
 * pending: report start progress. */
static StartResult wait_ready(Child *c, BOOL pending) {
  HANDLE h[3] = {c->ready.hEvent, c->pi.hProcess, g_stop_event};
  for (DWORD waited = 0; waited < READY_TIMEOUT_MS; waited += 1000) {
    if (pending) report(SERVICE_START_PENDING, NO_ERROR, 0, 5000);
    DWORD r = WaitForMultipleObjects(3, h, FALSE, 1000);
    if (r == WAIT_OBJECT_0) {
      ULONG pid = 0;
      DWORD n, err = 0;
      GetOverlappedResult(c->pipe, &c->ready, &n, FALSE);
      if (GetNamedPipeClientProcessId(c->pipe, &pid) && pid == c->pi.dwProcessId) return READY;
      /* Logged at the 1st, 10th, 100th... refusal: a process that keeps trying must not flood the log. */
      static unsigned refused;
      if (++refused == 1 || refused == 10 || refused == 100 || refused == 1000 || refused % 10000 == 0) {
        host_log("warn", L"refused a connection to the control pipe from process %lu, which is not %ls (pid %lu); %u refused so far", pid, EXPORTER_EXE, c->pi.dwProcessId, refused);
        if (refused == 1) event(EVENTLOG_WARNING_TYPE, MSG_RESTARTING, L"refused a connection to the service's control pipe from process %lu, which is not the exporter", pid);
      }
      DisconnectNamedPipe(c->pipe);
      if (!listen_pipe(c, &err)) return TIMED_OUT;
      continue;
    }
    if (r == WAIT_OBJECT_0 + 1) return EXITED;
    if (r == WAIT_OBJECT_0 + 2) return STOP_ASKED;
  }
  return TIMED_OUT;
}

/* A job that kills its processes when its last handle closes: when the host dies. */
static HANDLE kill_on_close_job(void) {
  HANDLE job = CreateJobObjectW(NULL, NULL);
  if (!job) return NULL;
  JOBOBJECT_EXTENDED_LIMIT_INFORMATION li;
  memset(&li, 0, sizeof li);
  li.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
  if (!SetInformationJobObject(job, JobObjectExtendedLimitInformation, &li, sizeof li)) {
    CloseHandle(job);
    return NULL;
  }
  return job;
}

static BOOL secure_folder(const wchar_t *path, const wchar_t *sddl);

static void WINAPI service_main(DWORD argc, LPWSTR *argv) {
  (void)argc; (void)argv;
  g_status_handle = RegisterServiceCtrlHandlerExW(SVC_NAME, control_handler, NULL);
  if (!g_status_handle) return;
  g_stop_event = CreateEventW(NULL, TRUE, FALSE, NULL);
  report(SERVICE_START_PENDING, NO_ERROR, 0, 5000);
  InitializeCriticalSection(&g_loglock);
  g_log_bytes = reg_dword(L"LogFileBytes", DEFAULT_LOG_BYTES, 4096, 0x40000000);
  g_log_files = reg_dword(L"LogFiles", DEFAULT_LOG_FILES, 1, 100);
  /* A log folder removed since install comes back protected, never with ProgramData's
   * inherited ACL (users may create files there); install accepts it as the service's own. The
   * data folder is install's alone: without it there are no settings, and the start fails. */
  if (exists(g_data) && !exists(g_logs)) secure_folder(g_logs, LOGS_SDDL);
  log_open();
  g_job = kill_on_close_job();
  if (!g_job) host_log("warn", L"cannot create a job object (%ls): the exporter may outlive a killed host", err_text(GetLastError()));

  BOOL running = FALSE;
  DWORD specific = 0, win32 = NO_ERROR, delay = RESTART_DELAY_MS;
  for (;;) {
    Child c;
    DWORD err;
    if (!start_exporter(&c, &err)) {
      host_log("error", L"cannot start %ls\\%ls: %ls", g_dir, EXPORTER_EXE, err_text(err));
      event(EVENTLOG_ERROR_TYPE, MSG_FAILED, L"cannot start %ls\\%ls: %ls", g_dir, EXPORTER_EXE, err_text(err));
      close_child(&c);
      win32 = err;
      break;
    }
    host_log("info", L"started %ls (pid %lu), waiting until it listens", EXPORTER_EXE, c.pi.dwProcessId);
    StartResult r = wait_ready(&c, !running);
    if (r == READY) {
      if (!running) {
        report(SERVICE_RUNNING, NO_ERROR, 0, 0);
        event(EVENTLOG_INFORMATION_TYPE, MSG_STARTED, L"%ls (pid %lu) is listening; settings %ls, log %ls", EXPORTER_EXE, c.pi.dwProcessId, g_config, g_log);
      }
      running = TRUE;
      host_log("info", L"%ls is listening: service running", EXPORTER_EXE);
      ULONGLONG served_from = GetTickCount64();
      HANDLE h[2] = {c.pi.hProcess, g_stop_event};
      r = WaitForMultipleObjects(2, h, FALSE, INFINITE) == WAIT_OBJECT_0 ? EXITED : STOP_ASKED;
      if (r == EXITED) {
        /* A crash while serving: restart it after a pause that doubles while it keeps
         * crashing, unless a stop comes first. */
        if (GetTickCount64() - served_from >= HEALTHY_MS) delay = RESTART_DELAY_MS;
        DWORD code = exit_code_of(&c);
        host_log("error", L"%ls exited with code %lu while serving; restarting it in %lu s", EXPORTER_EXE, code, delay / 1000);
        event(EVENTLOG_WARNING_TYPE, MSG_RESTARTING, L"%ls exited with code %lu while serving; restarting it in %lu s. Log: %ls", EXPORTER_EXE, code, delay / 1000, g_log);
        close_child(&c);
        if (WaitForSingleObject(g_stop_event, delay) == WAIT_OBJECT_0) break;
        delay = delay * 2 > RESTART_DELAY_MAX_MS ? RESTART_DELAY_MAX_MS : delay * 2;
        continue;
      }
    }
    if (r == STOP_ASKED) {
      report(SERVICE_STOP_PENDING, NO_ERROR, 0, 3000);
      host_log("info", L"stopping %ls", EXPORTER_EXE);
      if (stop_exporter(&c)) host_log("info", L"%ls stopped with code %lu", EXPORTER_EXE, exit_code_of(&c));
      else host_log("error", L"%ls did not stop within %u s: terminated", EXPORTER_EXE, STOP_TIMEOUT_MS / 1000);
      close_child(&c);
      event(EVENTLOG_INFORMATION_TYPE, MSG_STOPPED, L"service stopped");
      break;
    }
    /* Exited or hung before it listened: the start failed, and the service says so. */
    if (r == TIMED_OUT) {
      TerminateProcess(c.pi.hProcess, 1);
      host_log("error", L"%ls did not listen within %u s: terminated; see the lines above", EXPORTER_EXE, READY_TIMEOUT_MS / 1000);
      event(EVENTLOG_ERROR_TYPE, MSG_FAILED, L"%ls did not listen within %u s. Log: %ls", EXPORTER_EXE, READY_TIMEOUT_MS / 1000, g_log);
      win32 = ERROR_SERVICE_REQUEST_TIMEOUT;
    } else {
      specific = exit_code_of(&c);
      host_log("error", L"%ls exited with code %lu before it listened; see the lines above", EXPORTER_EXE, specific);
      event(EVENTLOG_ERROR_TYPE, MSG_FAILED, L"%ls exited with code %lu before it listened (2: a bad setting in %ls). Log: %ls", EXPORTER_EXE, specific, g_config, g_log);
      win32 = ERROR_SERVICE_SPECIFIC_ERROR;
    }
    close_child(&c);
    break;
  }
  host_log("info", L"service stopped");
  EnterCriticalSection(&g_loglock);
  if (g_logfile != INVALID_HANDLE_VALUE) CloseHandle(g_logfile);
  g_logfile = INVALID_HANDLE_VALUE;
  g_log_retry_at = ~0ULL; /* nothing reopens it now */
  LeaveCriticalSection(&g_loglock);
  if (g_events) DeregisterEventSource(g_events);
  report(SERVICE_STOPPED, win32, specific, 0);
}

/* ---- the commands -------------------------------------------------------------------------- */

static BOOL is_admin(void) {
  BYTE sid[SECURITY_MAX_SID_SIZE];
  DWORD sz = sizeof sid;
  BOOL member = FALSE;
  if (!CreateWellKnownSid(WinBuiltinAdministratorsSid, NULL, sid, &sz)) return FALSE;
  return CheckTokenMembership(NULL, sid, &member) && member;
}

typedef enum { ABSENT, OURS, OURS_NSSM, FOREIGN } Ownership;

/* Whether the service named sys_exporter is this host, our old NSSM install, or someone else's. */
static Ownership ownership(SC_HANDLE svc, wchar_t *image, size_t cap) {
  BYTE buf[8192];
  DWORD need;
  QUERY_SERVICE_CONFIGW *cfg = (QUERY_SERVICE_CONFIGW *)buf;
  image[0] = 0;
  if (!QueryServiceConfigW(svc, cfg, sizeof buf, &need)) return FOREIGN;
  wcsncpy(image, cfg->lpBinaryPathName ? cfg->lpBinaryPathName : L"", cap - 1);
  image[cap - 1] = 0;
  wchar_t exe[MAX_PATH];
  command_exe(image, exe, MAX_PATH);
  if (_wcsicmp(base_name(exe), HOST_EXE) == 0) return OURS;
  if (_wcsicmp(base_name(exe), NSSM_EXE) == 0) {
    wchar_t app[MAX_PATH];
    DWORD sz = sizeof app;
    if (RegGetValueW(HKEY_LOCAL_MACHINE, SERVICE_KEY L"\\Parameters", L"Application", RRF_RT_REG_SZ, NULL, app, &sz) == ERROR_SUCCESS &&
        _wcsicmp(base_name(app), EXPORTER_EXE) == 0)
      return OURS_NSSM;
  }
  return FOREIGN;
}

static int refuse_foreign(const wchar_t *image) {
  say(L"sys-exporter-service: a service named %ls already exists and is not sys-exporter's (it runs %ls): remove or rename it first", SVC_NAME, image);
  return 1;
}

static int cmd_preflight(void) {
  if (!is_admin()) {
    say(L"sys-exporter-service: administrator rights are required: right-click the script and choose \"Run as administrator\"");
    return 1;
  }
  SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_ALL_ACCESS);
  if (!scm) return fail(L"cannot open the Service Control Manager", GetLastError());
  SC_HANDLE svc = OpenServiceW(scm, SVC_NAME, SERVICE_QUERY_CONFIG);
  int rc = 0;
  if (svc) {
    wchar_t image[2048];
    if (ownership(svc, image, 2048) == FOREIGN) rc = refuse_foreign(image);
    CloseServiceHandle(svc);
  }
  CloseServiceHandle(scm);
  return rc;
}

static BOOL is_admin(void);

/* Creates a folder with the protected DACL (never with ProgramData's inherited one), or applies
 * it to the folder that is there. */
static BOOL secure_folder(const wchar_t *path, const wchar_t *sddl) {
  PSECURITY_DESCRIPTOR sd;
  if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl, SDDL_REVISION_1, &sd, NULL)) return FALSE;
  SECURITY_ATTRIBUTES sa = {sizeof sa, sd, FALSE};
  if (!CreateDirectoryW(path, &sa) && GetLastError() != ERROR_ALREADY_EXISTS) {
    DWORD e = GetLastError();
    LocalFree(sd);
    SetLastError(e);
    return FALSE;
  }
  BOOL present, defaulted;
  PACL dacl;
  GetSecurityDescriptorDacl(sd, &present, &dacl, &defaulted);
  /* Owned by Administrators (install runs elevated), so that whoever made it first keeps no
   * implicit right to change its DACL. The service, recreating its log folder, cannot: it owns it. */
  PSID admins = NULL;
  SECURITY_INFORMATION what = DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION;
  if (is_admin() && ConvertStringSidToSidW(L"S-1-5-32-544", &admins)) what |= OWNER_SECURITY_INFORMATION;
  DWORD e = SetNamedSecurityInfoW((LPWSTR)path, SE_FILE_OBJECT, what, admins, NULL, dacl, NULL);
  if (admins) LocalFree(admins);
  LocalFree(sd);
  SetLastError(e);
  return e == ERROR_SUCCESS;
}

/* Whether a SID may own the data folder or the settings: SYSTEM, Administrators,
 * TrustedInstaller, or the administrator running install (a folder they made by hand). */
static BOOL trusted_owner(PSID owner, BOOL service_may_own) {
  static const wchar_t *trusted[] = {L"S-1-5-18", L"S-1-5-32-544", L"S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464", L"S-1-5-19"};
  size_t n = sizeof trusted / sizeof *trusted - (service_may_own ? 0 : 1); /* LocalService last */
  for (size_t i = 0; i < n; i++) {
    PSID sid;
    if (ConvertStringSidToSidW(trusted[i], &sid)) {
      BOOL eq = EqualSid(owner, sid);
      LocalFree(sid);
      if (eq) return TRUE;
    }
  }
  HANDLE tok;
  BYTE buf[256];
  DWORD need;
  BOOL me = FALSE;
  if (OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok)) {
    me = GetTokenInformation(tok, TokenUser, buf, sizeof buf, &need) && EqualSid(owner, ((TOKEN_USER *)buf)->User.Sid);
    CloseHandle(tok);
  }
  return me;
}

/* Refuses a data folder or settings file that someone else prepared: a junction or symbolic
 * link (the DACL would go to its target), or one owned by an account that is not trusted (a
 * user who made it before install can keep changing it, or planted the settings). Says which,
 * in one line, and returns FALSE. A path that does not exist is fine. */
static BOOL check_planted(const wchar_t *path, const wchar_t *what, BOOL service_may_own) {
  DWORD a = GetFileAttributesW(path);
  if (a == INVALID_FILE_ATTRIBUTES) return TRUE;
  if (a & FILE_ATTRIBUTE_REPARSE_POINT) {
    say(L"sys-exporter-service: %ls %ls is a junction or symbolic link: remove it (it is not ours), then install again", what, path);
    return FALSE;
  }
  PSID owner = NULL;
  PSECURITY_DESCRIPTOR sd = NULL;
  DWORD e = GetNamedSecurityInfoW(path, SE_FILE_OBJECT, OWNER_SECURITY_INFORMATION, &owner, NULL, NULL, NULL, &sd);
  if (e != ERROR_SUCCESS || !owner) {
    say(L"sys-exporter-service: cannot read the owner of %ls %ls (%ls): refusing to use it", what, path, err_text(e));
    if (sd) LocalFree(sd);
    return FALSE;
  }
  BOOL ok = trusted_owner(owner, service_may_own);
  if (!ok) {
    wchar_t name[256] = L"?", domain[256] = L"";
    DWORD nn = 256, dn = 256;
    SID_NAME_USE use;
    wchar_t *str = NULL;
    if (!LookupAccountSidW(NULL, owner, name, &nn, domain, &dn, &use) && ConvertSidToStringSidW(owner, &str)) {
      wcsncpy(name, str, 255);
      LocalFree(str);
    }
    say(L"sys-exporter-service: %ls %ls is owned by %ls%ls%ls, not by an administrator: someone else made it; check it, remove it, then install again",
        what, path, domain, *domain ? L"\\" : L"", name);
  }
  LocalFree(sd);
  return ok;
}

/* defaults: settings copied into place when there are none yet (an upgrade keeps them). */
static int cmd_install(const wchar_t *defaults) {
  int rc = cmd_preflight();
  if (rc) return rc;
  /* Checked before and after securing: whatever appeared in between (a folder made first by a
   * user, a planted settings file) is caught by the second look; after it, only administrators
   * can change anything there. The log folder may be the service's own (it recreates it). */
  if (!check_planted(g_data, L"the data folder", FALSE)) return 1;
  if (!secure_folder(g_data, DATA_SDDL)) return fail(g_data, GetLastError());
  if (!check_planted(g_data, L"the data folder", FALSE) || !check_planted(g_config, L"the settings file", FALSE) || !check_planted(g_logs, L"the log folder", TRUE)) return 1;
  if (!secure_folder(g_logs, LOGS_SDDL)) return fail(g_logs, GetLastError());
  if (!check_planted(g_logs, L"the log folder", TRUE)) return 1;
  if (defaults && GetFileAttributesW(g_config) == INVALID_FILE_ATTRIBUTES) {
    if (!CopyFileW(defaults, g_config, TRUE)) return fail(g_config, GetLastError());
    say(L"sys-exporter-service: wrote the default settings to %ls", g_config);
  }

  wchar_t image[MAX_PATH + 2];
  swprintf(image, MAX_PATH + 2, L"\"%ls\\%ls\"", g_dir, HOST_EXE); /* quoted: no unquoted service path */
  SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_ALL_ACCESS);
  if (!scm) return fail(L"cannot open the Service Control Manager", GetLastError());
  SC_HANDLE svc = OpenServiceW(scm, SVC_NAME, SERVICE_ALL_ACCESS);
  const wchar_t *what;
  if (svc) {
    wchar_t old[2048];
    Ownership o = ownership(svc, old, 2048);
    if (o == FOREIGN) {
      CloseServiceHandle(svc);
      CloseServiceHandle(scm);
      return refuse_foreign(old);
    }
    if (!ChangeServiceConfigW(svc, SERVICE_WIN32_OWN_PROCESS, SERVICE_AUTO_START, SERVICE_ERROR_NORMAL, image, NULL, NULL, L"\0", SVC_ACCOUNT, L"", SVC_DISPLAY)) {
      DWORD e = GetLastError();
      CloseServiceHandle(svc);
      CloseServiceHandle(scm);
      return fail(L"cannot update the service", e);
    }
    if (o == OURS_NSSM) RegDeleteTreeW(HKEY_LOCAL_MACHINE, SERVICE_KEY L"\\Parameters"); /* NSSM's settings */
    what = o == OURS_NSSM ? L"sys-exporter-service: moved service %ls from NSSM to %ls" : L"sys-exporter-service: updated service %ls: %ls";
  } else {
    svc = CreateServiceW(scm, SVC_NAME, SVC_DISPLAY, SERVICE_ALL_ACCESS, SERVICE_WIN32_OWN_PROCESS, SERVICE_AUTO_START, SERVICE_ERROR_NORMAL, image, NULL, NULL, L"\0", SVC_ACCOUNT, L"");
    if (!svc) {
      DWORD e = GetLastError();
      CloseServiceHandle(scm);
      return fail(L"cannot create the service", e);
    }
    what = L"sys-exporter-service: installed service %ls: %ls";
  }
  SERVICE_DESCRIPTIONW desc = {(LPWSTR)SVC_DESCRIPTION};
  ChangeServiceConfig2W(svc, SERVICE_CONFIG_DESCRIPTION, &desc);
  /* If the host dies or reports a failure (a start that failed at boot, say), the SCM restarts
   * it twice, after 10 s and 60 s, then leaves it stopped, so that a bad setting is not
   * retried forever; a day without failures resets the count. A crash of the exporter while
   * serving is the host's to restart (with its own back-off). */
  SC_ACTION actions[3] = {{SC_ACTION_RESTART, 10000}, {SC_ACTION_RESTART, 60000}, {SC_ACTION_NONE, 0}};
  SERVICE_FAILURE_ACTIONSW fa = {86400, NULL, NULL, 3, actions};
  SERVICE_FAILURE_ACTIONS_FLAG flag = {TRUE}; /* a stop with an error counts as a failure too */
  SERVICE_REQUIRED_PRIVILEGES_INFOW privs = {(LPWSTR)L"SeChangeNotifyPrivilege\0"};
  BOOL ok = ChangeServiceConfig2W(svc, SERVICE_CONFIG_FAILURE_ACTIONS, &fa);
  DWORD e = ok ? 0 : GetLastError();
  /* Wine implements neither of these two; Windows Vista and later do. */
  ChangeServiceConfig2W(svc, SERVICE_CONFIG_FAILURE_ACTIONS_FLAG, &flag);
  ChangeServiceConfig2W(svc, SERVICE_CONFIG_REQUIRED_PRIVILEGES_INFO, &privs);
  CloseServiceHandle(svc);
  CloseServiceHandle(scm);
  if (!ok) return fail(L"cannot set the restart-on-failure actions", e);
  /* The Application event log source, with this executable as its message file. */
  HKEY ev;
  if (RegCreateKeyExW(HKEY_LOCAL_MACHINE, EVENT_KEY, 0, NULL, 0, KEY_SET_VALUE, NULL, &ev, NULL) == ERROR_SUCCESS) {
    wchar_t file[MAX_PATH];
    swprintf(file, MAX_PATH, L"%ls\\%ls", g_dir, HOST_EXE);
    DWORD types = EVENTLOG_ERROR_TYPE | EVENTLOG_WARNING_TYPE | EVENTLOG_INFORMATION_TYPE;
    RegSetValueExW(ev, L"EventMessageFile", 0, REG_EXPAND_SZ, (const BYTE *)file, (DWORD)((wcslen(file) + 1) * sizeof(wchar_t)));
    RegSetValueExW(ev, L"TypesSupported", 0, REG_DWORD, (const BYTE *)&types, sizeof types);
    RegCloseKey(ev);
  }
  say(what, SVC_NAME, image);
  say(L"sys-exporter-service: runs as LocalService, starts at boot; a failed start is retried after 10 s and 60 s, then left stopped");
  say(L"sys-exporter-service: start, stop and failures go to the Application event log, source %ls", EVENT_SOURCE);
  say(L"sys-exporter-service: settings %ls, log %ls", g_config, g_log);
  return 0;
}

/* Opens the Service Control Manager (*scm) and sys_exporter if it is ours. On NULL nothing is
 * left open; *rc 0: not installed (said unless quiet). */
static SC_HANDLE open_ours(DWORD scm_access, DWORD access, BOOL quiet, SC_HANDLE *scm, int *rc) {
  *rc = 0;
  *scm = OpenSCManagerW(NULL, NULL, scm_access);
  if (!*scm) {
    *rc = fail(L"cannot open the Service Control Manager", GetLastError());
    return NULL;
  }
  SC_HANDLE svc = OpenServiceW(*scm, SVC_NAME, access | SERVICE_QUERY_CONFIG);
  wchar_t image[2048];
  if (!svc) {
    DWORD e = GetLastError();
    if (e == ERROR_SERVICE_DOES_NOT_EXIST) {
      if (!quiet) say(L"sys-exporter-service: service %ls is not installed", SVC_NAME);
    }
    else *rc = fail(L"cannot open the service", e);
  } else if (ownership(svc, image, 2048) == FOREIGN) {
    *rc = refuse_foreign(image);
    CloseServiceHandle(svc);
    svc = NULL;
  }
  if (!svc) CloseServiceHandle(*scm);
  return svc;
}

/* Polls until the service is in state `want` or time is up. Waiting for a start, a stop also
 * ends the wait, once it carries an error or 2 s have passed (a stop right after StartService
 * may be the previous run's). A stop request is handled asynchronously: it is polled the same. */
static DWORD wait_for(SC_HANDLE svc, DWORD want, DWORD ms, SERVICE_STATUS *st) {
  memset(st, 0, sizeof *st);
  for (DWORD waited = 0;; waited += 250) {
    if (!QueryServiceStatus(svc, st)) {
      st->dwWin32ExitCode = GetLastError();
      return 0;
    }
    if (st->dwCurrentState == want || waited >= ms) return st->dwCurrentState;
    if (want == SERVICE_RUNNING && st->dwCurrentState == SERVICE_STOPPED && (st->dwWin32ExitCode != NO_ERROR || waited >= 2000)) return SERVICE_STOPPED;
    Sleep(250);
  }
}

static int cmd_stop(void) {
  int rc;
  SC_HANDLE scm;
  SC_HANDLE svc = open_ours(SC_MANAGER_CONNECT, SERVICE_STOP | SERVICE_QUERY_STATUS, TRUE, &scm, &rc);
  if (!svc) return rc;
  SERVICE_STATUS st;
  if (QueryServiceStatus(svc, &st) && st.dwCurrentState != SERVICE_STOPPED) {
    /* A service that cannot take the stop yet (a host from before this one, starting) is
     * asked again until it can, for as long as a start may take. */
    BOOL sent = FALSE;
    DWORD e = 0;
    for (DWORD waited = 0; !sent && waited <= READY_TIMEOUT_MS + 30000; waited += 250) {
      sent = ControlService(svc, SERVICE_CONTROL_STOP, &st);
      e = sent ? 0 : GetLastError();
      if (e == ERROR_SERVICE_NOT_ACTIVE) sent = TRUE;
      else if (!sent && e != ERROR_SERVICE_CANNOT_ACCEPT_CTRL) break;
      else if (!sent) Sleep(250);
    }
    if (!sent) rc = fail(L"cannot stop the service", e);
    else if (wait_for(svc, SERVICE_STOPPED, 30000, &st) != SERVICE_STOPPED) rc = fail(L"the service did not stop within 30 s", ERROR_SERVICE_REQUEST_TIMEOUT);
    else say(L"sys-exporter-service: stopped %ls", SVC_NAME);
  }
  CloseServiceHandle(svc);
  CloseServiceHandle(scm);
  return rc;
}

/* The last lines of the log, where the exporter says why it did not start. */
static void print_log_tail(void) {
  HANDLE f = CreateFileW(g_log, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_EXISTING, 0, NULL);
  if (f == INVALID_HANDLE_VALUE) return;
  LARGE_INTEGER sz;
  GetFileSizeEx(f, &sz);
  char buf[4097];
  LARGE_INTEGER at;
  at.QuadPart = sz.QuadPart > 4096 ? sz.QuadPart - 4096 : 0;
  SetFilePointerEx(f, at, NULL, FILE_BEGIN);
  DWORD n = 0;
  ReadFile(f, buf, 4096, &n, NULL);
  CloseHandle(f);
  buf[n] = 0;
  int lines = 0;
  char *p = buf + n;
  while (p > buf && lines <= 8)
    if (*--p == '\n') lines++;
  if (*p == '\n') p++;
  /* The log is UTF-8; the console is not (code page 936 on Chinese Windows): convert. */
  static wchar_t wide[4097];
  int w = MultiByteToWideChar(CP_UTF8, 0, p, -1, wide, 4097);
  if (w > 0) out_text(wide, FALSE);
}

static int cmd_start(void) {
  int rc;
  SC_HANDLE scm;
  SC_HANDLE svc = open_ours(SC_MANAGER_CONNECT, SERVICE_START | SERVICE_QUERY_STATUS, FALSE, &scm, &rc);
  if (!svc) return rc ? rc : 1;
  SERVICE_STATUS st;
  if (!StartServiceW(svc, 0, NULL) && GetLastError() != ERROR_SERVICE_ALREADY_RUNNING) {
    rc = fail(L"cannot start the service", GetLastError());
  } else if (wait_for(svc, SERVICE_RUNNING, 90000, &st) != SERVICE_RUNNING) {
    if (st.dwCurrentState == 0)
      say(L"sys-exporter-service: cannot query %ls: %ls", SVC_NAME, err_text(st.dwWin32ExitCode));
    else if (st.dwCurrentState != SERVICE_STOPPED)
      say(L"sys-exporter-service: %ls did not start within 90 s (state %lu). The end of %ls:", SVC_NAME, st.dwCurrentState, g_log);
    else if (st.dwWin32ExitCode == ERROR_SERVICE_SPECIFIC_ERROR)
      say(L"sys-exporter-service: %ls failed to start: the exporter exited with code %lu. The end of %ls:", SVC_NAME, st.dwServiceSpecificExitCode, g_log);
    else
      say(L"sys-exporter-service: %ls failed to start: %ls. The end of %ls:", SVC_NAME, err_text(st.dwWin32ExitCode), g_log);
    print_log_tail();
    rc = 1;
  } else {
    say(L"sys-exporter-service: %ls is running", SVC_NAME);
  }
  CloseServiceHandle(svc);
  CloseServiceHandle(scm);
  return rc;
}

static int cmd_uninstall(void) {
  if (!is_admin()) return cmd_preflight();
  int rc;
  SC_HANDLE scm;
  SC_HANDLE svc = open_ours(SC_MANAGER_ALL_ACCESS, SERVICE_ALL_ACCESS, FALSE, &scm, &rc);
  if (!svc) return rc;
  CloseServiceHandle(svc);
  CloseServiceHandle(scm);
  if ((rc = cmd_stop()) != 0) return rc;
  scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_ALL_ACCESS);
  svc = scm ? OpenServiceW(scm, SVC_NAME, DELETE) : NULL;
  if (!svc || !DeleteService(svc)) rc = fail(L"cannot delete the service", GetLastError());
  else {
    say(L"sys-exporter-service: removed service %ls", SVC_NAME);
    RegDeleteTreeW(HKEY_LOCAL_MACHINE, EVENT_KEY);
  }
  if (svc) CloseServiceHandle(svc);
  if (scm) CloseServiceHandle(scm);
  return rc;
}

/* The process id of `pid`'s parent, and its executable's name; 0 if not found. */
static DWORD parent_of(DWORD pid, wchar_t *name, size_t cap) {
  HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
  if (snap == INVALID_HANDLE_VALUE) return 0;
  PROCESSENTRY32W pe = {sizeof pe};
  DWORD parent = 0;
  for (BOOL more = Process32FirstW(snap, &pe); more; more = Process32NextW(snap, &pe))
    if (pe.th32ProcessID == pid) parent = pe.th32ParentProcessID;
  name[0] = 0;
  pe.dwSize = sizeof pe;
  for (BOOL more = parent && Process32FirstW(snap, &pe); more; more = Process32NextW(snap, &pe))
    if (pe.th32ProcessID == parent) {
      wcsncpy(name, pe.szExeFile, cap - 1);
      name[cap - 1] = 0;
    }
  CloseHandle(snap);
  return parent;
}

/* The scripts pause (their window would close unread) only when Explorer opened them: this
 * process's parent is the script's cmd.exe, and cmd's parent explorer.exe, and there is a
 * console to read a key from. Run from a console, PowerShell, a scheduled task or a deployment
 * tool, they never wait (%cmdcmdline%'s "/c", which 1.0 looked for, is there in all of those). */
static int cmd_double_clicked(void) {
  wchar_t name[MAX_PATH];
  DWORD cmd = parent_of(GetCurrentProcessId(), name, MAX_PATH);
  if (!cmd || _wcsicmp(name, L"cmd.exe") != 0) return 1;
  parent_of(cmd, name, MAX_PATH);
  DWORD mode;
  return _wcsicmp(name, L"explorer.exe") == 0 && GetConsoleMode(GetStdHandle(STD_INPUT_HANDLE), &mode) ? 0 : 1;
}

int wmain(int argc, wchar_t **argv) {
  init_paths();
  if (argc == 2 && wcscmp(argv[1], L"double-clicked") == 0) return cmd_double_clicked();
  if (argc == 2 && wcscmp(argv[1], L"preflight") == 0) return cmd_preflight();
  if ((argc == 2 || argc == 3) && wcscmp(argv[1], L"install") == 0) return cmd_install(argc == 3 ? argv[2] : NULL);
  if (argc == 2 && wcscmp(argv[1], L"start") == 0) return cmd_start();
  if (argc == 2 && wcscmp(argv[1], L"stop") == 0) return cmd_stop();
  if (argc == 2 && wcscmp(argv[1], L"uninstall") == 0) return cmd_uninstall();
  if (argc == 1) {
    SERVICE_TABLE_ENTRYW table[] = {{(LPWSTR)SVC_NAME, service_main}, {NULL, NULL}};
    if (StartServiceCtrlDispatcherW(table)) return 0;
    if (GetLastError() != ERROR_FAILED_SERVICE_CONTROLLER_CONNECT) return fail(L"service dispatcher", GetLastError());
  }
  say(L"usage: sys-exporter-service.exe preflight|install [defaults.yml]|start|stop|uninstall|double-clicked");
  say(L"  the Windows service host of exporter-windows.exe; install-service.bat runs it");
  return 2;
}
