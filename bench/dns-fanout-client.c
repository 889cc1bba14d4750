/*
 * DNS fan-out (docs/benchmarks.md), the agents' side: a process of its own,
 * compiled and started by bench/dns-fanout.ts, holding N raw protocol
 * connections spread over several 127.0.0.x source addresses (so no one
 * address needs more than N / sources ephemeral ports, and the DNS's
 * max_conn_per_ip is what a fleet of agents would meet). In C on one epoll
 * loop so that reading 10,000 sockets costs the receiving side a few
 * microseconds each: what the benchmark measures is the sender (the DNS, or
 * the bare net server of the floor), not this process.
 *
 * Against the DNS each connection sends one GetRouteRequest (that
 * subscribes it) and waits for its answer; against the floor it only reads.
 * Every frame received is parsed as a GetRouteResponse either way (its host
 * entries counted), so the floor costs this process what the DNS's pushes
 * cost it.
 *
 * Commands, one per line on stdin:
 *   open PORT N SOURCES HEX   HEX: the frame each connection sends once
 *                             connected and waits to have answered ("-": none)
 *   expect ROUND HOSTS        a connection counts once it holds HOSTS hosts
 *                             (-1: any frame counts)
 *   frame                     the largest frame received after `open`, hex
 *   close                     closes every connection
 * Reports, one JSON object per line on stdout (ClientReport in
 * dns-fanout.ts). Times are CLOCK_MONOTONIC in ms, the clock of Node's
 * process.hrtime, which every process of the machine shares.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define HEADER_BYTES 8
/* A GetRouteResponse of the benchmark's route (a few hosts) fits many times over. */
#define CONN_BUF 1024
/* Connections opened (and answered) before the next ones are started: below the listen backlog. */
#define OPEN_BATCH 256

struct conn {
  int fd;
  int counted; /* the last round this connection counted in */
  int answered;
  int len;
  uint8_t buf[CONN_BUF];
};

static struct conn *conns;
static int nconns;
static int epfd;
static int round_no = -1, want = -1, count;
static double first_ms, last_ms;
static uint8_t largest[CONN_BUF];
static int largest_len;
static int answers_pending;

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void fail(const char *what) {
  printf("{\"type\":\"error\",\"message\":\"%s: %s\"}\n", what, strerror(errno));
  fflush(stdout);
  exit(1);
}

static void report_error(const char *message) {
  printf("{\"type\":\"error\",\"message\":\"%s\"}\n", message);
  fflush(stdout);
}

static int varint(const uint8_t *p, int n, int *at, uint64_t *v) {
  uint64_t x = 0;
  for (int shift = 0; *at < n && shift < 64; shift += 7) {
    uint8_t b = p[(*at)++];
    x |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *v = x;
      return 0;
    }
  }
  return -1;
}

/* Host entries (field 3) of a GetRouteResponse body, or -1 when it does not parse. */
static int count_hosts(const uint8_t *p, int n) {
  int at = 0, hosts = 0;
  while (at < n) {
    uint64_t tag, v;
    if (varint(p, n, &at, &tag) < 0) return -1;
    switch (tag & 7) {
      case 0:
        if (varint(p, n, &at, &v) < 0) return -1;
        break;
      case 1:
        at += 8;
        break;
      case 2:
        if (varint(p, n, &at, &v) < 0 || v > (uint64_t)(n - at)) return -1;
        at += (int)v;
        if ((tag >> 3) == 3) hosts++;
        break;
      case 5:
        at += 4;
        break;
      default:
        return -1;
    }
  }
  return at == n ? hosts : -1;
}

static void on_frame(struct conn *c, const uint8_t *frame, int len) {
  int hosts = count_hosts(frame + HEADER_BYTES, len - HEADER_BYTES);
  if (hosts < 0) {
    report_error("a frame that is no GetRouteResponse");
    return;
  }
  if (!c->answered) {
    c->answered = 1;
    answers_pending--;
    return;
  }
  if (len > largest_len) {
    memcpy(largest, frame, len);
    largest_len = len;
  }
  if (c->counted == round_no || (want >= 0 && hosts != want)) return;
  double t = now_ms();
  c->counted = round_no;
  if (count == 0) first_ms = t;
  last_ms = t;
  if (++count == nconns) {
    printf("{\"type\":\"arrived\",\"round\":%d,\"first\":%.3f,\"last\":%.3f}\n", round_no, first_ms, last_ms);
    fflush(stdout);
  }
}

static void on_readable(struct conn *c) {
  for (;;) {
    ssize_t r = read(c->fd, c->buf + c->len, CONN_BUF - c->len);
    if (r < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      fail("read");
    }
    if (r == 0) {
      report_error("a connection closed");
      epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
      return;
    }
    c->len += (int)r;
    int at = 0;
    while (c->len - at >= HEADER_BYTES) {
      int32_t body;
      memcpy(&body, c->buf + at + 4, 4);
      if (body < 0 || HEADER_BYTES + body > CONN_BUF) {
        report_error("a frame larger than the client's buffer");
        exit(1);
      }
      if (c->len - at < HEADER_BYTES + body) break;
      on_frame(c, c->buf + at, HEADER_BYTES + body);
      at += HEADER_BYTES + body;
    }
    memmove(c->buf, c->buf + at, c->len - at);
    c->len -= at;
  }
}

