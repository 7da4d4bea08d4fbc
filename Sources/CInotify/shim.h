#ifndef CREATIVE_CINOTIFY_SHIM_H
#define CREATIVE_CINOTIFY_SHIM_H
#include <sys/inotify.h>
#include <inotifytools/inotifytools.h>
#endif
