// get_host answered from the table (get_host_table.h): the request decoded,
// the slot found and picked under its lock, the reply encoded byte for byte
// as GetHostResponseWriter (@lars/proto) writes it. Pure: no socket, no
// allocation, no system call.
#include "get_host_table.h"

#include <stddef.h>
#include <string.h>

#define MSGID_GET_HOST_REQUEST 4
#define MSGID_GET_HOST_RESPONSE 5
#define FRAME_HEADER 8
// seq, modid and cmdid at 6 bytes each (tag and a 5-byte varint): a longer
// canonical request cannot exist, so anything longer goes to JavaScript.
#define REQUEST_BODY_MAX 18

bool get_host_table_init(get_host_table_t *table, int32_t *words, size_t bytes) {
  if (bytes < TABLE_HEADER_WORDS * 4) return false;
  uint32_t slots = (uint32_t)words[H_SLOTS];
  if (words[H_MAGIC] != TABLE_MAGIC || words[H_MAX_HOSTS] != TABLE_MAX_HOSTS) return false;
  if (slots == 0 || (slots & (slots - 1)) != 0) return false;
  if (bytes < ((size_t)TABLE_HEADER_WORDS + (size_t)slots * SLOT_WORDS) * 4) return false;
  table->words = words;
  table->slots = slots;
  return true;
}

uint32_t get_host_table_home(uint32_t modid, uint32_t cmdid, uint32_t slots) {
  uint32_t h = (modid * 0x9e3779b1u) ^ (cmdid * 0x85ebca6bu);
  h ^= h >> 16;
  return h & (slots - 1);
}

static uint32_t le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

// A varint of at most 32 bits (5 bytes, the last below 0x10); false for
// anything longer or cut short.
static bool read_varint32(const uint8_t **p, const uint8_t *end, uint32_t *out) {
  uint32_t v = 0;
  for (int i = 0; i < 5; i++) {
    if (*p == end) return false;
    uint8_t b = *(*p)++;
    if (i == 4 && b > 0x0f) return false;
    v |= (uint32_t)(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) {
      *out = v;
      return true;
    }
  }
  return false;
}

// GetHostRequest { uint32 seq = 1; int32 modid = 2; int32 cmdid = 3; }: only
// those fields as varints (a repeated one: the last wins, as in protobufjs),
// and a key of non-negative int32s. Anything else is left to JavaScript.
static bool decode_request(const uint8_t *body, uint32_t len, uint32_t *seq, uint32_t *modid, uint32_t *cmdid) {
  const uint8_t *p = body, *end = body + len;
  *seq = *modid = *cmdid = 0;
  while (p < end) {
    uint8_t tag = *p++;
    uint32_t v;
    if (!read_varint32(&p, end, &v)) return false;
    if (tag == (1 << 3)) *seq = v;
    else if (tag == (2 << 3)) *modid = v;
    else if (tag == (3 << 3)) *cmdid = v;
    else return false;
  }
  return *modid <= INT32_MAX && *cmdid <= INT32_MAX;
}

