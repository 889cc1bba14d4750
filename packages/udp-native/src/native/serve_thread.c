// Threaded mode: one native thread per socket blocks in recvmmsg, answers
// the get_hosts the table can answer (get_host_table.c) with one sendmmsg
// per batch, and hands every other datagram to the socket's JS thread
// through half of the receive slots and a uv_async_t. A get_host the table
// answers never wakes JavaScript, and the thread sleeps in the kernel while
// no datagram comes (no polling).
//
// Hand-off: the thread appends to half `active`; the async callback, on the
// JS thread, swaps the halves under the mutex and delivers the one it took,
// which the thread cannot touch again before the next swap. When its half is
// full the thread waits for that swap (the kernel's receive buffer absorbs a
// burst meanwhile, as it does for a slow poll-mode socket).
#include "udp_batch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

// The thread only blocks in recvmmsg and its own code: a small stack.
#define SERVE_STACK_BYTES (256 * 1024)

static void count(uint64_t *counter, uint64_t n) { __atomic_fetch_add(counter, n, __ATOMIC_RELAXED); }

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  // Whole milliseconds, as Date.now() gives the deadlines JS writes.
  return (double)((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static void set_errno(serve_t *t, int err) { __atomic_store_n(&t->last_errno, err, __ATOMIC_RELAXED); }

// Copies the batch's datagrams listed in t->pass (those not answered) into
// the active half, under one lock; false when stopping. Wakes the JS thread
// before it waits for a full half to drain.
static bool hand_over(sock_t *s, uint32_t passed) {
  serve_t *t = &s->serve;
  bool open = true;
  pthread_mutex_lock(&t->mu);
  uint32_t k = 0;
  for (; k < passed && open; k++) {
    while (t->handed[t->active] == t->half && !__atomic_load_n(&t->stop, __ATOMIC_ACQUIRE)) {
      count(&t->handoff_waits, 1);
      uv_async_send(&t->async);
      pthread_cond_wait(&t->cv, &t->mu);
    }
    open = !__atomic_load_n(&t->stop, __ATOMIC_ACQUIRE);
    if (!open) break;
    uint32_t i = t->pass[k];
    uint32_t slot = t->active * t->half + t->handed[t->active]++;
    uint32_t len = t->msgs[i].msg_len;
    if (len > s->slot_bytes) len = s->slot_bytes;
    memcpy(s->recv_data.data + (size_t)slot * s->slot_bytes, t->data + (size_t)i * s->slot_bytes, len);
    uint32_t *m = (uint32_t *)s->recv_meta.data + (size_t)slot * META_WORDS;
    m[META_LENGTH] = len;
    m[META_ADDRESS] = ntohl(t->addr[i].sin_addr.s_addr);
    m[META_PORT] = ntohs(t->addr[i].sin_port);
    m[META_FLAGS] = (t->msgs[i].msg_hdr.msg_flags & MSG_TRUNC) ? FLAG_TRUNCATED : 0;
  }
  // Under the lock: JavaScript cannot deliver these, and count them, before it.
  __atomic_fetch_add(&t->handed_total, k, __ATOMIC_RELEASE);
  pthread_mutex_unlock(&t->mu);
  return open;
}

static void send_replies(sock_t *s, uint32_t n) {
  serve_t *t = &s->serve;
  uint32_t done = 0;
  while (done < n) {
    int sent = sendmmsg(s->fd, t->reply_msgs + done, n - done, MSG_DONTWAIT);
    if (sent < 0) {
      if (errno == EINTR) continue;
      // A full send buffer drops the rest, as UDP would; a bad destination drops one.
      int err = errno;
      set_errno(t, err);
      uint32_t dropped = err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS ? n - done : 1;
      count(&t->send_errors, dropped);
      done += dropped;
      continue;
    }
    count(&t->datagrams_out, (uint64_t)sent);
    done += (uint32_t)sent;
  }
}

static void *serve_main(void *arg) {
  sock_t *s = arg;
  serve_t *t = &s->serve;
  for (;;) {
    for (uint32_t i = 0; i < t->half; i++) set_msghdr(&t->msgs[i], &t->addr[i], &t->iov[i]);
    int n = recvmmsg(s->fd, t->msgs, t->half, MSG_WAITFORONE, NULL);
    // serve_stop sets `stop`, then shutdown() wakes this call.
    if (__atomic_load_n(&t->stop, __ATOMIC_ACQUIRE)) break;
    if (n < 0) {
      if (errno != EINTR) {
        count(&t->recv_errors, 1);
        set_errno(t, errno);
      }
      continue;
    }
    count(&t->batches, 1);
    count(&t->datagrams_in, (uint64_t)n);
    double now = now_ms();
    uint32_t replies = 0;
    uint32_t passed = 0;
    // In arrival order: while JavaScript has datagrams it has not handled (a
    // report may change the route), every later get_host goes to it too, so
    // a client that reports and then asks sees its report applied.
    bool behind = t->handed_total != __atomic_load_n(&t->delivered, __ATOMIC_ACQUIRE);
    for (int i = 0; i < n; i++) {
      uint32_t len = 0;
      uint8_t *reply = t->replies + (size_t)replies * GET_HOST_REPLY_MAX;
      if (t->msgs[i].msg_hdr.msg_flags & MSG_TRUNC) count(&t->truncated, 1);
      else if (!behind && passed == 0)
        len = get_host_answer(&t->table, t->data + (size_t)i * s->slot_bytes, t->msgs[i].msg_len, now, reply);
      if (len == 0) {
        t->pass[passed++] = (uint32_t)i;
        continue;
      }
      t->reply_iov[replies].iov_base = reply;
      t->reply_iov[replies].iov_len = len;
      set_msghdr(&t->reply_msgs[replies], &t->addr[i], &t->reply_iov[replies]);
      replies++;
    }
    // Answers first: they wait on nothing; the rest waits for JavaScript anyway.
    if (replies > 0) {
      count(&t->answered, replies);
      send_replies(s, replies);
    }
    if (passed > 0) {
      if (!hand_over(s, passed)) break;
      uv_async_send(&t->async);
    }
  }
  return NULL;
}

// Frees and clears, so serve_free may run twice (a failed start, then close).
#define FREE_CLEAR(p) (free(p), (p) = NULL)

void serve_free(sock_t *s) {
  serve_t *t = &s->serve;
  FREE_CLEAR(t->msgs);
  FREE_CLEAR(t->iov);
  FREE_CLEAR(t->addr);
  FREE_CLEAR(t->data);
  FREE_CLEAR(t->reply_msgs);
  FREE_CLEAR(t->reply_iov);
  FREE_CLEAR(t->replies);
  FREE_CLEAR(t->pass);
}

int serve_start(sock_t *s) {
  serve_t *t = &s->serve;
  serve_free(s);
  t->half = s->recv_slots / 2;
  t->msgs = calloc(t->half, sizeof(struct mmsghdr));
  t->iov = calloc(t->half, sizeof(struct iovec));
  t->addr = calloc(t->half, sizeof(struct sockaddr_in));
  // Virtual until written: a datagram dirties only the pages it fills.
  t->data = malloc((size_t)t->half * s->slot_bytes);
  t->reply_msgs = calloc(t->half, sizeof(struct mmsghdr));
  t->reply_iov = calloc(t->half, sizeof(struct iovec));
  t->replies = malloc((size_t)t->half * GET_HOST_REPLY_MAX);
  t->pass = malloc((size_t)t->half * sizeof(uint32_t));
  if (!t->msgs || !t->iov || !t->addr || !t->data || !t->reply_msgs || !t->reply_iov || !t->replies || !t->pass) {
    serve_free(s);
    return ENOMEM;
  }
  for (uint32_t i = 0; i < t->half; i++) {
    t->iov[i].iov_base = t->data + (size_t)i * s->slot_bytes;
    t->iov[i].iov_len = s->slot_bytes;
  }
  // The thread blocks in recvmmsg; every send passes MSG_DONTWAIT itself.
  int flags = fcntl(s->fd, F_GETFL);
  if (flags < 0 || fcntl(s->fd, F_SETFL, flags & ~O_NONBLOCK) < 0) return errno;
  t->active = 0;
  t->handed[0] = t->handed[1] = 0;
  t->handed_total = t->delivered = 0;
  t->stop = 0;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, SERVE_STACK_BYTES);
  int rc = pthread_create(&t->thread, &attr, serve_main, s);
  pthread_attr_destroy(&attr);
  if (rc != 0) return rc;
  t->live = true;
  return 0;
}

void serve_stop(sock_t *s) {
  serve_t *t = &s->serve;
  if (!t->live) return;
  __atomic_store_n(&t->stop, 1, __ATOMIC_RELEASE);
  // On an unbound-peer UDP socket shutdown() fails with ENOTCONN, but it
  // still marks the socket shut and wakes a recvmmsg blocked on it.
  shutdown(s->fd, SHUT_RDWR);
  pthread_mutex_lock(&t->mu);
  pthread_cond_broadcast(&t->cv);
  pthread_mutex_unlock(&t->mu);
  pthread_join(t->thread, NULL);
  t->live = false;
}

void serve_deliver(sock_t *s, void (*deliver)(sock_t *s, uint32_t count, uint32_t first)) {
  serve_t *t = &s->serve;
  pthread_mutex_lock(&t->mu);
  uint32_t took = t->active;
  uint32_t n = t->handed[took];
  // The other half was delivered by the last call: the thread may refill it.
  t->handed[took ^ 1] = 0;
  t->active = took ^ 1;
  pthread_cond_broadcast(&t->cv);
  pthread_mutex_unlock(&t->mu);
  if (n > 0) {
    deliver(s, n, took * t->half);
    __atomic_store_n(&t->delivered, t->delivered + n, __ATOMIC_RELEASE);
  }
}
