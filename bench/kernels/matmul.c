#include "common.h"
#define N 16
static int32_t A[N][N], B[N][N], C[N][N];
static void matmul(void) {
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) {
      int32_t acc = 0;
      for (int k = 0; k < N; k++) acc += A[i][k] * B[k][j];
      C[i][j] = acc;
    }
}
uint32_t bench_matmul(void) {
  uint32_t s = 11;
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) { A[i][j] = (int32_t)(xs32(&s) & 0xffff) - 0x8000; B[i][j] = (int32_t)(xs32(&s) & 0xfff); }
  matmul();
  uint32_t x = 0;
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) x = (x << 3 | x >> 29) ^ (uint32_t)C[i][j];
  return x;
}
