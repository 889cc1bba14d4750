// Batched IPv4 UDP for Node.js: recvmmsg/sendmmsg on a non-blocking socket,
// watched by a uv_poll_t on the loop of the environment (main thread or
// worker) that created it. Datagrams land in memory the JS side owns: a data
// area of fixed-size slots and a Uint32Array of per-slot metadata, so one
// wakeup costs one JS call per recvmmsg batch instead of one per datagram.
//
// Context-aware: every environment that loads the addon gets its own
// instance data (the uv loop) through NAPI_MODULE_INIT, so it loads in any
// number of worker threads at once.

#include "udp_batch.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(env, call)                                                                                   \
  do {                                                                                                     \
    if ((call) != napi_ok) return throw_last(env);                                                         \
  } while (0)

typedef struct {
  uv_loop_t *loop;
} instance_t;

static napi_value throw_last(napi_env env) {
  const napi_extended_error_info *info = NULL;
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) {
    napi_get_last_error_info(env, &info);
    napi_throw_error(env, "LARS_NATIVE_ERROR",
                     info && info->error_message ? info->error_message : "N-API call failed");
  }
  return NULL;
}

static napi_value throw_bad(napi_env env, const char *message) {
  napi_throw_type_error(env, "LARS_BAD_OPTION", message);
  return NULL;
}

static napi_value make_int(napi_env env, int64_t v) {
  napi_value out = NULL;
  napi_create_int64(env, v, &out);
  return out;
}

static napi_value make_undefined(napi_env env) {
  napi_value out = NULL;
  napi_get_undefined(env, &out);
  return out;
}

static bool get_u32(napi_env env, napi_value v, uint32_t *out) {
  return napi_get_value_uint32(env, v, out) == napi_ok;
}

// Resolves `view` to its current backing store; false if it moved away
// (detached) or shrank below what the slots need.
static bool refresh_view(napi_env env, view_t *view, size_t need) {
  napi_value value;
  napi_typedarray_type type;
  size_t length;
  void *data = NULL;
  napi_value ab;
  size_t offset;
  if (napi_get_reference_value(env, view->ref, &value) != napi_ok || value == NULL) return false;
  if (napi_get_typedarray_info(env, value, &type, &length, &data, &ab, &offset) != napi_ok) return false;
  size_t bytes = type == napi_uint8_array ? length : length * 4;
  if (data == NULL || bytes < need) return false;
  view->data = data;
  view->bytes = bytes;
  return true;
}

static bool pin_view(napi_env env, napi_value value, napi_typedarray_type want, view_t *view) {
  bool is_typed = false;
  napi_typedarray_type type;
  size_t length;
  void *data = NULL;
  napi_value ab;
  size_t offset;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed) return false;
  if (napi_get_typedarray_info(env, value, &type, &length, &data, &ab, &offset) != napi_ok) return false;
  if (type != want) return false;
  view->data = data;
  view->bytes = want == napi_uint8_array ? length : length * 4;
  return napi_create_reference(env, value, 1, &view->ref) == napi_ok;
}

static void drop_ref(napi_env env, napi_ref *ref) {
  if (*ref != NULL) {
    napi_delete_reference(env, *ref);
    *ref = NULL;
  }
}

static void release_refs(sock_t *s) {
  napi_env env = s->env;
  drop_ref(env, &s->on_batch);
  drop_ref(env, &s->on_close);
  drop_ref(env, &s->recv_data.ref);
  drop_ref(env, &s->recv_meta.ref);
  drop_ref(env, &s->send_data.ref);
  drop_ref(env, &s->send_meta.ref);
  drop_ref(env, &s->serve.table_view.ref);
}

// The libuv handle of the socket: the poll, or in threaded mode the async.
static uv_handle_t *handle_of(sock_t *s) {
  return s->threaded ? (uv_handle_t *)&s->serve.async : (uv_handle_t *)&s->poll;
}

static void free_sock(sock_t *s) {
  free(s->rmsgs);
  free(s->riov);
  free(s->raddr);
  free(s->smsgs);
  free(s->siov);
  free(s->saddr);
  serve_free(s);
  pthread_mutex_destroy(&s->serve.mu);
  pthread_cond_destroy(&s->serve.cv);
  free(s);
}

