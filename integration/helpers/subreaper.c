/* subreaper CMD [ARGS...]: become a child subreaper (prctl PR_SET_CHILD_SUBREAPER) and exec CMD.
 * run.sh re-executes itself through this so that a container init that runs out of parents
 * (after `create`/`run --detach` exit) is reparented to the test runner's bash, which reaps it
 * at once, instead of to PID 1, which on some machines reaps orphans a second late. */
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: subreaper CMD [ARGS...]\n");
    return 127;
  }
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) {
    perror("subreaper: prctl(PR_SET_CHILD_SUBREAPER)");
    return 127;
  }
  execvp(argv[1], argv + 1);
  perror("subreaper: exec");
  return 127;
}
