// The agent benchmark's low-load client (benchmarks.md): one thread doing
// blocking get_host on one UDP socket, one request in flight: send a
// GetHostRequest, wait for the GetHostResponse with its seq, time the pair
// with CLOCK_MONOTONIC, next. C rather than the qps tool so that the
// client's own cost (a Node event loop, GC) stays out of the tail and the
// figures are the server's.
//
// usage: agent-get-host-client HOST PORT MODID CMDID COUNT WARMUP
// prints one JSON line: samples, errors (timeouts), notSucc (answers with a
// retcode other than SUCC), stale (answers of earlier seqs, dropped) and
// p50/p90/p99/p99.9/max in ms of the COUNT samples after WARMUP uncounted
// round trips.
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

enum { MSGID_GET_HOST_REQUEST = 4, MSGID_GET_HOST_RESPONSE = 5, HEADER = 8 };
// A lost datagram counts as an error after this long, and the loop goes on.
static const int TIMEOUT_MS = 1000;

static void die(const char *what) {
  perror(what);
  exit(1);
}

static size_t put_varint(uint8_t *p, uint64_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    p[n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  p[n++] = (uint8_t)v;
  return n;
}

// Returns 0 and advances *p, or -1 when the varint runs past end.
static int get_varint(const uint8_t **p, const uint8_t *end, uint64_t *out) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64 && *p < end; shift += 7) {
    uint8_t b = *(*p)++;
    v |= (uint64_t)(b & 0x7f) << shift;
    if ((b & 0x80) == 0) {
      *out = v;
      return 0;
    }
  }
  return -1;
}

static void put_le32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

// The frame of GetHostRequest {seq = 1, modid = 2, cmdid = 3}; int32 fields
// are varints of their 64-bit sign extension, as protobuf writes them.
static size_t encode_request(uint8_t *buf, uint32_t seq, int32_t modid, int32_t cmdid) {
  uint8_t *body = buf + HEADER;
  size_t n = 0;
  body[n++] = 0x08;
  n += put_varint(body + n, seq);
  if (modid != 0) {
    body[n++] = 0x10;
    n += put_varint(body + n, (uint64_t)(int64_t)modid);
  }
  if (cmdid != 0) {
    body[n++] = 0x18;
    n += put_varint(body + n, (uint64_t)(int64_t)cmdid);
  }
  put_le32(buf, MSGID_GET_HOST_REQUEST);
  put_le32(buf + 4, (uint32_t)n);
  return HEADER + n;
}

// Reads seq and retcode of a GetHostResponse frame; -1 when it is not one.
static int decode_response(const uint8_t *buf, size_t len, uint32_t *seq, int32_t *retcode) {
  if (len < HEADER || get_le32(buf) != MSGID_GET_HOST_RESPONSE || get_le32(buf + 4) != len - HEADER) return -1;
  const uint8_t *p = buf + HEADER, *end = buf + len;
  *seq = 0;
  *retcode = 0;
  while (p < end) {
    uint64_t tag, v;
    if (get_varint(&p, end, &tag) != 0) return -1;
    switch (tag & 7) {
      case 0:
        if (get_varint(&p, end, &v) != 0) return -1;
        if (tag >> 3 == 1) *seq = (uint32_t)v;
        if (tag >> 3 == 4) *retcode = (int32_t)v;
        break;
      case 2:
        if (get_varint(&p, end, &v) != 0 || v > (uint64_t)(end - p)) return -1;
        p += v;
        break;
      default:
        return -1;
    }
  }
  return 0;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

// The same definition as bench-common.ts percentile(): the smallest sample
// with at least p % of the samples at or below it, sorted[ceil(p/100 * n) - 1];
// p in thousandths of a percent (99.9 % = 99900) so the ceiling is exact integer arithmetic.
static double percentile(const double *sorted, long n, long p_milli) {
  if (n == 0) return 0;
  long i = (long)(((long long)p_milli * n + 99999) / 100000) - 1;
  if (i < 0) i = 0;
  return sorted[i < n ? i : n - 1];
}

int main(int argc, char **argv) {
  if (argc != 7) {
    fprintf(stderr, "usage: %s HOST PORT MODID CMDID COUNT WARMUP\n", argv[0]);
    return 2;
  }
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
  if (inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1) {
    fprintf(stderr, "bad IPv4 address: %s\n", argv[1]);
    return 2;
  }
  int32_t modid = (int32_t)atol(argv[3]), cmdid = (int32_t)atol(argv[4]);
  long count = atol(argv[5]), warmup = atol(argv[6]);
  if (count <= 0 || warmup < 0) {
    fprintf(stderr, "COUNT must be > 0 and WARMUP >= 0\n");
    return 2;
  }

  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) die("socket");
  // connect() so the kernel drops datagrams from anyone but the server.
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) die("connect");
  struct timeval tv = {.tv_sec = TIMEOUT_MS / 1000, .tv_usec = (TIMEOUT_MS % 1000) * 1000};
  if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0) die("setsockopt");

  double *samples = malloc(sizeof(double) * (size_t)count);
  if (samples == NULL) die("malloc");
  long n = 0, errors = 0, not_succ = 0, stale = 0;
  uint8_t req[64], resp[2048];
  uint32_t seq = 0;

  for (long i = 0; i < warmup + count; i++) {
    // seq 0 would be left out of the body (proto3 default) and match nothing apart.
    if (++seq == 0) seq = 1;
    size_t len = encode_request(req, seq, modid, cmdid);
    double t0 = now_ms();
    if (send(fd, req, len, 0) != (ssize_t)len) die("send");
    for (;;) {
      ssize_t got = recv(fd, resp, sizeof resp, 0);
      if (got < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          if (i >= warmup) errors++;
          break;
        }
        // ECONNREFUSED: nothing listens on the port (an ICMP error on a connected socket).
        die("recv");
      }
      uint32_t got_seq;
      int32_t retcode;
      if (decode_response(resp, (size_t)got, &got_seq, &retcode) != 0) {
        fprintf(stderr, "not a GetHostResponse frame (%zd bytes)\n", got);
        return 1;
      }
      // An answer to a request that already timed out: not this round trip's.
      if (got_seq != seq) {
        stale++;
        continue;
      }
      double dt = now_ms() - t0;
      if (i >= warmup) {
        samples[n++] = dt;
        if (retcode != 0) not_succ++;
      }
      break;
    }
  }
  close(fd);

  qsort(samples, (size_t)n, sizeof(double), by_value);
  printf(
      "{\"samples\":%ld,\"errors\":%ld,\"notSucc\":%ld,\"stale\":%ld,\"p50Ms\":%.6f,\"p90Ms\":%.6f,\"p99Ms\":%.6f,"
      "\"p999Ms\":%.6f,\"maxMs\":%.6f}\n",
      n, errors, not_succ, stale, percentile(samples, n, 50000), percentile(samples, n, 90000),
      percentile(samples, n, 99000), percentile(samples, n, 99900), n > 0 ? samples[n - 1] : 0);
  free(samples);
  return 0;
}