// Calls `fn` as a callback from the event loop: napi_make_callback runs the
// nextTick and microtask queues afterwards, as for any libuv-driven event. An
// exception goes to 'uncaughtException', like one thrown by a dgram listener.
static bool call_js(sock_t *s, napi_ref fn_ref, size_t argc, napi_value *argv) {
  napi_env env = s->env;
  napi_value fn, self;
  if (fn_ref == NULL || napi_get_reference_value(env, fn_ref, &fn) != napi_ok || fn == NULL) return false;
  if (napi_get_reference_value(env, s->self, &self) != napi_ok || self == NULL) return false;
  napi_status status = napi_make_callback(env, s->async_context, self, fn, argc, argv, NULL);
  if (status == napi_pending_exception) {
    napi_value err;
    napi_get_and_clear_last_exception(env, &err);
    napi_fatal_exception(env, err);
    return false;
  }
  return status == napi_ok;
}

static void on_closed(uv_handle_t *handle) {
  sock_t *s = handle->data;
  s->handle_live = false;
  s->state = CLOSED;
  if (s->fd >= 0) {
    close(s->fd);
    s->fd = -1;
  }
  if (s->cleanup != NULL) {
    napi_remove_async_cleanup_hook(s->cleanup);
    s->cleanup = NULL;
  }
  // At environment teardown no JS may run and the references die with the
  // environment; only the memory is ours to free.
  if (s->teardown) {
    if (s->finalized) free_sock(s);
    return;
  }
  napi_handle_scope scope;
  napi_open_handle_scope(s->env, &scope);
  napi_ref on_close = s->on_close;
  s->on_close = NULL;
  call_js(s, on_close, 0, NULL);
  drop_ref(s->env, &on_close);
  release_refs(s);
  // Closed, the JS object may be collected again (see bind()).
  uint32_t count = 0;
  napi_reference_unref(s->env, s->self, &count);
  napi_close_handle_scope(s->env, scope);
  if (s->finalized) free_sock(s);
}

static void begin_close(sock_t *s) {
  if (s->handle_live && s->state == BOUND) {
    s->state = CLOSING;
    if (s->threaded) serve_stop(s);
    else uv_poll_stop(&s->poll);
    uv_close(handle_of(s), on_closed);
  }
}

// The environment (a worker, or the main thread at exit) is going away with
// the socket still open: close the handle so the loop can end, then say done.
static void on_env_teardown(napi_async_cleanup_hook_handle handle, void *arg) {
  (void)handle;
  sock_t *s = arg;
  s->teardown = true;
  begin_close(s);
}

static void fill_recv_iov(sock_t *s) {
  for (uint32_t i = 0; i < s->recv_slots; i++) {
    s->riov[i].iov_base = s->recv_data.data + (size_t)i * s->slot_bytes;
    s->riov[i].iov_len = s->slot_bytes;
  }
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  (void)events;
  sock_t *s = handle->data;
  if (s->state != BOUND) return;
  if (status < 0) {
    // libuv has stopped the handle (POLLERR). The socket is never connected
    // and has no IP_RECVERR, so ICMP errors do not raise it; what does is
    // fatal for the socket, and recvErrors/lastErrno tell the caller.
    s->recv_errors++;
    s->last_errno = -status;
    return;
  }
  napi_env env = s->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  size_t need_data = (size_t)s->recv_slots * s->slot_bytes;
  size_t need_meta = (size_t)s->recv_slots * META_WORDS * 4;
  for (uint32_t batch = 0; batch < s->max_batches && s->state == BOUND; batch++) {
    if (!refresh_view(env, &s->recv_data, need_data) || !refresh_view(env, &s->recv_meta, need_meta)) {
      // Nowhere to put datagrams: stop watching rather than spin on a
      // readable socket; close() still works.
      s->recv_errors++;
      s->last_errno = EFAULT;
      uv_poll_stop(&s->poll);
      break;
    }
    fill_recv_iov(s);
    for (uint32_t i = 0; i < s->recv_slots; i++) set_msghdr(&s->rmsgs[i], &s->raddr[i], &s->riov[i]);
    int n = recvmmsg(s->fd, s->rmsgs, s->recv_slots, MSG_DONTWAIT, NULL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        s->recv_errors++;
        s->last_errno = errno;
      }
      break;
    }
    if (n == 0) break;
    uint32_t *meta = (uint32_t *)s->recv_meta.data;
    for (int i = 0; i < n; i++) {
      uint32_t *m = meta + (size_t)i * META_WORDS;
      const struct sockaddr_in *from = &s->raddr[i];
      uint32_t flags = 0;
      if (s->rmsgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
        flags |= FLAG_TRUNCATED;
        s->truncated++;
      }
      m[META_LENGTH] = s->rmsgs[i].msg_len;
      m[META_ADDRESS] = ntohl(from->sin_addr.s_addr);
      m[META_PORT] = ntohs(from->sin_port);
      m[META_FLAGS] = flags;
    }
    s->batches++;
    s->datagrams_in += n;
    napi_value argv[2] = {make_int(env, n), make_int(env, 0)};
    call_js(s, s->on_batch, 2, argv);
    // A short batch means the queue is (nearly) empty: poll will wake us
    // again if more arrives, which saves the recvmmsg that says EAGAIN.
    if ((uint32_t)n < s->recv_slots) break;
  }
  napi_close_handle_scope(env, scope);
}

