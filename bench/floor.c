/* floor.c: the bare-syscall floor for starting a container.
 *
 * usage: floor ROOTFS CMD [ARG...]
 * Does only what any runtime must: clone into new mount, pid, uts, ipc and net namespaces
 * (the set in the default `runc spec` config), make all mounts private, bind the rootfs
 * onto itself, mount /proc in it, pivot_root(".", ".") and detach the old root, exec CMD.
 * The parent waits and exits with the child's status. No cgroups, no config parsing,
 * no state directory: whatever a runtime costs above this is its own overhead.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static char **g_argv;

static int die(const char *what) {
  fprintf(stderr, "floor: %s: %s\n", what, strerror(errno));
  return 126;
}

static int child(void *arg) {
  const char *rootfs = arg;
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) return die("make / private");
  if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0) return die("bind rootfs");
  if (chdir(rootfs) < 0) return die("chdir rootfs");
  if (mount("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
    return die("mount proc");
  if (syscall(SYS_pivot_root, ".", ".") < 0) return die("pivot_root");
  if (umount2(".", MNT_DETACH) < 0) return die("umount old root");
  if (chdir("/") < 0) return die("chdir /");
  execvp(g_argv[0], g_argv);
  die("exec");
  return 127;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: floor ROOTFS CMD [ARG...]\n");
    return 2;
  }
  g_argv = argv + 2;
  size_t stack_size = 64 * 1024;
  char *stack = malloc(stack_size);
  if (!stack) return die("malloc");
  int flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | SIGCHLD;
  pid_t pid = clone(child, stack + stack_size, flags, argv[1]);
  if (pid < 0) return die("clone");
  int st;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR) return die("waitpid");
  if (WIFEXITED(st)) return WEXITSTATUS(st);
  return 128 + WTERMSIG(st);
}
