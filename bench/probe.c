/* probe.c: machine facts that explain most of the spread in the bench's numbers.
 *
 * usage: probe CGROUP_DIR [CPUSET_DIR]
 * Prints "forkexec_ms cgjoin_ms cpuset_first_ms cpuset_next_ms":
 *   forkexec_ms  median time to fork, exec /bin/true and wait (the cost under every runtime);
 *   cgjoin_ms    median time of one write of a pid to CGROUP_DIR/cgroup.procs after 50 ms idle.
 *                Moving a task between cgroups takes a global lock that, when idle, waits for an
 *                RCU grace period first; every runtime that puts a container in a cgroup pays it.
 *   cpuset_first_ms, cpuset_next_ms
 *                median time of a mkdir of CPUSET_DIR in a cgroup v1 cpuset hierarchy (100 ms after
 *                the last one went), and of a second child right after it. The first child cpuset
 *                on a host turns on the kernel's cpuset static keys (the page allocator starts
 *                checking cpusets), which patches kernel code on every CPU; the second costs what
 *                any cgroup mkdir does. On a host with a child cpuset already (a container running,
 *                docker's parent) both are the cheap kind. Every runtime that gives a container its
 *                own cpuset pays the first kind here, once per container.
 * CGROUP_DIR and CPUSET_DIR (and CPUSET_DIR-next) are created and removed here; they must not
 * exist (-1 is printed for what cannot be measured).
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

/* The two mkdir times (see the top); -1 each if CPUSET_DIR cannot be made. */
static void probe_cpuset(const char *dir, double *first, double *next) {
  char second[4096];
  snprintf(second, sizeof second, "%s-next", dir);
  double a[5], b[5];
  int n = 0;
  for (int i = 0; i < 5; i++) {
    /* A removed cpuset goes offline later (after an RCU grace period), and the keys with it. */
    usleep(100000);
    double t0 = now_ms();
    if (mkdir(dir, 0755) < 0) break;
    double t1 = now_ms();
    int ok = mkdir(second, 0755) == 0;
    double t2 = now_ms();
    if (ok) rmdir(second);
    rmdir(dir);
    if (!ok) break;
    a[n] = t1 - t0;
    b[n++] = t2 - t1;
  }
  *first = n ? median(a, n) : -1;
  *next = n ? median(b, n) : -1;
}

int main(int argc, char **argv) {
  if (argc != 2 && argc != 3) {
    fprintf(stderr, "usage: probe CGROUP_DIR [CPUSET_DIR]\n");
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
  double cpuset_first = -1, cpuset_next = -1;
  if (argc == 3) probe_cpuset(argv[2], &cpuset_first, &cpuset_next);
  printf("%.2f %.2f %.2f %.2f\n", median(fe, 21), cgm, cpuset_first, cpuset_next);
  return 0;
}