// Threaded mode: the datagrams the serving thread handed over, in slots
// first..first+count-1 of the receive area.
static void deliver_handed(sock_t *s, uint32_t count, uint32_t first) {
  napi_env env = s->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  s->batches++;
  napi_value argv[2] = {make_int(env, count), make_int(env, first)};
  call_js(s, s->on_batch, 2, argv);
  napi_close_handle_scope(env, scope);
}

static void on_handed(uv_async_t *handle) {
  sock_t *s = handle->data;
  if (s->state == BOUND) serve_deliver(s, deliver_handed);
}

static sock_t *unwrap(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv) {
  napi_value self;
  void *data = NULL;
  if (napi_get_cb_info(env, info, argc, argv, &self, NULL) != napi_ok) return NULL;
  if (napi_unwrap(env, self, &data) != napi_ok) return NULL;
  return data;
}

static void finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  sock_t *s = data;
  s->finalized = true;
  if (s->handle_live) return;
  if (!s->teardown) {
    drop_ref(env, &s->self);
    if (s->async_context != NULL) napi_async_destroy(env, s->async_context);
  }
  if (s->fd >= 0) close(s->fd);
  free_sock(s);
}

// new Socket(slotBytes, maxBatchesPerWakeup)
static napi_value sock_new(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], self;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, &self, NULL));
  uint32_t slot_bytes, max_batches;
  if (argc < 2 || !get_u32(env, argv[0], &slot_bytes) || !get_u32(env, argv[1], &max_batches))
    return throw_bad(env, "Socket(slotBytes, maxBatchesPerWakeup): two unsigned integers");
  if (slot_bytes == 0 || max_batches == 0) return throw_bad(env, "slotBytes and maxBatchesPerWakeup must be > 0");
  instance_t *inst = NULL;
  CHECK(env, napi_get_instance_data(env, (void **)&inst));
  sock_t *s = calloc(1, sizeof(sock_t));
  if (s == NULL) return throw_bad(env, "out of memory");
  s->env = env;
  s->loop = inst->loop;
  s->fd = -1;
  s->state = FRESH;
  s->referenced = true;
  s->slot_bytes = slot_bytes;
  s->max_batches = max_batches;
  pthread_mutex_init(&s->serve.mu, NULL);
  pthread_cond_init(&s->serve.cv, NULL);
  napi_value name;
  CHECK(env, napi_create_string_utf8(env, "BatchUdpSocket", NAPI_AUTO_LENGTH, &name));
  if (napi_async_init(env, self, name, &s->async_context) != napi_ok ||
      napi_wrap(env, self, s, finalize, NULL, &s->self) != napi_ok) {
    free_sock(s);
    return throw_last(env);
  }
  return self;
}

