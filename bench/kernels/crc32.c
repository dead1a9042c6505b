#include "common.h"
static uint8_t buf[1024];
static uint32_t crc32(const uint8_t *p, uint32_t n) {
  uint32_t c = 0xffffffffu;
  for (uint32_t i = 0; i < n; i++) {
    c ^= p[i];
    for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & -(c & 1));
  }
  return ~c;
}
uint32_t bench_crc32(void) {
  uint32_t s = 1;
  for (uint32_t i = 0; i < sizeof buf; i++) buf[i] = (uint8_t)xs32(&s);
  return crc32(buf, sizeof buf);
}
