#include <stdint.h>
static uint64_t xs64(uint64_t *s) {
  uint64_t x = *s;
  x ^= x << 13; x ^= x >> 7; x ^= x << 17;
  return *s = x;
}
uint32_t bench_arith64(void) {
  uint64_t s = 0x123456789abcdefULL, acc = 0;
  int64_t sacc = 0;
  for (int i = 0; i < N; i++) {
    uint64_t a = xs64(&s), b = xs64(&s) >> (i & 63);
#if P1
    acc += a * b;
#endif
#if P2
    acc ^= (a >> (b & 63)) | (a << ((b >> 8) & 63));
#endif
#if P3
    if (b) acc += a / b + a % b;
#endif
    int64_t sa = (int64_t)a, sb = (int64_t)(b | 1) >> 3;
#if P4
    if (sb) sacc += sa / sb - sa % sb;
#endif
#if P5
    sacc ^= sa >> (i & 63);
#endif
  }
  return (uint32_t)(acc ^ (acc >> 32)) ^ (uint32_t)((uint64_t)sacc ^ ((uint64_t)sacc >> 29));
}