static bool alloc_slots(sock_t *s) {
  // A bind() that failed may be retried: drop what the last one allocated.
  free(s->rmsgs);
  free(s->riov);
  free(s->raddr);
  free(s->smsgs);
  free(s->siov);
  free(s->saddr);
  s->rmsgs = calloc(s->recv_slots, sizeof(struct mmsghdr));
  s->riov = calloc(s->recv_slots, sizeof(struct iovec));
  s->raddr = calloc(s->recv_slots, sizeof(struct sockaddr_in));
  s->smsgs = calloc(s->send_slots, sizeof(struct mmsghdr));
  s->siov = calloc(s->send_slots, sizeof(struct iovec));
  s->saddr = calloc(s->send_slots, sizeof(struct sockaddr_in));
  return s->rmsgs && s->riov && s->raddr && s->smsgs && s->siov && s->saddr;
}

// bind(ip, port, rcvbuf, sndbuf, recvData, recvMeta, sendData, sendMeta, onBatch[, table])
//   -> bound port, or -errno. With a get_host table (an Int32Array over a
// SharedArrayBuffer, get_host_table.h) the socket runs in threaded mode
// (serve_thread.c), and the receive slots are two halves for the hand-off.
static napi_value sock_bind(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value argv[10];
  uint32_t count = 0;
  int fd = -1;
  sock_t *s = unwrap(env, info, &argc, argv);
  if (s == NULL) return throw_last(env);
  if (s->state != FRESH) return throw_bad(env, "bind(): socket already bound or closed");
  uint32_t ip, port, rcvbuf, sndbuf;
  if (argc < 9 || !get_u32(env, argv[0], &ip) || !get_u32(env, argv[1], &port) || port > 65535 ||
      !get_u32(env, argv[2], &rcvbuf) || !get_u32(env, argv[3], &sndbuf))
    return throw_bad(env, "bind(ip, port, rcvbuf, sndbuf, ...): unsigned integers, port <= 65535");
  napi_valuetype fn_type;
  CHECK(env, napi_typeof(env, argv[8], &fn_type));
  if (fn_type != napi_function) return throw_bad(env, "bind(): onBatch must be a function");

  view_t rd = {0}, rm = {0}, sd = {0}, sm = {0};
  if (!pin_view(env, argv[4], napi_uint8_array, &rd) || !pin_view(env, argv[5], napi_uint32_array, &rm) ||
      !pin_view(env, argv[6], napi_uint8_array, &sd) || !pin_view(env, argv[7], napi_uint32_array, &sm)) {
    drop_ref(env, &rd.ref);
    drop_ref(env, &rm.ref);
    drop_ref(env, &sd.ref);
    drop_ref(env, &sm.ref);
    return throw_bad(env, "bind(): buffers must be Uint8Array, Uint32Array, Uint8Array, Uint32Array");
  }
  s->recv_data = rd;
  s->recv_meta = rm;
  s->send_data = sd;
  s->send_meta = sm;
  s->recv_slots = (uint32_t)(rm.bytes / (META_WORDS * 4));
  s->send_slots = (uint32_t)(sm.bytes / (META_WORDS * 4));
  if (s->recv_slots == 0 || s->send_slots == 0 || rd.bytes < (size_t)s->recv_slots * s->slot_bytes ||
      sd.bytes < (size_t)s->send_slots * s->slot_bytes) {
    release_refs(s);
    return throw_bad(env, "bind(): data buffers must hold slots * slotBytes bytes");
  }
  if (argc >= 10) {
    napi_valuetype table_type;
    CHECK(env, napi_typeof(env, argv[9], &table_type));
    s->threaded = table_type != napi_undefined;
  }
  if (s->threaded) {
    view_t *tv = &s->serve.table_view;
    const char *bad = NULL;
    if (!pin_view(env, argv[9], napi_int32_array, tv) ||
        !get_host_table_init(&s->serve.table, (int32_t *)tv->data, tv->bytes))
      bad = "bind(): table must be an Int32Array holding a get_host table";
    else if (s->recv_slots < 2 || s->recv_slots % 2 != 0)
      bad = "bind(): threaded mode needs an even number of receive slots";
    if (bad != NULL) {
      release_refs(s);
      s->threaded = false;
      return throw_bad(env, bad);
    }
  }
  if (!alloc_slots(s)) {
    release_refs(s);
    return throw_bad(env, "bind(): out of memory");
  }

  fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) goto fail;
  if (rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) < 0) goto fail;
  if (sndbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf) < 0) goto fail;
  struct sockaddr_in addr = {0};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(ip);
  addr.sin_port = htons((uint16_t)port);
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) goto fail;
  socklen_t len = sizeof addr;
  if (getsockname(fd, (struct sockaddr *)&addr, &len) < 0) goto fail;

  int rc = s->threaded ? uv_async_init(s->loop, &s->serve.async, on_handed) : uv_poll_init(s->loop, &s->poll, fd);
  if (rc < 0) {
    errno = -rc;
    goto fail;
  }
  handle_of(s)->data = s;
  s->fd = fd;
  s->handle_live = true;
  s->state = BOUND;
  if (!s->referenced) uv_unref(handle_of(s));
  CHECK(env, napi_create_reference(env, argv[8], 1, &s->on_batch));
  // Bound, the socket stays alive as long as it is open, like a dgram socket:
  // the strong reference keeps the JS object from being collected under the poll.
  CHECK(env, napi_reference_ref(env, s->self, &count));
  CHECK(env, napi_add_async_cleanup_hook(env, on_env_teardown, s, &s->cleanup));
  if (s->threaded) {
    int err = serve_start(s);
    rc = err == 0 ? 0 : -err;
  } else {
    rc = uv_poll_start(&s->poll, UV_READABLE, on_readable);
  }
  if (rc < 0) {
    begin_close(s);
    return make_int(env, rc);
  }
  return make_int(env, ntohs(addr.sin_port));

