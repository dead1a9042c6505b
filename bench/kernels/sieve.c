#include "common.h"
#define N 8192
static uint8_t comp[N];
uint32_t bench_sieve(void) {
  memset(comp, 0, sizeof comp);
  uint32_t count = 0, sum = 0;
  for (uint32_t i = 2; i < N; i++) {
    if (comp[i]) continue;
    count++; sum += i;
    for (uint32_t j = i * i; j < N; j += i) comp[j] = 1;
  }
  return count << 20 ^ sum;
}
