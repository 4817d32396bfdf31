/* sdnotify: both ends of sd_notify, for the NOTIFY_SOCKET tests.
 *
 *   sdnotify listen PATH OUT   bind a datagram socket at PATH and append each datagram to OUT
 *                              until killed (the host's side: what systemd would get); "bound"
 *                              on stdout once it listens
 *   sdnotify send MESSAGE      send MESSAGE to $NOTIFY_SOCKET (the container's side)
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int address(const char *path, struct sockaddr_un *addr) {
  memset(addr, 0, sizeof *addr);
  addr->sun_family = AF_UNIX;
  if (!path || strlen(path) >= sizeof addr->sun_path) return -1;
  strcpy(addr->sun_path, path);
  return 0;
}

int main(int argc, char **argv) {
  struct sockaddr_un addr;
  int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
  if (fd < 0) return perror("socket"), 1;
  if (argc == 4 && strcmp(argv[1], "listen") == 0) {
    if (address(argv[2], &addr) < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) return perror("bind"), 1;
    printf("bound\n");
    fflush(stdout);
    for (;;) {
      char buf[4096];
      ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n < 0) return perror("recv"), 1;
      FILE *out = fopen(argv[3], "a");
      if (!out || fwrite(buf, 1, (size_t)n, out) != (size_t)n || fclose(out) != 0) return perror(argv[3]), 1;
    }
  }
  if (argc == 3 && strcmp(argv[1], "send") == 0) {
    if (address(getenv("NOTIFY_SOCKET"), &addr) < 0) return fprintf(stderr, "sdnotify: no NOTIFY_SOCKET\n"), 1;
    if (sendto(fd, argv[2], strlen(argv[2]), 0, (struct sockaddr *)&addr, sizeof addr) < 0) return perror("sendto"), 1;
    return 0;
  }
  fprintf(stderr, "usage: sdnotify listen PATH OUT | sdnotify send MESSAGE\n");
  return 2;
}