fail: {
  int err = errno;
  if (fd >= 0) close(fd);
  release_refs(s);
  return make_int(env, -err);
}
}

// flush(k, first) -> slots consumed from `first` (sent, or dropped on a hard
// error); fewer than k only when the socket would block.
static napi_value sock_flush(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  sock_t *s = unwrap(env, info, &argc, argv);
  if (s == NULL) return throw_last(env);
  uint32_t k, first;
  if (argc < 2 || !get_u32(env, argv[0], &k) || !get_u32(env, argv[1], &first))
    return throw_bad(env, "flush(k, first): unsigned integers");
  if (s->state != BOUND) return make_int(env, -EBADF);
  if ((uint64_t)first + k > s->send_slots) return throw_bad(env, "flush(): first + k exceeds the send slots");
  if (k == 0) return make_int(env, 0);
  if (!refresh_view(env, &s->send_data, (size_t)s->send_slots * s->slot_bytes) ||
      !refresh_view(env, &s->send_meta, (size_t)s->send_slots * META_WORDS * 4))
    return make_int(env, -EFAULT);
  const uint32_t *meta = (const uint32_t *)s->send_meta.data;
  for (uint32_t i = first; i < first + k; i++) {
    const uint32_t *m = meta + (size_t)i * META_WORDS;
    if (m[META_LENGTH] > s->slot_bytes || m[META_PORT] > 65535)
      return throw_bad(env, "flush(): a slot's length exceeds slotBytes or its port 65535");
    struct sockaddr_in *to = &s->saddr[i];
    to->sin_family = AF_INET;
    to->sin_addr.s_addr = htonl(m[META_ADDRESS]);
    to->sin_port = htons((uint16_t)m[META_PORT]);
    s->siov[i].iov_base = s->send_data.data + (size_t)i * s->slot_bytes;
    s->siov[i].iov_len = m[META_LENGTH];
    set_msghdr(&s->smsgs[i], to, &s->siov[i]);
  }
  uint32_t done = 0;
  while (done < k) {
    int n = sendmmsg(s->fd, s->smsgs + first + done, k - done, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) break;
      // This datagram cannot go (no route, too big, bad address): drop it as
      // the network would, so one bad destination does not hold the batch.
      s->send_errors++;
      s->last_errno = errno;
      done++;
      continue;
    }
    s->datagrams_out += n;
    done += (uint32_t)n;
  }
  return make_int(env, done);
}

