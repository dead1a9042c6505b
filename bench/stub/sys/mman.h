/* Declarations only: the wasm2c runtime built with WASM_RT_MEMCHECK_SIGNAL_HANDLER=0
 * compiles os_mmap & co. but never calls them (memory comes from calloc). */
#pragma once
#include <stddef.h>
#include <sys/types.h>
#define PROT_NONE 0
#define PROT_READ 1
#define PROT_WRITE 2
#define MAP_PRIVATE 2
#define MAP_ANONYMOUS 0x20
#define MAP_FAILED ((void *)-1)
void *mmap(void *, size_t, int, int, int, off_t);
int munmap(void *, size_t);
int mprotect(void *, size_t, int);
