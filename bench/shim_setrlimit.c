/* shim_setrlimit.c: LD_PRELOAD shim for crun on hosts where root lacks CAP_SYS_RESOURCE.
 *
 * crun may abort when it cannot raise RLIMIT_MEMLOCK. This shim makes setrlimit/prlimit
 * on RLIMIT_MEMLOCK report success when the real call fails with EPERM; every other call
 * goes through unchanged. run.sh builds and uses it only if crun's check run fails that way.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sys/resource.h>
#include <sys/types.h>

typedef int (*setrlimit_fn)(__rlimit_resource_t, const struct rlimit *);
typedef int (*prlimit_fn)(pid_t, __rlimit_resource_t, const struct rlimit *, struct rlimit *);

int setrlimit(__rlimit_resource_t res, const struct rlimit *rl) {
  static setrlimit_fn real;
  if (!real) real = (setrlimit_fn)dlsym(RTLD_NEXT, "setrlimit");
  int r = real(res, rl);
  if (r < 0 && errno == EPERM && res == RLIMIT_MEMLOCK) return 0;
  return r;
}

int prlimit(pid_t pid, __rlimit_resource_t res, const struct rlimit *nl, struct rlimit *ol) {
  static prlimit_fn real;
  if (!real) real = (prlimit_fn)dlsym(RTLD_NEXT, "prlimit");
  int r = real(pid, res, nl, ol);
  if (r < 0 && errno == EPERM && res == RLIMIT_MEMLOCK) return 0;
  return r;
}