// send(data, ip, port) -> 1 sent, 0 would block, -errno
static napi_value sock_send(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  sock_t *s = unwrap(env, info, &argc, argv);
  if (s == NULL) return throw_last(env);
  uint32_t ip, port;
  bool is_typed = false;
  if (argc < 3 || napi_is_typedarray(env, argv[0], &is_typed) != napi_ok || !is_typed ||
      !get_u32(env, argv[1], &ip) || !get_u32(env, argv[2], &port) || port > 65535)
    return throw_bad(env, "send(data, ip, port): a Uint8Array and unsigned integers, port <= 65535");
  if (s->state != BOUND) return make_int(env, -EBADF);
  napi_typedarray_type type;
  size_t length, offset;
  void *data = NULL;
  napi_value ab;
  CHECK(env, napi_get_typedarray_info(env, argv[0], &type, &length, &data, &ab, &offset));
  if (type != napi_uint8_array) return throw_bad(env, "send(): data must be a Uint8Array");
  struct sockaddr_in to = {0};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(ip);
  to.sin_port = htons((uint16_t)port);
  ssize_t n;
  do {
    n = sendto(s->fd, data, length, MSG_DONTWAIT, (struct sockaddr *)&to, sizeof to);
  } while (n < 0 && errno == EINTR);
  if (n >= 0) {
    s->datagrams_out++;
    return make_int(env, 1);
  }
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) return make_int(env, 0);
  s->send_errors++;
  s->last_errno = errno;
  return make_int(env, -errno);
}

// close(onClosed) -> true when closing started (onClosed runs once the handle
// and fd are closed), false when there was nothing to close.
static napi_value sock_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  sock_t *s = unwrap(env, info, &argc, argv);
  if (s == NULL) return throw_last(env);
  napi_value out;
  if (s->state != BOUND) {
    if (s->state == FRESH) s->state = CLOSED;
    CHECK(env, napi_get_boolean(env, false, &out));
    return out;
  }
  napi_valuetype type;
  if (argc < 1 || napi_typeof(env, argv[0], &type) != napi_ok || type != napi_function)
    return throw_bad(env, "close(onClosed): a function");
  CHECK(env, napi_create_reference(env, argv[0], 1, &s->on_close));
  begin_close(s);
  CHECK(env, napi_get_boolean(env, true, &out));
  return out;
}

static napi_value set_ref(napi_env env, napi_callback_info info, bool on) {
  size_t argc = 0;
  sock_t *s = unwrap(env, info, &argc, NULL);
  if (s == NULL) return throw_last(env);
  s->referenced = on;
  if (s->handle_live) {
    if (on)
      uv_ref(handle_of(s));
    else
      uv_unref(handle_of(s));
  }
  return make_undefined(env);
}

static napi_value sock_ref(napi_env env, napi_callback_info info) { return set_ref(env, info, true); }
static napi_value sock_unref(napi_env env, napi_callback_info info) { return set_ref(env, info, false); }

static void put_number(napi_env env, napi_value obj, const char *name, double v) {
  napi_value num;
  napi_create_double(env, v, &num);
  napi_set_named_property(env, obj, name, num);
}

static napi_value sock_stats(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  sock_t *s = unwrap(env, info, &argc, NULL);
  if (s == NULL) return throw_last(env);
  napi_value out;
  CHECK(env, napi_create_object(env, &out));
  serve_t *t = &s->serve;
  // The serving thread's counters (zero in poll mode) added to the JS thread's.
#define THREAD_COUNT(field) ((double)__atomic_load_n(&t->field, __ATOMIC_RELAXED))
  int thread_errno = __atomic_load_n(&t->last_errno, __ATOMIC_RELAXED);
  put_number(env, out, "batches", s->batches);
  put_number(env, out, "datagramsIn", s->datagrams_in + THREAD_COUNT(datagrams_in));
  put_number(env, out, "truncated", s->truncated + THREAD_COUNT(truncated));
  put_number(env, out, "recvErrors", s->recv_errors + THREAD_COUNT(recv_errors));
  put_number(env, out, "datagramsOut", s->datagrams_out + THREAD_COUNT(datagrams_out));
  put_number(env, out, "sendErrors", s->send_errors + THREAD_COUNT(send_errors));
  put_number(env, out, "lastErrno", thread_errno != 0 ? thread_errno : s->last_errno);
  put_number(env, out, "threadBatches", THREAD_COUNT(batches));
  put_number(env, out, "answered", THREAD_COUNT(answered));
  put_number(env, out, "handed", THREAD_COUNT(handed_total));
  put_number(env, out, "handoffWaits", THREAD_COUNT(handoff_waits));
#undef THREAD_COUNT
  return out;
}

