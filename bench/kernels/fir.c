#include "common.h"
#define NTAPS 32
#define NSAMP 256
static int16_t coef[NTAPS];
static int16_t in[NSAMP + NTAPS];
static int32_t out[NSAMP];
static void fir(const int16_t *x, const int16_t *h, int32_t *y, int n) {
  for (int i = 0; i < n; i++) {
    int64_t acc = 0;
    for (int k = 0; k < NTAPS; k++) acc += (int64_t)((int32_t)x[i + k] * h[k]) << 2;
    acc += 1 << 16;
    if (acc > 0x7fffffffffLL) acc = 0x7fffffffffLL;
    if (acc < -0x8000000000LL) acc = -0x8000000000LL;
    y[i] = (int32_t)(acc >> 8);
  }
}
uint32_t bench_fir(void) {
  uint32_t s = 3;
  for (int k = 0; k < NTAPS; k++) coef[k] = (int16_t)(xs32(&s) >> 17);
  for (int i = 0; i < NSAMP + NTAPS; i++) in[i] = (int16_t)xs32(&s);
  fir(in, coef, out, NSAMP);
  uint32_t x = 0;
  for (int i = 0; i < NSAMP; i++) x = x * 31 + (uint32_t)out[i];
  return x;
}
