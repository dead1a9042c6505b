#include "common.h"
static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static uint8_t src[300];
static char enc[404];
static uint8_t dec[300];
static uint32_t b64enc(const uint8_t *s, uint32_t n, char *o) {
  uint32_t j = 0, i = 0;
  for (; i + 2 < n; i += 3) {
    uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i+1] << 8 | s[i+2];
    o[j++] = tbl[v >> 18]; o[j++] = tbl[(v >> 12) & 63]; o[j++] = tbl[(v >> 6) & 63]; o[j++] = tbl[v & 63];
  }
  if (i < n) {
    uint32_t v = (uint32_t)s[i] << 16 | (i + 1 < n ? (uint32_t)s[i+1] << 8 : 0);
    o[j++] = tbl[v >> 18]; o[j++] = tbl[(v >> 12) & 63];
    o[j++] = i + 1 < n ? tbl[(v >> 6) & 63] : '='; o[j++] = '=';
  }
  return j;
}
static int val(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}
static uint32_t b64dec(const char *s, uint32_t n, uint8_t *o) {
  uint32_t j = 0;
  for (uint32_t i = 0; i + 3 < n; i += 4) {
    int a = val(s[i]), b = val(s[i+1]), c = val(s[i+2]), d = val(s[i+3]);
    o[j++] = (uint8_t)(a << 2 | b >> 4);
    if (c >= 0) o[j++] = (uint8_t)(b << 4 | c >> 2);
    if (d >= 0) o[j++] = (uint8_t)(c << 6 | d);
  }
  return j;
}
uint32_t bench_base64(void) {
  uint32_t s = 13;
  for (uint32_t i = 0; i < sizeof src; i++) src[i] = (uint8_t)xs32(&s);
  uint32_t x = 0;
  for (uint32_t n = 298; n <= 300; n++) {
    uint32_t m = b64enc(src, n, enc);
    uint32_t k = b64dec(enc, m, dec);
    if (k != n) return 1;
    for (uint32_t i = 0; i < k; i++) if (dec[i] != src[i]) return 2;
    for (uint32_t i = 0; i < m; i++) x = x * 131 + (uint8_t)enc[i];
  }
  return x;
}
