/* The machine's own floor for the `queued` benchmark (bench/queued.ts): TCP round trips over
 * loopback with no Node, no MQTT and no disk. A child process echoes; the parent sends a 200-byte
 * message, waits for it to come back, and prints each round trip in microseconds, one per line.
 * Both ends have Nagle off and block in read(2), as the till and the box wait for each other.
 * Usage: tcp-ping-pong N   (compiled by the benchmark with the system's cc when there is one) */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SIZE 200

static int full(int fd, char *buf, int n, int writing) {
  for (int done = 0; done < n;) {
    ssize_t r = writing ? write(fd, buf + done, n - done) : read(fd, buf + done, n - done);
    if (r <= 0) return -1;
    done += (int)r;
  }
  return 0;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 300, one = 1;
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof addr;
  if (bind(listener, (struct sockaddr *)&addr, len) || listen(listener, 1) ||
      getsockname(listener, (struct sockaddr *)&addr, &len))
    return 1;
  char buf[SIZE] = {0};
  pid_t child = fork();
  if (child == 0) {
    int s = accept(listener, NULL, NULL);
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    while (full(s, buf, SIZE, 0) == 0 && full(s, buf, SIZE, 1) == 0) {
    }
    return 0;
  }
  int c = socket(AF_INET, SOCK_STREAM, 0);
  setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(c, (struct sockaddr *)&addr, len)) return 1;
  for (int i = 0; i < n; i++) {
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (full(c, buf, SIZE, 1) || full(c, buf, SIZE, 0)) return 1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("%.1f\n", (t1.tv_sec - t0.tv_sec) * 1e6 + (t1.tv_nsec - t0.tv_nsec) / 1e3);
  }
  close(c);
  waitpid(child, NULL, 0);
  return 0;
}