// A varint field as GetHostResponseWriter writes it: `value` as a uint32, or
// (is_int32 and negative) sign-extended to ten bytes.
static uint8_t *put_field(uint8_t *p, uint8_t tag, uint32_t value, bool is_int32) {
  *p++ = tag;
  if (is_int32 && (int32_t)value < 0) {
    uint64_t v = (uint64_t)(int64_t)(int32_t)value;
    for (int i = 0; i < 9; i++) {
      *p++ = (uint8_t)(v & 0x7f) | 0x80;
      v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
  }
  while (value > 0x7f) {
    *p++ = (uint8_t)(value & 0x7f) | 0x80;
    value >>= 7;
  }
  *p++ = (uint8_t)value;
  return p;
}

// The lock is never waited for: JavaScript holds it for one operation on
// the route (or is preempted inside one), and the route is then its own to
// answer. A get_host that finds it taken goes to JavaScript, whose pick is
// the next of the same rotation; the thread never stalls behind a thread
// the scheduler has put aside.
static bool try_lock_slot(int32_t *lock) { return __atomic_exchange_n(lock, 1, __ATOMIC_ACQUIRE) == 0; }

static void unlock_slot(int32_t *lock) { __atomic_store_n(lock, 0, __ATOMIC_RELEASE); }

static double get_f64(const int32_t *words) {
  double v;
  memcpy(&v, words, sizeof v);
  return v;
}

static void set_f64(int32_t *words, double v) { memcpy(words, &v, sizeof v); }

// Picks from the key's slot: true with ip/port when it is SERVE and in date.
static bool pick(get_host_table_t *table, uint32_t modid, uint32_t cmdid, double now_ms, uint32_t *ip,
                 uint32_t *port) {
  uint32_t mask = table->slots - 1;
  uint32_t at = get_host_table_home(modid, cmdid, table->slots);
  for (uint32_t probes = 0; probes < table->slots; probes++, at = (at + 1) & mask) {
    int32_t *slot = table->words + TABLE_HEADER_WORDS + (size_t)at * SLOT_WORDS;
    int32_t state = __atomic_load_n(&slot[S_STATE], __ATOMIC_ACQUIRE);
    if (state == SLOT_EMPTY) return false;
    if (state == SLOT_DEAD || (uint32_t)__atomic_load_n(&slot[S_MODID], __ATOMIC_RELAXED) != modid ||
        (uint32_t)__atomic_load_n(&slot[S_CMDID], __ATOMIC_RELAXED) != cmdid)
      continue;
    if (!try_lock_slot(&slot[S_LOCK])) return false;
    bool served = false;
    uint32_t count = (uint32_t)slot[S_COUNT];
    // Checked again under the lock: JavaScript may have changed the slot since.
    if (slot[S_STATE] == SLOT_SERVE && (uint32_t)slot[S_MODID] == modid && (uint32_t)slot[S_CMDID] == cmdid &&
        count > 0 && count <= TABLE_MAX_HOSTS && now_ms <= get_f64(&slot[S_DEADLINE])) {
      uint32_t cursor = (uint32_t)slot[S_CURSOR] % count;
      *ip = (uint32_t)slot[S_HOSTS + 2 * cursor];
      *port = (uint32_t)slot[S_HOSTS + 2 * cursor + 1];
      slot[S_CURSOR] = (int32_t)((cursor + 1) % count);
      if (now_ms > get_f64(&slot[S_ACCESS])) set_f64(&slot[S_ACCESS], now_ms);
      served = true;
    }
    unlock_slot(&slot[S_LOCK]);
    return served;
  }
  return false;
}

uint32_t get_host_answer(get_host_table_t *table, const uint8_t *in, uint32_t inlen, double now_ms, uint8_t *out) {
  if (inlen < FRAME_HEADER || le32(in) != MSGID_GET_HOST_REQUEST) return 0;
  uint32_t bodylen = le32(in + 4);
  if (bodylen != inlen - FRAME_HEADER || bodylen > REQUEST_BODY_MAX) return 0;
  uint32_t seq, modid, cmdid, ip, port;
  if (!decode_request(in + FRAME_HEADER, bodylen, &seq, &modid, &cmdid)) return 0;
  if (!pick(table, modid, cmdid, now_ms, &ip, &port)) return 0;
  __atomic_fetch_add((uint32_t *)&table->words[H_ANSWERED], 1u, __ATOMIC_RELAXED);

  // retcode SUCC (0) is not written, as the writer leaves zero fields out.
  uint8_t *p = out + FRAME_HEADER;
  if (seq) p = put_field(p, 1 << 3, seq, false);
  if (modid) p = put_field(p, 2 << 3, modid, true);
  if (cmdid) p = put_field(p, 3 << 3, cmdid, true);
  *p++ = (5 << 3) | 2;
  uint8_t *host_len = p++;
  if (ip) p = put_field(p, 1 << 3, ip, true);
  if (port) p = put_field(p, 2 << 3, port, true);
  *host_len = (uint8_t)(p - host_len - 1);
  uint32_t total = (uint32_t)(p - out);
  put_le32(out, MSGID_GET_HOST_RESPONSE);
  put_le32(out + 4, total - FRAME_HEADER);
  return total;
}
