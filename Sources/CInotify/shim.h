#ifndef CREATIVE_CINOTIFY_SHIM_H
#define CREATIVE_CINOTIFY_SHIM_H
#include <sys/inotify.h>
#include <inotifytools/inotifytools.h>
// The watcher asks statfs which filesystem a folder is on (inotify is blind on network ones).
#include <sys/statfs.h>
#endif
