/* Minimal Cortex-M4 startup for the gcc pipelines of `npm run bench`:
 * vector table, reset (copy .data, zero .bss), call bench_run() (the
 * harness: instantiation if any, then exactly one kernel call), print
 * "result <hex>" over semihosting and exit with SYS_EXIT_EXTENDED. */
#include <stdint.h>
extern uint32_t __data_load[], __data_start[], __data_end[], __bss_start[], __bss_end[], __stack_top[];
uint32_t bench_run(void);
static int semihost(int op, const void *arg) {
  register int r0 __asm__("r0") = op;
  register const void *r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}
static void sh_exit(uint32_t code) {
  static uint32_t block[2];
  block[0] = 0x20026; block[1] = code;
  semihost(0x20, block);
  for (;;) {}
}
void Fault_Handler(void) {
  semihost(0x04, "fault\n");
  sh_exit(3);
}
void Reset_Handler(void) {
  for (uint32_t *s = __data_load, *d = __data_start; d < __data_end;) *d++ = *s++;
  for (uint32_t *d = __bss_start; d < __bss_end;) *d++ = 0;
  uint32_t r = bench_run();
  static char line[] = "result 00000000\n";
  for (int i = 0; i < 8; i++) line[7 + i] = "0123456789abcdef"[(r >> (28 - 4 * i)) & 15];
  semihost(0x04, line);
  sh_exit(0);
}
__attribute__((section(".vectors"), used)) void *const vectors[16] = {
  __stack_top, Reset_Handler, Fault_Handler, Fault_Handler, Fault_Handler, Fault_Handler, Fault_Handler,
  0, 0, 0, 0, Fault_Handler, Fault_Handler, 0, Fault_Handler, Fault_Handler,
};
