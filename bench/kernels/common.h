/* Shared by every kernel: fixed-width types and tiny memset/memcpy (volatile,
 * so no compiler turns them back into calls to themselves). Every pipeline
 * (warden, wasm2c+gcc, native gcc) compiles the same source. */
#pragma once
#include <stdint.h>
#include <stddef.h>
#define NOINLINE __attribute__((noinline))
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
#ifndef BENCH_NO_LIBC_DEFS
void *memset(void *d, int c, size_t n) {
  volatile unsigned char *p = (volatile unsigned char *)d;
  while (n--) *p++ = (unsigned char)c;
  return d;
}
void *memcpy(void *d, const void *s, size_t n) {
  volatile unsigned char *p = (volatile unsigned char *)d;
  const unsigned char *q = (const unsigned char *)s;
  while (n--) *p++ = *q++;
  return d;
}
#endif
/* Deterministic pseudo-random input (xorshift32). */
static inline uint32_t xs32(uint32_t *s) {
  uint32_t x = *s;
  x ^= x << 13; x ^= x >> 17; x ^= x << 5;
  return *s = x;
}
