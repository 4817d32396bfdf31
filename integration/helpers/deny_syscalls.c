/* deny_syscalls ERRNO NR... -- CMD [ARGS...]
 *
 * Runs CMD under a seccomp filter that fails each syscall NR (x86-64 numbers) with ERRNO (a
 * number) and allows everything else: a kernel without those calls (ENOSYS), or a seccomp
 * profile that refuses them (EPERM), as a runtime running in a container may meet. The filter
 * is inherited by every child, so it holds for the container's init as well. */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(int argc, char **argv) {
  int sep = 0;
  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], "--") == 0) {
      sep = i;
      break;
    }
  if (argc < 4 || sep < 3 || sep + 1 >= argc) {
    fprintf(stderr, "usage: deny_syscalls ERRNO NR... -- CMD [ARGS...]\n");
    return 127;
  }
  int err = atoi(argv[1]);
  int n = sep - 2;
  struct sock_filter prog[64];
  if (n > 32) {
    fprintf(stderr, "deny_syscalls: at most 32 syscalls\n");
    return 127;
  }
  int k = 0;
  prog[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
  prog[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
  prog[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  prog[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
  for (int i = 0; i < n; i++) {
    /* this rule's number: fail it; otherwise on to the next */
    prog[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)atoi(argv[2 + i]), 0, 1);
    prog[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (err & SECCOMP_RET_DATA));
  }
  prog[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  struct sock_fprog fprog = {.len = (unsigned short)k, .filter = prog};
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog) != 0) {
    perror("deny_syscalls: seccomp");
    return 127;
  }
  execvp(argv[sep + 1], argv + sep + 1);
  perror("deny_syscalls: exec");
  return 127;
}
