/* A tiny seccomp agent for the SCMP_ACT_NOTIFY tests.
 *
 *   seccomp_agent SOCKET STATEFILE ERRNO
 *
 * Listens on the unix stream socket SOCKET (prints "ready" once it does), accepts one connection,
 * receives the listener fd (SCM_RIGHTS) and the "seccomp state" JSON that came with it (written
 * to STATEFILE), then answers every notified syscall with -ERRNO (ERRNO 0: let it run, with
 * SECCOMP_USER_NOTIF_FLAG_CONTINUE) until the filter has no process left. Gives up after 20 s. */
#include <errno.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

static void die(const char *what) {
    perror(what);
    exit(1);
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s SOCKET STATEFILE ERRNO\n", argv[0]);
        return 2;
    }
    int answer = atoi(argv[3]);
    alarm(20);

    int lsock = socket(AF_UNIX, SOCK_STREAM, 0);
    if (lsock < 0) die("socket");
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    strncpy(addr.sun_path, argv[1], sizeof addr.sun_path - 1);
    unlink(argv[1]);
    if (bind(lsock, (struct sockaddr *)&addr, sizeof addr) < 0) die("bind");
    if (listen(lsock, 1) < 0) die("listen");
    printf("ready\n");
    fflush(stdout);

    int conn = accept(lsock, NULL, NULL);
    if (conn < 0) die("accept");
    static char payload[65536];
    struct iovec iov = {payload, sizeof payload - 1};
    char control[CMSG_SPACE(sizeof(int))];
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
    ssize_t n = recvmsg(conn, &msg, 0);
    if (n < 0) die("recvmsg");
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
    if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS) {
        fprintf(stderr, "no fd received\n");
        return 1;
    }
    int listener;
    memcpy(&listener, CMSG_DATA(cmsg), sizeof listener);
    FILE *f = fopen(argv[2], "w");
    if (!f) die("fopen state file");
    fwrite(payload, 1, (size_t)n, f);
    fclose(f);
    printf("got listener\n");
    fflush(stdout);

    struct seccomp_notif_sizes sizes;
    if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0) die("SECCOMP_GET_NOTIF_SIZES");
    struct seccomp_notif *req = malloc(sizes.seccomp_notif > sizeof *req ? sizes.seccomp_notif : sizeof *req);
    struct seccomp_notif_resp *resp =
        malloc(sizes.seccomp_notif_resp > sizeof *resp ? sizes.seccomp_notif_resp : sizeof *resp);
    for (;;) {
        struct pollfd p = {.fd = listener, .events = POLLIN};
        if (poll(&p, 1, -1) < 0) {
            if (errno == EINTR) continue;
            die("poll");
        }
        if (p.revents & (POLLHUP | POLLERR)) break; /* no process left in the filter */
        memset(req, 0, sizes.seccomp_notif);
        if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, req) < 0) {
            if (errno == EINTR || errno == ENOENT) continue;
            break;
        }
        memset(resp, 0, sizes.seccomp_notif_resp);
        resp->id = req->id;
        if (answer == 0) {
            resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
        } else {
            resp->error = -answer;
        }
        printf("answered syscall %d\n", req->data.nr);
        fflush(stdout);
        if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0 && errno != ENOENT) die("SECCOMP_IOCTL_NOTIF_SEND");
    }
    printf("done\n");
    return 0;
}
