#ifndef CREATIVE_CVIPS_SHIM_H
#define CREATIVE_CVIPS_SHIM_H
#include <vips/vips.h>

// Swift cannot call C variadic functions; these fix the few option lists we use.

static inline VipsImage *cv_image_new_from_buffer(const void *buf, size_t len) {
    return vips_image_new_from_buffer(buf, len, "", NULL);
}

/// Shrinks (never enlarges) to fit inside width × height, keeping the aspect ratio. The loader
/// fails on truncated or corrupt data (thumbnail's own fail_on does not reach the PNG loader in
/// libvips 8.14; the load option string does), so the one decode also checks the file.
static inline int cv_thumbnail_buffer(void *buf, size_t len, VipsImage **out, int width, int height) {
    return vips_thumbnail_buffer(buf, len, out, width, "height", height, "size", VIPS_SIZE_DOWN,
        "option_string", "fail_on=truncated", NULL);
}

/// Loads an image (lazily, like cv_image_new_from_buffer) whose pixels, once asked for, fail on
/// truncated or corrupt data instead of coming back grey or black.
static inline VipsImage *cv_image_new_from_buffer_strict(const void *buf, size_t len) {
    return vips_image_new_from_buffer(buf, len, "", "fail_on", VIPS_FAIL_ON_TRUNCATED, NULL);
}

/// Scales to cover width × height (enlarging when needed) and crops the middle: a video frame
/// from an image of any size and shape.
static inline int cv_thumbnail_cover(void *buf, size_t len, VipsImage **out, int width, int height) {
    return vips_thumbnail_buffer(buf, len, out, width, "height", height, "size", VIPS_SIZE_BOTH, "crop", VIPS_INTERESTING_CENTRE, NULL);
}

/// Shrinks (never enlarges) an image in memory to fit inside width × height.
static inline int cv_thumbnail_image(VipsImage *in, VipsImage **out, int width, int height) {
    return vips_thumbnail_image(in, out, width, "height", height, "size", VIPS_SIZE_DOWN, NULL);
}

/// Lossy WebP at a quality (0...100) and an encoder effort (0 fastest ... 6 smallest).
static inline int cv_webpsave_buffer(VipsImage *in, void **buf, size_t *len, int quality, int effort) {
    return vips_webpsave_buffer(in, buf, len, "Q", quality, "effort", effort, "strip", TRUE, NULL);
}

static inline void cv_unref(VipsImage *image) { g_object_unref(image); }

/// A string field of the image, or NULL when it has none (no error left behind).
static inline const char *vips_image_get_string_safe(VipsImage *image, const char *name) {
    const char *out = NULL;
    if (vips_image_get_typeof(image, name) == 0 || vips_image_get_string(image, name, &out) != 0) return NULL;
    return out;
}
static inline void cv_free(void *p) { g_free(p); }

/// PNG encoding at a zlib compression level (0...9) with one row filter (VipsForeignPngFilter).
static inline int cv_pngsave_buffer(VipsImage *in, void **buf, size_t *len, int compression, int filter) {
    return vips_pngsave_buffer(in, buf, len, "compression", compression, "filter", filter, NULL);
}

static void cv_drop_log(const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer data) {
    (void)domain; (void)level; (void)message; (void)data;
}

/// Drops libvips' warnings (what VIPS_WARNING does, without setenv, which races every thread that
/// starts a process: Foundation's Process copies the environment).
static inline void cv_quiet_warnings(void) {
    g_log_set_handler("VIPS", G_LOG_LEVEL_WARNING, cv_drop_log, NULL);
}
#endif
