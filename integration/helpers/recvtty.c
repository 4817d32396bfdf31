/* recvtty SOCKET INPUT [TIMEOUT_SECONDS]
 *
 * A console-socket receiver, as containerd/conmon implement it: listen on the AF_UNIX socket
 * SOCKET, accept one connection, receive exactly one SCM_RIGHTS message with exactly one fd (the
 * pty master). Then wait for the shell's first output (its prompt; at most 3 s), type INPUT
 * followed by a newline, and copy everything read from the master to stdout until the slave side
 * is closed (EIO/EOF), i.e. until the container's process has exited.
 *
 * stderr gets one line "payload=<bytes received with the fd>" (runc sends the pty's name).
 * Exit status: 0 ok; 2 timeout; 3 socket error; 4 not exactly one fd, or the fd is not a tty;
 * 5 payload not under 4096 bytes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static void on_alarm(int sig) {
  (void)sig;
  static const char msg[] = "recvtty: timeout\n";
  (void)!write(2, msg, sizeof msg - 1);
  _exit(2);
}

static int write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: recvtty SOCKET INPUT [TIMEOUT_SECONDS]\n");
    return 3;
  }
  const char *path = argv[1];
  const char *input = argv[2];
  int timeout = argc > 3 ? atoi(argv[3]) : 15;
  signal(SIGALRM, on_alarm);
  alarm(timeout > 0 ? (unsigned)timeout : 15);

  int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (ls < 0) { perror("recvtty: socket"); return 3; }
  struct sockaddr_un sa;
  memset(&sa, 0, sizeof sa);
  sa.sun_family = AF_UNIX;
  if (strlen(path) >= sizeof sa.sun_path) { fprintf(stderr, "recvtty: path too long\n"); return 3; }
  strcpy(sa.sun_path, path);
  if (bind(ls, (struct sockaddr *)&sa, sizeof sa) < 0) { perror("recvtty: bind"); return 3; }
  if (listen(ls, 1) < 0) { perror("recvtty: listen"); return 3; }
  int cs = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
  if (cs < 0) { perror("recvtty: accept"); return 3; }

  char payload[8192];
  union {
    struct cmsghdr h;
    char buf[CMSG_SPACE(sizeof(int) * 8)];
  } cm;
  struct iovec iov = {payload, sizeof payload - 1};
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = cm.buf;
  msg.msg_controllen = sizeof cm.buf;
  ssize_t n;
  do n = recvmsg(cs, &msg, MSG_CMSG_CLOEXEC); while (n < 0 && errno == EINTR);
  if (n < 0) { perror("recvtty: recvmsg"); return 3; }
  payload[n] = 0;
  fprintf(stderr, "payload=%s\n", payload);

  int nfds = 0, master = -1;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
      int *fds = (int *)CMSG_DATA(c);
      for (int i = 0; i < k; i++) {
        if (master < 0) master = fds[i];
        else close(fds[i]);
        nfds++;
      }
    }
  }
  if (nfds != 1 || (msg.msg_flags & MSG_CTRUNC)) {
    fprintf(stderr, "recvtty: expected exactly one fd, got %d%s\n", nfds,
            (msg.msg_flags & MSG_CTRUNC) ? " (truncated)" : "");
    return 4;
  }
  if (!isatty(master)) { fprintf(stderr, "recvtty: received fd is not a tty\n"); return 4; }
  if ((size_t)n >= 4096) { fprintf(stderr, "recvtty: payload of %zd bytes\n", n); return 5; }
  close(cs);
  close(ls);

  /* wait (a little) for the prompt, so the input is not typed before the shell reads it */
  struct pollfd p = {master, POLLIN, 0};
  char buf[4096];
  int r;
  do r = poll(&p, 1, 3000); while (r < 0 && errno == EINTR);
  if (r > 0 && (p.revents & POLLIN)) {
    ssize_t k = read(master, buf, sizeof buf);
    if (k > 0) write_all(1, buf, (size_t)k);
  }
  if (write_all(master, input, strlen(input)) < 0 || write_all(master, "\n", 1) < 0) {
    perror("recvtty: write to master");
    return 3;
  }
  for (;;) {
    ssize_t k = read(master, buf, sizeof buf);
    if (k > 0) { write_all(1, buf, (size_t)k); continue; }
    if (k < 0 && errno == EINTR) continue;
    break; /* EIO once the slave side is closed by every process */
  }
  return 0;
}