/* Waits for events for up to timeout_ms; returns 1 when stdin has a command. */
static int poll_once(int timeout_ms) {
  struct epoll_event ev[512];
  int n = epoll_wait(epfd, ev, 512, timeout_ms);
  if (n < 0 && errno != EINTR) fail("epoll_wait");
  int command = 0;
  for (int i = 0; i < n; i++) {
    if (ev[i].data.ptr == NULL)
      command = 1;
    else
      on_readable(ev[i].data.ptr);
  }
  return command;
}

static int unhex(const char *hex, uint8_t *out, int max) {
  int n = (int)strlen(hex) / 2;
  if (n > max) return -1;
  for (int i = 0; i < n; i++) {
    unsigned b;
    if (sscanf(hex + 2 * i, "%2x", &b) != 1) return -1;
    out[i] = (uint8_t)b;
  }
  return n;
}

static void open_conns(int port, int n, int sources, const char *hex) {
  uint8_t request[CONN_BUF];
  int request_len = strcmp(hex, "-") == 0 ? 0 : unhex(hex, request, CONN_BUF);
  if (request_len < 0) {
    report_error("bad request hex");
    return;
  }
  double t0 = now_ms();
  conns = calloc(n, sizeof *conns);
  if (conns == NULL) fail("calloc");
  largest_len = 0;
  for (int start = 0; start < n; start += OPEN_BATCH) {
    int end = start + OPEN_BATCH < n ? start + OPEN_BATCH : n;
    for (int i = start; i < end; i++) {
      struct conn *c = &conns[i];
      c->counted = -1;
      c->answered = request_len == 0;
      c->fd = socket(AF_INET, SOCK_STREAM, 0);
      if (c->fd < 0) fail("socket");
      int one = 1;
      setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      struct sockaddr_in local = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001 + i % sources)};
      if (bind(c->fd, (struct sockaddr *)&local, sizeof local) < 0) fail("bind");
      struct sockaddr_in peer = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(0x7f000001)};
      /* Blocking: on loopback the handshake completes in the kernel, at once while the backlog has room. */
      if (connect(c->fd, (struct sockaddr *)&peer, sizeof peer) < 0) fail("connect");
      if (request_len > 0 && write(c->fd, request, request_len) != request_len) fail("write");
      fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
      struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
      if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0) fail("epoll_ctl");
      nconns++;
      if (!c->answered) answers_pending++;
    }
    while (answers_pending > 0) poll_once(1000);
  }
  printf("{\"type\":\"opened\",\"n\":%d,\"ms\":%.3f}\n", nconns, now_ms() - t0);
  fflush(stdout);
}

static void close_conns(void) {
  for (int i = 0; i < nconns; i++) close(conns[i].fd);
  free(conns);
  conns = NULL;
  nconns = 0;
  answers_pending = 0;
  printf("{\"type\":\"closed\"}\n");
  fflush(stdout);
}

static void command(char *line) {
  char hex[2 * CONN_BUF + 1];
  int a, b, c;
  if (sscanf(line, "open %d %d %d %2048s", &a, &b, &c, hex) == 4) {
    open_conns(a, b, c, hex);
  } else if (sscanf(line, "expect %d %d", &a, &b) == 2) {
    round_no = a;
    want = b;
    count = 0;
    printf("{\"type\":\"ready\",\"round\":%d}\n", a);
    fflush(stdout);
  } else if (strncmp(line, "frame", 5) == 0) {
    printf("{\"type\":\"frame\",\"hex\":\"");
    for (int i = 0; i < largest_len; i++) printf("%02x", largest[i]);
    printf("\"}\n");
    fflush(stdout);
  } else if (strncmp(line, "close", 5) == 0) {
    close_conns();
  } else {
    report_error("unknown command");
  }
}

int main(void) {
  epfd = epoll_create1(0);
  if (epfd < 0) fail("epoll_create1");
  fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, 0, &ev) < 0) fail("epoll_ctl stdin");
  char line[4096];
  int have = 0;
  for (;;) {
    if (!poll_once(-1)) continue;
    for (;;) {
      ssize_t r = read(0, line + have, sizeof line - 1 - have);
      if (r == 0) return 0; /* the benchmark is gone */
      if (r < 0) {
        if (errno == EAGAIN) break;
        fail("read stdin");
      }
      have += (int)r;
      line[have] = 0;
      char *nl;
      while ((nl = strchr(line, '\n')) != NULL) {
        *nl = 0;
        command(line);
        int rest = have - (int)(nl + 1 - line);
        memmove(line, nl + 1, rest);
        have = rest;
        line[have] = 0;
      }
    }
  }
}
