#include "common.h"
/* XTEA (64 rounds) in CTR-like chaining: a small block cipher typical of firmware. */
static void xtea_enc(uint32_t v[2], const uint32_t k[4]) {
  uint32_t v0 = v[0], v1 = v[1], sum = 0, delta = 0x9e3779b9;
  for (int i = 0; i < 32; i++) {
    v0 += (((v1 << 4) ^ (v1 >> 5)) + v1) ^ (sum + k[sum & 3]);
    sum += delta;
    v1 += (((v0 << 4) ^ (v0 >> 5)) + v0) ^ (sum + k[(sum >> 11) & 3]);
  }
  v[0] = v0; v[1] = v1;
}
static void xtea_dec(uint32_t v[2], const uint32_t k[4]) {
  uint32_t v0 = v[0], v1 = v[1], delta = 0x9e3779b9, sum = delta * 32;
  for (int i = 0; i < 32; i++) {
    v1 -= (((v0 << 4) ^ (v0 >> 5)) + v0) ^ (sum + k[(sum >> 11) & 3]);
    sum -= delta;
    v0 -= (((v1 << 4) ^ (v1 >> 5)) + v1) ^ (sum + k[sum & 3]);
  }
  v[0] = v0; v[1] = v1;
}
static uint32_t blocks[64][2];
uint32_t bench_xtea(void) {
  static const uint32_t key[4] = {0x01234567, 0x89abcdef, 0xfedcba98, 0x76543210};
  uint32_t s = 21, x = 0;
  for (int i = 0; i < 64; i++) { blocks[i][0] = xs32(&s); blocks[i][1] = xs32(&s); }
  for (int i = 0; i < 64; i++) { xtea_enc(blocks[i], key); x = x * 7 + blocks[i][0] + blocks[i][1]; }
  for (int i = 0; i < 64; i++) xtea_dec(blocks[i], key);
  s = 21;
  for (int i = 0; i < 64; i++) { if (blocks[i][0] != xs32(&s)) return 0; if (blocks[i][1] != xs32(&s)) return 0; }
  return x;
}
