#ifndef CREATIVE_CWEBPMUX_SHIM_H
#define CREATIVE_CWEBPMUX_SHIM_H
// libwebpmux (Debian's libwebp-dev, already a dependency of libvips): adds an EXIF chunk to a
// WebP file without decoding or re-encoding its image.
#include <webp/mux.h>
#endif
