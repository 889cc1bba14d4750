// The get_host table: routes a serving thread may answer without JavaScript.
//
// JavaScript (src/get-host-table.ts) owns the table's contents and the load
// balancing; a serving thread (udp_batch.c, threaded mode) answers a
// GetHostRequest from it only when the route's whole pick is a rotation of
// its idle hosts (no overloaded host, so no probe turn and no overload
// timeout), and the route's last pull is within update_timeout. Anything else
// goes to JavaScript, which decides as it always does.
//
// Memory: one Int32Array over a SharedArrayBuffer, TABLE_HEADER_WORDS of
// header, then `slots` slots of SLOT_WORDS words. Every field of a slot is
// read and written only while its lock word is held, by either side
// (Atomics.compareExchange in JS, __atomic_exchange_n here); the state and key
// are also read without it, to find the slot, and checked again under it.
// JavaScript spins for the lock (the thread holds it for one pick); the
// thread only tries it, and leaves a get_host that finds it taken to
// JavaScript.
//
// Invariant while a slot is SERVE: the route's idle queue, head first, is
// hosts[cursor], hosts[cursor + 1], ..., hosts[cursor - 1] (mod count); a
// pick answers hosts[cursor] and advances the cursor, which is exactly the
// idle queue's rotate().
#ifndef LARS_GET_HOST_TABLE_H
#define LARS_GET_HOST_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TABLE_MAGIC 0x4c475448 /* "LGTH" */
#define TABLE_HEADER_WORDS 16
// Header words.
#define H_MAGIC 0
#define H_SLOTS 1
#define H_MAX_HOSTS 2
// get_hosts answered here, mod 2^32 (JS reads the difference).
#define H_ANSWERED 3

// Hosts per slot: a route with more idle hosts is answered by JavaScript.
#define TABLE_MAX_HOSTS 30
#define SLOT_WORDS (16 + 2 * TABLE_MAX_HOSTS)
// Slot words. Words 8-9 and 10-11 are float64 (the slot is 8-byte aligned:
// the header and SLOT_WORDS are even).
#define S_LOCK 0
#define S_STATE 1
#define S_MODID 2
#define S_CMDID 3
#define S_COUNT 4
#define S_CURSOR 5
#define S_DEADLINE 8
#define S_ACCESS 10
#define S_HOSTS 16

// Slot states. A probe for a key stops at EMPTY and passes over DEAD.
#define SLOT_EMPTY 0
#define SLOT_DEAD 1
#define SLOT_HELD 2
#define SLOT_SERVE 3

typedef struct {
  int32_t *words;
  uint32_t slots;
} get_host_table_t;

// Checks a table's header against its size; false if it is not one.
bool get_host_table_init(get_host_table_t *table, int32_t *words, size_t bytes);

// The slot a table gives key (modid, cmdid) to probe first; JS computes the same.
uint32_t get_host_table_home(uint32_t modid, uint32_t cmdid, uint32_t slots);

// Answers the get_host datagram `in` (inlen bytes, frame header included)
// from the table if it can: writes the GetHostResponse frame to `out` (at
// least GET_HOST_REPLY_MAX bytes) and returns its length, or returns 0 when
// JavaScript must handle the datagram. `now_ms` is the wall clock in whole
// milliseconds, the clock of the route's deadline.
#define GET_HOST_REPLY_MAX 64
uint32_t get_host_answer(get_host_table_t *table, const uint8_t *in, uint32_t inlen, double now_ms, uint8_t *out);

#endif
