#ifndef CREATIVE_CLINUX_SHIM_H
#define CREATIVE_CLINUX_SHIM_H
// glibc declares syncfs(2) only under _GNU_SOURCE, which Swift's Glibc module does not define;
// malloc_trim(3) is glibc's own.
#define _GNU_SOURCE 1
#include <malloc.h>
#include <unistd.h>

static inline int creative_syncfs(int fd) { return syncfs(fd); }

// Hands memory freed by a big pass (a reconcile's walk of a million folders, on several threads
// and so several malloc arenas) back to the system, so an idle engine stays small.
static inline int creative_malloc_trim(void) { return malloc_trim(0); }
#endif
