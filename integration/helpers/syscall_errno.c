/* syscall_errno: a static binary (it runs inside the container, whose rootfs has no libc) that
 * makes each syscall number given, with all arguments 0, and prints "NR ERRNO-NAME" or "NR ok".
 * Used by the seccomp ENOSYS test: syscalls a profile does not know must fail with ENOSYS. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    long nr = strtol(argv[i], NULL, 0);
    errno = 0;
    long rc = syscall(nr, 0, 0, 0, 0, 0, 0);
    if (rc < 0)
      printf("%ld %s\n", nr, errno == ENOSYS ? "ENOSYS" : errno == EPERM ? "EPERM" : strerror(errno));
    else
      printf("%ld ok\n", nr);
  }
  return 0;
}
