#include "common.h"
#define N 200
static int32_t a[N];
static void isort(int32_t *v, int n) {
  for (int i = 1; i < n; i++) {
    int32_t x = v[i];
    int j = i - 1;
    while (j >= 0 && v[j] > x) { v[j + 1] = v[j]; j--; }
    v[j + 1] = x;
  }
}
uint32_t bench_isort(void) {
  uint32_t s = 5;
  for (int i = 0; i < N; i++) a[i] = (int32_t)xs32(&s);
  isort(a, N);
  uint32_t x = 0;
  for (int i = 0; i < N; i++) x = x * 33 + (uint32_t)a[i];
  for (int i = 1; i < N; i++) if (a[i - 1] > a[i]) return 0;
  return x;
}
