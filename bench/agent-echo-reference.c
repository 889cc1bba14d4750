// The agent benchmark's reference servers (benchmarks.md): the floor's
// canned answers (agent-echo-worker.ts: a GetHostRequest comes back as a
// GetHostResponse with one host, an API_GetRouteRequest as an
// API_GetRouteResponse, anything else is dropped) served from C, so the
// kernel's share of a request is measured apart from any JavaScript.
//
//   epoll    one thread, an epoll set over the three ports, recvmmsg and
//            sendmmsg per readable port: the native agent's design with
//            threads = 0, minus Node. What a one-thread server costs here
//            at best.
//   threads  one thread per port, each blocking in recvfrom and answering
//            with sendto: the original C++ agent's design.
//
// usage: agent-echo-reference HOST BASE_PORT epoll|threads
// prints "ready" on stdout once the three ports are bound; runs until killed.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

enum { PORTS = 3, HEADER = 8, SLOT = 4096, BATCH = 64 };
enum { GET_HOST_REQUEST = 4, GET_HOST_RESPONSE = 5, API_GET_ROUTE_REQUEST = 7, API_GET_ROUTE_RESPONSE = 8 };
// HostInfo {ip: 192.168.1.177, port: 7777}, as agent-echo-worker.ts answers.
static const uint8_t HOST_INFO[] = {0x08, 0xb1, 0x83, 0xa0, 0x85, 0xfc, 0xff, 0xff, 0xff, 0xff, 0x01, 0x10, 0xe1, 0x3c};
// The answer's length: the request, a field tag, a length byte and HOST_INFO.
enum { SUFFIX = 2 + sizeof HOST_INFO, OUT_SLOT = SLOT + SUFFIX };

static void die(const char *what) {
  perror(what);
  exit(1);
}

// Writes the answer to the datagram `in` into `out`; 0 when it gets none.
static int answer(const uint8_t *in, int n, uint8_t *out) {
  if (n < HEADER) return 0;
  uint8_t msgid, tag;
  if (in[0] == GET_HOST_REQUEST) {
    msgid = GET_HOST_RESPONSE;
    tag = 0x2a; // GetHostResponse field 5 (host), length-delimited
  } else if (in[0] == API_GET_ROUTE_REQUEST) {
    msgid = API_GET_ROUTE_RESPONSE;
    tag = 0x1a; // API_GetRouteResponse field 3 (host), length-delimited
  } else {
    return 0;
  }
  memcpy(out, in, n);
  out[0] = msgid;
  int32_t body = n - HEADER + SUFFIX;
  memcpy(out + 4, &body, 4); // little-endian, as the frame header is on x86
  out[n] = tag;
  out[n + 1] = sizeof HOST_INFO;
  memcpy(out + n + 2, HOST_INFO, sizeof HOST_INFO);
  return n + SUFFIX;
}

static int bind_port(const char *host, int port, int flags) {
  int fd = socket(AF_INET, SOCK_DGRAM | flags, 0);
  if (fd < 0) die("socket");
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) die("inet_pton");
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) die("bind");
  return fd;
}

static void *serve_blocking(void *arg) {
  int fd = (int)(intptr_t)arg;
  static __thread uint8_t in[SLOT], out[OUT_SLOT];
  for (;;) {
    struct sockaddr_in from;
    socklen_t len = sizeof from;
    int n = recvfrom(fd, in, sizeof in, 0, (struct sockaddr *)&from, &len);
    if (n < 0) continue;
    int m = answer(in, n, out);
    if (m > 0) sendto(fd, out, m, 0, (struct sockaddr *)&from, len);
  }
  return NULL;
}

static void run_threads(const char *host, int base_port) {
  pthread_t threads[PORTS];
  int fds[PORTS];
  for (int i = 0; i < PORTS; i++) fds[i] = bind_port(host, base_port + i, 0);
  for (int i = 0; i < PORTS; i++)
    if (pthread_create(&threads[i], NULL, serve_blocking, (void *)(intptr_t)fds[i]) != 0) die("pthread_create");
  printf("ready\n");
  fflush(stdout);
  pthread_join(threads[0], NULL);
}

static uint8_t in[BATCH][SLOT], out[BATCH][OUT_SLOT];
static struct mmsghdr rmsgs[BATCH], smsgs[BATCH];
static struct iovec riov[BATCH], siov[BATCH];
static struct sockaddr_in from[BATCH];

static void serve_batch(int fd) {
  for (int i = 0; i < BATCH; i++) {
    riov[i] = (struct iovec){.iov_base = in[i], .iov_len = SLOT};
    rmsgs[i].msg_hdr = (struct msghdr){.msg_name = &from[i], .msg_namelen = sizeof from[i], .msg_iov = &riov[i], .msg_iovlen = 1};
  }
  int n = recvmmsg(fd, rmsgs, BATCH, MSG_DONTWAIT, NULL);
  int k = 0;
  for (int i = 0; i < n; i++) {
    int m = answer(in[i], (int)rmsgs[i].msg_len, out[k]);
    if (m == 0) continue;
    siov[k] = (struct iovec){.iov_base = out[k], .iov_len = m};
    smsgs[k].msg_hdr = (struct msghdr){.msg_name = &from[i], .msg_namelen = sizeof from[i], .msg_iov = &siov[k], .msg_iovlen = 1};
    k++;
  }
  if (k > 0) sendmmsg(fd, smsgs, k, MSG_DONTWAIT);
}

static void run_epoll(const char *host, int base_port) {
  int ep = epoll_create1(0);
  if (ep < 0) die("epoll_create1");
  for (int i = 0; i < PORTS; i++) {
    int fd = bind_port(host, base_port + i, SOCK_NONBLOCK);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) die("epoll_ctl");
  }
  printf("ready\n");
  fflush(stdout);
  for (;;) {
    struct epoll_event ready[PORTS];
    int n = epoll_wait(ep, ready, PORTS, -1);
    for (int i = 0; i < n; i++) serve_batch(ready[i].data.fd);
  }
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s HOST BASE_PORT epoll|threads\n", argv[0]);
    return 2;
  }
  int base_port = atoi(argv[2]);
  if (strcmp(argv[3], "epoll") == 0) run_epoll(argv[1], base_port);
  if (strcmp(argv[3], "threads") == 0) run_threads(argv[1], base_port);
  fprintf(stderr, "%s: mode must be epoll or threads, not %s\n", argv[0], argv[3]);
  return 2;
}
