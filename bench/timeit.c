/* timeit.c: the bench's timer, a tiny request/response server.
 *
 * usage: timeit LOGFILE
 * Reads one request per line on stdin: fields separated by TABs,
 *   TIMEOUT <TAB> OUT <TAB> argv0 <TAB> argv1 ...
 * where OUT is a file for the command's stdout+stderr ("-" = LOGFILE, appended) and TIMEOUT is
 * in seconds (0 = none). For each request it fork-execs argv (stdin /dev/null) in a process
 * group of its own, waits with wait4 and writes
 *   <elapsed_ns> <exit> <maxrss_kib>
 * on stdout (exit = status, or 128+signal; 127 = exec failed; 124 = timed out, in which case the
 * whole process group was SIGKILLed).
 * elapsed is CLOCK_MONOTONIC from just before fork to just after wait4; maxrss is
 * wait4's ru_maxrss: the largest RSS of the child or any descendant it waited for.
 *
 * One long-lived instance runs per execution environment (the host mount namespace,
 * and a private one for crun), so every runtime is timed by the same code with no
 * per-call wrapper (shell, unshare, nsenter) in the measured interval.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: timeit LOGFILE < requests\n");
    return 2;
  }
  const char *log = argv[1];
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  setvbuf(stdout, NULL, _IOLBF, 0);
  while ((len = getline(&line, &cap, stdin)) > 0) {
    if (line[len - 1] == '\n') line[--len] = '\0';
    if (len == 0) continue;
    char *args[256];
    int n = 0;
    for (char *save = NULL, *tok = strtok_r(line, "\t", &save); tok && n < 255;
         tok = strtok_r(NULL, "\t", &save))
      args[n++] = tok;
    args[n] = NULL;
    if (n < 3) {
      printf("0 126 0\n");
      continue;
    }
    int timeout_ms = atoi(args[0]) * 1000;
    const char *out = strcmp(args[1], "-") == 0 ? log : args[1];
    int ofd = open(out, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    int nfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (ofd < 0 || nfd < 0) {
      perror("timeit: open");
      return 1;
    }
    long long t0 = now_ns();
    pid_t pid = fork();
    if (pid < 0) {
      perror("timeit: fork");
      return 1;
    }
    if (pid == 0) {
      setpgid(0, 0);
      dup2(nfd, 0);
      dup2(ofd, 1);
      dup2(ofd, 2);
      execvp(args[2], args + 2);
      fprintf(stderr, "timeit: exec %s: %s\n", args[2], strerror(errno));
      _exit(127);
    }
    setpgid(pid, pid);
    int timed_out = 0;
    if (timeout_ms > 0) {
      /* Wait for exit or timeout on a pidfd: no polling, so no added latency. */
      int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
      if (pfd >= 0) {
        struct pollfd p = {.fd = pfd, .events = POLLIN};
        int r;
        while ((r = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR) {
        }
        if (r == 0) {
          timed_out = 1;
          kill(-pid, SIGKILL);
          kill(pid, SIGKILL);
        }
        close(pfd);
      }
    }
    int st;
    struct rusage ru;
    while (wait4(pid, &st, 0, &ru) < 0)
      if (errno != EINTR) {
        perror("timeit: wait4");
        return 1;
      }
    long long t1 = now_ns();
    close(ofd);
    close(nfd);
    int code = timed_out ? 124 : WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    printf("%lld %d %ld\n", t1 - t0, code, ru.ru_maxrss);
  }
  free(line);
  return 0;
}
