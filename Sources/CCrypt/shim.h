#ifndef CREATIVE_CCRYPT_SHIM_H
#define CREATIVE_CCRYPT_SHIM_H
// libxcrypt (Debian's libcrypt-dev, part of every C toolchain): one-way hashes for API tokens.
#include <crypt.h>
// OpenSSL's libcrypto (Debian's libssl-dev): SHA-256 of media bytes (an asset's contentHash).
#include <openssl/evp.h>
#endif
