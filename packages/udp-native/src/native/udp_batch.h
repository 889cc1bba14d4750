// The socket object of the addon, shared by udp_batch.c (N-API, the poll
// mode and the send path) and serve_thread.c (the threaded mode).
#ifndef LARS_UDP_BATCH_H
#define LARS_UDP_BATCH_H

#define _GNU_SOURCE
#include <netinet/in.h>
#include <node_api.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

#include "get_host_table.h"

// Layout of one metadata record, in 32-bit words: the JS wrapper reads the
// same constants from the binding, so they are defined here only.
#define META_WORDS 4
#define META_LENGTH 0
#define META_ADDRESS 1
#define META_PORT 2
#define META_FLAGS 3
// The datagram was longer than its slot: only slotBytes bytes were kept.
#define FLAG_TRUNCATED 1u

// A typed array the JS side owns, pinned by a strong reference while the
// socket is bound. Its pointer is looked up again before every use, so a
// buffer that was detached (transferred) is noticed instead of written to.
// The serving thread cannot look it up (N-API is for the JS thread only):
// in threaded mode the buffers must stay attached while the socket is open.
typedef struct {
  napi_ref ref;
  uint8_t *data;
  size_t bytes;
} view_t;

enum state { FRESH, BOUND, CLOSING, CLOSED };

// What the serving thread shares with the JS thread. Counters are written by
// the thread alone and read with relaxed atomics; the hand-off fields only
// under `mu`.
typedef struct {
  pthread_t thread;
  bool live;
  int stop;
  get_host_table_t table;
  view_t table_view;
  uv_async_t async;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  // Datagrams for JS go to half `active` of the receive slots; the JS side
  // reads the other half. handed[h]: datagrams waiting in half h.
  uint32_t half;
  uint32_t active;
  uint32_t handed[2];
  // Datagrams JavaScript has finished handling, written by the JS thread
  // alone: handed_total - delivered are handed over and not yet handled.
  uint64_t delivered;
  // The thread's own buffers: `half` receive slots of slot_bytes, and a reply each.
  struct mmsghdr *msgs;
  struct iovec *iov;
  struct sockaddr_in *addr;
  uint8_t *data;
  struct mmsghdr *reply_msgs;
  struct iovec *reply_iov;
  uint8_t *replies;
  // Indices of the batch's datagrams for JS (not answered), in order.
  uint32_t *pass;
  uint64_t batches;
  uint64_t datagrams_in;
  uint64_t answered;
  // Datagrams handed to JS: with `answered`, every datagram the thread took.
  uint64_t handed_total;
  uint64_t datagrams_out;
  uint64_t send_errors;
  uint64_t recv_errors;
  uint64_t truncated;
  uint64_t handoff_waits;
  int last_errno;
} serve_t;

typedef struct {
  napi_env env;
  uv_loop_t *loop;
  uv_poll_t poll;
  int fd;
  enum state state;
  bool handle_live;
  bool referenced;
  bool finalized;
  bool teardown;
  // Threaded mode (a get_host table was given to bind): `serve` runs the
  // receive side, and `serve.async` is the handle instead of `poll`.
  bool threaded;
  serve_t serve;
  napi_async_cleanup_hook_handle cleanup;
  napi_async_context async_context;
  napi_ref self;
  napi_ref on_batch;
  napi_ref on_close;
  view_t recv_data;
  view_t recv_meta;
  view_t send_data;
  view_t send_meta;
  uint32_t slot_bytes;
  uint32_t recv_slots;
  uint32_t send_slots;
  uint32_t max_batches;
  struct mmsghdr *rmsgs;
  struct iovec *riov;
  struct sockaddr_in *raddr;
  struct mmsghdr *smsgs;
  struct iovec *siov;
  struct sockaddr_in *saddr;
  // Counters, read through stats(): doubles so they cross to JS as numbers.
  double batches;
  double datagrams_in;
  double truncated;
  double recv_errors;
  double datagrams_out;
  double send_errors;
  int last_errno;
} sock_t;

// Points one recvmmsg/sendmmsg header at its address and its one buffer.
static inline void set_msghdr(struct mmsghdr *m, struct sockaddr_in *addr, struct iovec *iov) {
  struct msghdr *h = &m->msg_hdr;
  h->msg_name = addr;
  h->msg_namelen = sizeof(struct sockaddr_in);
  h->msg_iov = iov;
  h->msg_iovlen = 1;
  h->msg_control = NULL;
  h->msg_controllen = 0;
  h->msg_flags = 0;
}

// serve_thread.c. serve_start: after bind, with the table pinned; 0 or an
// errno. serve_stop: wakes and joins the thread (JS thread, before the
// handle closes). serve_free: the thread's buffers.
int serve_start(sock_t *s);
void serve_stop(sock_t *s);
void serve_free(sock_t *s);
// Calls onBatch(count, first) for the datagrams handed over; the async
// handle's callback (defined in udp_batch.c, which owns call_js).
void serve_deliver(sock_t *s, void (*deliver)(sock_t *s, uint32_t count, uint32_t first));

#endif