static void free_instance(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  free(data);
}

static void set_u32(napi_env env, napi_value obj, const char *name, uint32_t v) {
  napi_value num;
  napi_create_uint32(env, v, &num);
  napi_set_named_property(env, obj, name, num);
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  instance_t *inst = calloc(1, sizeof(instance_t));
  if (inst == NULL) return NULL;
  if (napi_get_uv_event_loop(env, &inst->loop) != napi_ok ||
      napi_set_instance_data(env, inst, free_instance, NULL) != napi_ok) {
    free(inst);
    return throw_last(env);
  }
  napi_property_descriptor methods[] = {
      {"bind", NULL, sock_bind, NULL, NULL, NULL, napi_default, NULL},
      {"flush", NULL, sock_flush, NULL, NULL, NULL, napi_default, NULL},
      {"send", NULL, sock_send, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, sock_close, NULL, NULL, NULL, napi_default, NULL},
      {"ref", NULL, sock_ref, NULL, NULL, NULL, napi_default, NULL},
      {"unref", NULL, sock_unref, NULL, NULL, NULL, napi_default, NULL},
      {"stats", NULL, sock_stats, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_value ctor;
  CHECK(env, napi_define_class(env, "Socket", NAPI_AUTO_LENGTH, sock_new, NULL,
                               sizeof methods / sizeof methods[0], methods, &ctor));
  CHECK(env, napi_set_named_property(env, exports, "Socket", ctor));
  set_u32(env, exports, "META_WORDS", META_WORDS);
  set_u32(env, exports, "META_LENGTH", META_LENGTH);
  set_u32(env, exports, "META_ADDRESS", META_ADDRESS);
  set_u32(env, exports, "META_PORT", META_PORT);
  set_u32(env, exports, "META_FLAGS", META_FLAGS);
  set_u32(env, exports, "FLAG_TRUNCATED", FLAG_TRUNCATED);
  napi_value table;
  CHECK(env, napi_create_object(env, &table));
  set_u32(env, table, "MAGIC", TABLE_MAGIC);
  set_u32(env, table, "HEADER_WORDS", TABLE_HEADER_WORDS);
  set_u32(env, table, "H_MAGIC", H_MAGIC);
  set_u32(env, table, "H_SLOTS", H_SLOTS);
  set_u32(env, table, "H_MAX_HOSTS", H_MAX_HOSTS);
  set_u32(env, table, "H_ANSWERED", H_ANSWERED);
  set_u32(env, table, "MAX_HOSTS", TABLE_MAX_HOSTS);
  set_u32(env, table, "SLOT_WORDS", SLOT_WORDS);
  set_u32(env, table, "S_LOCK", S_LOCK);
  set_u32(env, table, "S_STATE", S_STATE);
  set_u32(env, table, "S_MODID", S_MODID);
  set_u32(env, table, "S_CMDID", S_CMDID);
  set_u32(env, table, "S_COUNT", S_COUNT);
  set_u32(env, table, "S_CURSOR", S_CURSOR);
  set_u32(env, table, "S_DEADLINE", S_DEADLINE);
  set_u32(env, table, "S_ACCESS", S_ACCESS);
  set_u32(env, table, "S_HOSTS", S_HOSTS);
  set_u32(env, table, "SLOT_EMPTY", SLOT_EMPTY);
  set_u32(env, table, "SLOT_DEAD", SLOT_DEAD);
  set_u32(env, table, "SLOT_HELD", SLOT_HELD);
  set_u32(env, table, "SLOT_SERVE", SLOT_SERVE);
  CHECK(env, napi_set_named_property(env, exports, "TABLE", table));
  return exports;
}
