#ifndef CREATIVE_CEXIF_SHIM_H
#define CREATIVE_CEXIF_SHIM_H
// libexif (Debian's libexif-dev, already a dependency of libvips): reads and writes the EXIF
// UserComment where A1111 keeps generation parameters in JPEG and WebP files.
#include <libexif/exif-data.h>
#endif
