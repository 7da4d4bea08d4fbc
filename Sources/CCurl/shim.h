#ifndef CREATIVE_CCURL_SHIM_H
#define CREATIVE_CCURL_SHIM_H
#include <curl/curl.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

// curl_easy_setopt, curl_easy_getinfo and curl_multi_setopt are variadic; typed wrappers for Swift.
static inline CURLcode cc_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode cc_setopt_ptr(CURL *h, CURLoption o, const void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode cc_setopt_write(CURL *h, curl_write_callback cb) { return curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, cb); }
static inline CURLcode cc_setopt_header(CURL *h, curl_write_callback cb) { return curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, cb); }
static inline CURLcode cc_setopt_headers(CURL *h, struct curl_slist *list) { return curl_easy_setopt(h, CURLOPT_HTTPHEADER, list); }
static inline CURLcode cc_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }

// The result of a finished transfer: CURLMsg keeps it in an anonymous union.
static inline CURLcode cc_msg_result(const CURLMsg *m) { return m->data.result; }

// Whether an IPv4 address (host byte order) is on the public internet: not this host, a private
// network, link-local (cloud metadata at 169.254.169.254), carrier-grade NAT, multicast or reserved.
static inline int cc_is_public_v4(uint32_t a) {
    uint32_t b0 = a >> 24, b1 = (a >> 16) & 0xff, b2 = (a >> 8) & 0xff;
    if (b0 == 0 || b0 == 10 || b0 == 127 || b0 >= 224) return 0;
    if (b0 == 169 && b1 == 254) return 0;
    if (b0 == 172 && (b1 & 0xf0) == 16) return 0;
    if (b0 == 192 && b1 == 168) return 0;
    if (b0 == 100 && (b1 & 0xc0) == 64) return 0;
    if (b0 == 192 && b1 == 0 && b2 == 0) return 0;
    if (b0 == 198 && (b1 & 0xfe) == 18) return 0;
    return 1;
}

// The same for IPv6: loopback, unspecified, unique-local (fd00:ec2::254 is a metadata address),
// link-local and multicast are not public; IPv4-mapped and NAT64 addresses are judged as IPv4.
static inline int cc_is_public_address(const struct sockaddr *sa) {
    if (sa->sa_family == AF_INET) return cc_is_public_v4(ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr));
    if (sa->sa_family != AF_INET6) return 0;
    const uint8_t *b = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
    static const uint8_t zeros[16] = {0};
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const uint8_t nat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
    if (memcmp(b, mapped, 12) == 0 || memcmp(b, nat64, 12) == 0) {
        return cc_is_public_v4(((uint32_t)b[12] << 24) | ((uint32_t)b[13] << 16) | ((uint32_t)b[14] << 8) | b[15]);
    }
    if (memcmp(b, zeros, 15) == 0) return 0; /* :: and ::1 */
    if ((b[0] & 0xfe) == 0xfc) return 0;
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return 0;
    if (b[0] == 0xff) return 0;
    return 1;
}

// curl's open-socket hook for transfers that may reach public addresses only: the address checked
// is the one curl is about to connect to (after DNS, on every redirect and retry), so a name that
// resolves to a private address cannot slip past a check made on the name.
static inline curl_socket_t cc_open_public_socket(void *refused, curlsocktype purpose, struct curl_sockaddr *address) {
    if (purpose != CURLSOCKTYPE_IPCXN || !cc_is_public_address(&address->addr)) {
        if (refused) *(int *)refused = 1;
        return CURL_SOCKET_BAD;
    }
    return socket(address->family, address->socktype, address->protocol);
}

static inline CURLcode cc_setopt_public_only(CURL *h, int *refused) {
    curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, cc_open_public_socket);
    return curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, (void *)refused);
}
#endif
