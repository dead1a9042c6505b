#include "common.h"
static uint32_t popcount(uint32_t x) {
  x = x - ((x >> 1) & 0x55555555u);
  x = (x & 0x33333333u) + ((x >> 2) & 0x33333333u);
  x = (x + (x >> 4)) & 0x0f0f0f0fu;
  return (x * 0x01010101u) >> 24;
}
static uint32_t bitrev(uint32_t x) {
  x = ((x >> 1) & 0x55555555u) | ((x & 0x55555555u) << 1);
  x = ((x >> 2) & 0x33333333u) | ((x & 0x33333333u) << 2);
  x = ((x >> 4) & 0x0f0f0f0fu) | ((x & 0x0f0f0f0fu) << 4);
  x = ((x >> 8) & 0x00ff00ffu) | ((x & 0x00ff00ffu) << 8);
  return (x >> 16) | (x << 16);
}
static uint32_t clz_loop(uint32_t x) {
  uint32_t n = 0;
  if (x == 0) return 32;
  while (!(x & 0x80000000u)) { x <<= 1; n++; }
  return n;
}
uint32_t bench_bits(void) {
  uint32_t s = 9, acc = 0;
  for (int i = 0; i < 1000; i++) {
    uint32_t v = xs32(&s);
    acc += popcount(v);
    acc ^= bitrev(v);
    acc += clz_loop(v >> (i & 31));
    acc = (acc << 7) | (acc >> 25);
  }
  return acc;
}
