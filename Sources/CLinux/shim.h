#ifndef CREATIVE_CLINUX_SHIM_H
#define CREATIVE_CLINUX_SHIM_H
// glibc declares syncfs(2) only under _GNU_SOURCE, which Swift's Glibc module does not define.
#define _GNU_SOURCE 1
#include <unistd.h>

static inline int creative_syncfs(int fd) { return syncfs(fd); }
#endif
