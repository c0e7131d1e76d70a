/* Runs a program as on Linux 3.10 (CentOS/RHEL 7): every x86-64 system call added after 3.10
 * fails with ENOSYS, as the old kernel answers them (getrandom, memfd_create, statx, copy_file_range,
 * io_uring, clone3, close_range, epoll_pwait2, ...), and x32 calls too. Built by test/portability. */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

#define LAST_SYSCALL_3_10 313 /* finit_module; sched_setattr (314) came in 3.14 */

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: %s program [args...]\n", argv[0]); return 2; }
  struct sock_filter f[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
    BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, LAST_SYSCALL_3_10, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = { sizeof f / sizeof f[0], f };
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) { perror("seccomp"); return 2; }
  execvp(argv[1], argv + 1);
  perror(argv[1]);
  return 127;
}
