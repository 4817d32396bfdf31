/* probe.c: two machine facts that explain most of the spread in the bench's numbers.
 *
 * usage: probe CGROUP_DIR
 * Prints "forkexec_ms cgjoin_ms":
 *   forkexec_ms  median time to fork, exec /bin/true and wait (the cost under every runtime);
 *   cgjoin_ms    median time of one write of a pid to CGROUP_DIR/cgroup.procs after 50 ms idle.
 *                Moving a task between cgroups takes a global lock that, when idle, waits for an
 *                RCU grace period first; every runtime that puts a container in a cgroup pays it.
 * CGROUP_DIR is created and removed here; it must not exist (-1 is printed if it cannot be used).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n) {
  qsort(v, n, sizeof *v, cmp);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: probe CGROUP_DIR\n");
    return 2;
  }
  double fe[21], cg[7];
  for (int i = 0; i < 21; i++) {
    double t0 = now_ms();
    pid_t p = fork();
    if (p == 0) {
      execl("/bin/true", "true", (char *)NULL);
      _exit(127);
    }
    waitpid(p, NULL, 0);
    fe[i] = now_ms() - t0;
  }
  double cgm = -1;
  char procs[4096];
  snprintf(procs, sizeof procs, "%s/cgroup.procs", argv[1]);
  if (mkdir(argv[1], 0755) == 0) {
    int n = 0;
    for (int i = 0; i < 7; i++) {
      pid_t p = fork();
      if (p == 0) {
        pause();
        _exit(0);
      }
      usleep(50000);
      int fd = open(procs, O_WRONLY);
      char buf[32];
      int len = snprintf(buf, sizeof buf, "%d", p);
      double t0 = now_ms();
      int ok = fd >= 0 && write(fd, buf, len) == len;
      double t1 = now_ms();
      if (fd >= 0) close(fd);
      kill(p, SIGKILL);
      waitpid(p, NULL, 0);
      if (ok) cg[n++] = t1 - t0;
    }
    usleep(10000);
    rmdir(argv[1]);
    if (n) cgm = median(cg, n);
  }
  printf("%.2f %.2f\n", median(fe, 21), cgm);
  return 0;
}
