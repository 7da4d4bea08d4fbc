#ifndef CREATIVE_CCURL_SHIM_H
#define CREATIVE_CCURL_SHIM_H
#include <curl/curl.h>

// curl_easy_setopt is variadic; typed wrappers for Swift. Used by the providers (issue 5).
static inline CURLcode cc_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode cc_setopt_ptr(CURL *h, CURLoption o, const void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode cc_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
#endif
