// libcrypto (OpenSSL 3) for XaasCrypto, plus tiny wrappers for what Swift cannot call directly
// (function-like macros and variadic functions). Install: libssl-dev.
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

/// EVP_PKEY_KEYPAIR / EVP_PKEY_PUBLIC_KEY (macros built from other macros).
static inline int xaas_selection_keypair(void) { return EVP_PKEY_KEYPAIR; }
static inline int xaas_selection_public(void) { return EVP_PKEY_PUBLIC_KEY; }

/// A fresh EC P-256 key (EVP_PKEY_Q_keygen is variadic).
static inline EVP_PKEY *xaas_generate_ec_p256(void) { return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"); }

/// A fresh RSA key of `bits` bits.
static inline EVP_PKEY *xaas_generate_rsa(unsigned int bits) { return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits); }

/// The bytes held by a memory BIO (BIO_get_mem_data is a macro).
static inline long xaas_bio_mem_data(BIO *bio, char **data) { return BIO_get_mem_data(bio, data); }
