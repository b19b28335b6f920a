/* probes/cipher.c: see cipher.h and doc/ciphers.md. */
#include "buildconf.h"
#include "cipher.h"

#include <stdio.h>
#include <string.h>

struct cipher_entry {
	uint16_t id;
	const char *name;
};

/* Sorted by id, no duplicates (tests/unit/test_cipher.c checks both).
 * Made by `probes/gen-cipher-table.sh tls-parameters-4.csv` on Debian 12
 * (OpenSSL 3.0): the unmarked rows are what this OpenSSL knows (its
 * standard names equal IANA's), the rows marked IANA are the registry's
 * suites it does not build. Every name was also checked against Wireshark
 * 4.0's dissector table (tshark on ClientHellos listing all 65536 ids). */
static const struct cipher_entry table[] = {
	{ 0x0000, "TLS_NULL_WITH_NULL_NULL" }, /* IANA */
	{ 0x0001, "TLS_RSA_WITH_NULL_MD5" },
	{ 0x0002, "TLS_RSA_WITH_NULL_SHA" },
	{ 0x0003, "TLS_RSA_EXPORT_WITH_RC4_40_MD5" }, /* IANA */
	{ 0x0004, "TLS_RSA_WITH_RC4_128_MD5" }, /* IANA */
	{ 0x0005, "TLS_RSA_WITH_RC4_128_SHA" }, /* IANA */
	{ 0x0006, "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5" }, /* IANA */
	{ 0x0007, "TLS_RSA_WITH_IDEA_CBC_SHA" }, /* IANA */
	{ 0x0008, "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA" }, /* IANA */
	{ 0x0009, "TLS_RSA_WITH_DES_CBC_SHA" }, /* IANA */
	{ 0x000A, "TLS_RSA_WITH_3DES_EDE_CBC_SHA" }, /* IANA */
	{ 0x000B, "TLS_DH_DSS_EXPORT_WITH_DES40_CBC_SHA" }, /* IANA */
	{ 0x000C, "TLS_DH_DSS_WITH_DES_CBC_SHA" }, /* IANA */
	{ 0x000D, "TLS_DH_DSS_WITH_3DES_EDE_CBC_SHA" }, /* IANA */
	{ 0x000E, "TLS_DH_RSA_EXPORT_WITH_DES40_CBC_SHA" }, /* IANA */
	{ 0x000F, "TLS_DH_RSA_WITH_DES_CBC_SHA" }, /* IANA */
	{ 0x0010, "TLS_DH_RSA_WITH_3DES_EDE_CBC_SHA" }, /* IANA */
	{ 0x0011, "TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA" }, /* IANA */
	{ 0x0012, "TLS_DHE_DSS_WITH_DES_CBC_SHA" }, /* IANA */
	{ 0x0013, "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA" }, /* IANA */
	{ 0x0014, "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA" }, /* IANA */
	{ 0x0015, "TLS_DHE_RSA_WITH_DES_CBC_SHA" }, /* IANA */
	{ 0x0016, "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA" }, /* IANA */
	{ 0x0017, "TLS_DH_anon_EXPORT_WITH_RC4_40_MD5" }, /* IANA */
	{ 0x0018, "TLS_DH_anon_WITH_RC4_128_MD5" }, /* IANA */
	{ 0x0019, "TLS_DH_anon_EXPORT_WITH_DES40_CBC_SHA" }, /* IANA */
	{ 0x001A, "TLS_DH_anon_WITH_DES_CBC_SHA" }, /* IANA */
	{ 0x001B, "TLS_DH_anon_WITH_3DES_EDE_CBC_SHA" }, /* IANA */
	{ 0x001E, "TLS_KRB5_WITH_DES_CBC_SHA" }, /* IANA */
	{ 0x001F, "TLS_KRB5_WITH_3DES_EDE_CBC_SHA" }, /* IANA */
	{ 0x0020, "TLS_KRB5_WITH_RC4_128_SHA" }, /* IANA */
	{ 0x0021, "TLS_KRB5_WITH_IDEA_CBC_SHA" }, /* IANA */
	{ 0x0022, "TLS_KRB5_WITH_DES_CBC_MD5" }, /* IANA */
	{ 0x0023, "TLS_KRB5_WITH_3DES_EDE_CBC_MD5" }, /* IANA */
	{ 0x0024, "TLS_KRB5_WITH_RC4_128_MD5" }, /* IANA */
	{ 0x0025, "TLS_KRB5_WITH_IDEA_CBC_MD5" }, /* IANA */
	{ 0x0026, "TLS_KRB5_EXPORT_WITH_DES_CBC_40_SHA" }, /* IANA */
	{ 0x0027, "TLS_KRB5_EXPORT_WITH_RC2_CBC_40_SHA" }, /* IANA */
	{ 0x0028, "TLS_KRB5_EXPORT_WITH_RC4_40_SHA" }, /* IANA */
	{ 0x0029, "TLS_KRB5_EXPORT_WITH_DES_CBC_40_MD5" }, /* IANA */
	{ 0x002A, "TLS_KRB5_EXPORT_WITH_RC2_CBC_40_MD5" }, /* IANA */
	{ 0x002B, "TLS_KRB5_EXPORT_WITH_RC4_40_MD5" }, /* IANA */
	{ 0x002C, "TLS_PSK_WITH_NULL_SHA" },
	{ 0x002D, "TLS_DHE_PSK_WITH_NULL_SHA" },
	{ 0x002E, "TLS_RSA_PSK_WITH_NULL_SHA" },
	{ 0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA" },
	{ 0x0030, "TLS_DH_DSS_WITH_AES_128_CBC_SHA" }, /* IANA */
	{ 0x0031, "TLS_DH_RSA_WITH_AES_128_CBC_SHA" }, /* IANA */
	{ 0x0032, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA" },
	{ 0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA" },
	{ 0x0034, "TLS_DH_anon_WITH_AES_128_CBC_SHA" },
	{ 0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA" },
	{ 0x0036, "TLS_DH_DSS_WITH_AES_256_CBC_SHA" }, /* IANA */
	{ 0x0037, "TLS_DH_RSA_WITH_AES_256_CBC_SHA" }, /* IANA */
	{ 0x0038, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA" },
	{ 0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA" },
	{ 0x003A, "TLS_DH_anon_WITH_AES_256_CBC_SHA" },
	{ 0x003B, "TLS_RSA_WITH_NULL_SHA256" },
	{ 0x003C, "TLS_RSA_WITH_AES_128_CBC_SHA256" },
	{ 0x003D, "TLS_RSA_WITH_AES_256_CBC_SHA256" },
	{ 0x003E, "TLS_DH_DSS_WITH_AES_128_CBC_SHA256" }, /* IANA */
	{ 0x003F, "TLS_DH_RSA_WITH_AES_128_CBC_SHA256" }, /* IANA */
	{ 0x0040, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA256" },
	{ 0x0041, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA" },
	{ 0x0042, "TLS_DH_DSS_WITH_CAMELLIA_128_CBC_SHA" }, /* IANA */
	{ 0x0043, "TLS_DH_RSA_WITH_CAMELLIA_128_CBC_SHA" }, /* IANA */
	{ 0x0044, "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA" },
	{ 0x0045, "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA" },
	{ 0x0046, "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA" },
	{ 0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256" },
	{ 0x0068, "TLS_DH_DSS_WITH_AES_256_CBC_SHA256" }, /* IANA */
	{ 0x0069, "TLS_DH_RSA_WITH_AES_256_CBC_SHA256" }, /* IANA */
	{ 0x006A, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA256" },
	{ 0x006B, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256" },
	{ 0x006C, "TLS_DH_anon_WITH_AES_128_CBC_SHA256" },
	{ 0x006D, "TLS_DH_anon_WITH_AES_256_CBC_SHA256" },
	{ 0x0084, "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA" },
	{ 0x0085, "TLS_DH_DSS_WITH_CAMELLIA_256_CBC_SHA" }, /* IANA */
	{ 0x0086, "TLS_DH_RSA_WITH_CAMELLIA_256_CBC_SHA" }, /* IANA */
	{ 0x0087, "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA" },
	{ 0x0088, "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA" },
	{ 0x0089, "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA" },
	{ 0x008A, "TLS_PSK_WITH_RC4_128_SHA" }, /* IANA */
	{ 0x008B, "TLS_PSK_WITH_3DES_EDE_CBC_SHA" }, /* IANA */
	{ 0x008C, "TLS_PSK_WITH_AES_128_CBC_SHA" },
	{ 0x008D, "TLS_PSK_WITH_AES_256_CBC_SHA" },
	{ 0x008E, "TLS_DHE_PSK_WITH_RC4_128_SHA" }, /* IANA */
	{ 0x008F, "TLS_DHE_PSK_WITH_3DES_EDE_CBC_SHA" }, /* IANA */
	{ 0x0090, "TLS_DHE_PSK_WITH_AES_128_CBC_SHA" },
	{ 0x0091, "TLS_DHE_PSK_WITH_AES_256_CBC_SHA" },
	{ 0x0092, "TLS_RSA_PSK_WITH_RC4_128_SHA" }, /* IANA */
	{ 0x0093, "TLS_RSA_PSK_WITH_3DES_EDE_CBC_SHA" }, /* IANA */
	{ 0x0094, "TLS_RSA_PSK_WITH_AES_128_CBC_SHA" },
	{ 0x0095, "TLS_RSA_PSK_WITH_AES_256_CBC_SHA" },
	{ 0x0096, "TLS_RSA_WITH_SEED_CBC_SHA" }, /* IANA */
	{ 0x0097, "TLS_DH_DSS_WITH_SEED_CBC_SHA" }, /* IANA */
	{ 0x0098, "TLS_DH_RSA_WITH_SEED_CBC_SHA" }, /* IANA */
	{ 0x0099, "TLS_DHE_DSS_WITH_SEED_CBC_SHA" }, /* IANA */
	{ 0x009A, "TLS_DHE_RSA_WITH_SEED_CBC_SHA" }, /* IANA */
	{ 0x009B, "TLS_DH_anon_WITH_SEED_CBC_SHA" }, /* IANA */
	{ 0x009C, "TLS_RSA_WITH_AES_128_GCM_SHA256" },
	{ 0x009D, "TLS_RSA_WITH_AES_256_GCM_SHA384" },
	{ 0x009E, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256" },
	{ 0x009F, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384" },
	{ 0x00A0, "TLS_DH_RSA_WITH_AES_128_GCM_SHA256" }, /* IANA */
	{ 0x00A1, "TLS_DH_RSA_WITH_AES_256_GCM_SHA384" }, /* IANA */
	{ 0x00A2, "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256" },
	{ 0x00A3, "TLS_DHE_DSS_WITH_AES_256_GCM_SHA384" },
	{ 0x00A4, "TLS_DH_DSS_WITH_AES_128_GCM_SHA256" }, /* IANA */
	{ 0x00A5, "TLS_DH_DSS_WITH_AES_256_GCM_SHA384" }, /* IANA */
	{ 0x00A6, "TLS_DH_anon_WITH_AES_128_GCM_SHA256" },
	{ 0x00A7, "TLS_DH_anon_WITH_AES_256_GCM_SHA384" },
	{ 0x00A8, "TLS_PSK_WITH_AES_128_GCM_SHA256" },
	{ 0x00A9, "TLS_PSK_WITH_AES_256_GCM_SHA384" },
	{ 0x00AA, "TLS_DHE_PSK_WITH_AES_128_GCM_SHA256" },
	{ 0x00AB, "TLS_DHE_PSK_WITH_AES_256_GCM_SHA384" },
	{ 0x00AC, "TLS_RSA_PSK_WITH_AES_128_GCM_SHA256" },
	{ 0x00AD, "TLS_RSA_PSK_WITH_AES_256_GCM_SHA384" },
	{ 0x00AE, "TLS_PSK_WITH_AES_128_CBC_SHA256" },
	{ 0x00AF, "TLS_PSK_WITH_AES_256_CBC_SHA384" },
	{ 0x00B0, "TLS_PSK_WITH_NULL_SHA256" },
	{ 0x00B1, "TLS_PSK_WITH_NULL_SHA384" },
	{ 0x00B2, "TLS_DHE_PSK_WITH_AES_128_CBC_SHA256" },
	{ 0x00B3, "TLS_DHE_PSK_WITH_AES_256_CBC_SHA384" },
	{ 0x00B4, "TLS_DHE_PSK_WITH_NULL_SHA256" },
	{ 0x00B5, "TLS_DHE_PSK_WITH_NULL_SHA384" },
	{ 0x00B6, "TLS_RSA_PSK_WITH_AES_128_CBC_SHA256" },
	{ 0x00B7, "TLS_RSA_PSK_WITH_AES_256_CBC_SHA384" },
	{ 0x00B8, "TLS_RSA_PSK_WITH_NULL_SHA256" },
	{ 0x00B9, "TLS_RSA_PSK_WITH_NULL_SHA384" },
	{ 0x00BA, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA256" },
	{ 0x00BB, "TLS_DH_DSS_WITH_CAMELLIA_128_CBC_SHA256" }, /* IANA */
	{ 0x00BC, "TLS_DH_RSA_WITH_CAMELLIA_128_CBC_SHA256" }, /* IANA */
	{ 0x00BD, "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA256" },
	{ 0x00BE, "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256" },
	{ 0x00BF, "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA256" },
	{ 0x00C0, "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA256" },
	{ 0x00C1, "TLS_DH_DSS_WITH_CAMELLIA_256_CBC_SHA256" }, /* IANA */
	{ 0x00C2, "TLS_DH_RSA_WITH_CAMELLIA_256_CBC_SHA256" }, /* IANA */
	{ 0x00C3, "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA256" },
	{ 0x00C4, "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256" },
	{ 0x00C5, "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA256" },
	{ 0x00C6, "TLS_SM4_GCM_SM3" }, /* IANA */
	{ 0x00C7, "TLS_SM4_CCM_SM3" }, /* IANA */
	{ 0x00FF, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV" }, /* IANA */
	{ 0x1301, "TLS_AES_128_GCM_SHA256" },
	{ 0x1302, "TLS_AES_256_GCM_SHA384" },
	{ 0x1303, "TLS_CHACHA20_POLY1305_SHA256" },
	{ 0x1304, "TLS_AES_128_CCM_SHA256" },
	{ 0x1305, "TLS_AES_128_CCM_8_SHA256" },
	{ 0x5600, "TLS_FALLBACK_SCSV" }, /* IANA */
	{ 0xC001, "TLS_ECDH_ECDSA_WITH_NULL_SHA" }, /* IANA */
	{ 0xC002, "TLS_ECDH_ECDSA_WITH_RC4_128_SHA" }, /* IANA */
	{ 0xC003, "TLS_ECDH_ECDSA_WITH_3DES_EDE_CBC_SHA" }, /* IANA */
	{ 0xC004, "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA" }, /* IANA */
	{ 0xC005, "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA" }, /* IANA */
	{ 0xC006, "TLS_ECDHE_ECDSA_WITH_NULL_SHA" },
	{ 0xC007, "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA" }, /* IANA */
	{ 0xC008, "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA" }, /* IANA */
	{ 0xC009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA" },
	{ 0xC00A, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA" },
	{ 0xC00B, "TLS_ECDH_RSA_WITH_NULL_SHA" }, /* IANA */
	{ 0xC00C, "TLS_ECDH_RSA_WITH_RC4_128_SHA" }, /* IANA */
	{ 0xC00D, "TLS_ECDH_RSA_WITH_3DES_EDE_CBC_SHA" }, /* IANA */
	{ 0xC00E, "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA" }, /* IANA */
	{ 0xC00F, "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA" }, /* IANA */
	{ 0xC010, "TLS_ECDHE_RSA_WITH_NULL_SHA" },
	{ 0xC011, "TLS_ECDHE_RSA_WITH_RC4_128_SHA" }, /* IANA */
	{ 0xC012, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA" }, /* IANA */
	{ 0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA" },
	{ 0xC014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA" },
	{ 0xC015, "TLS_ECDH_anon_WITH_NULL_SHA" },
	{ 0xC016, "TLS_ECDH_anon_WITH_RC4_128_SHA" }, /* IANA */
	{ 0xC017, "TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA" }, /* IANA */
	{ 0xC018, "TLS_ECDH_anon_WITH_AES_128_CBC_SHA" },
	{ 0xC019, "TLS_ECDH_anon_WITH_AES_256_CBC_SHA" },
	{ 0xC01A, "TLS_SRP_SHA_WITH_3DES_EDE_CBC_SHA" }, /* IANA */
	{ 0xC01B, "TLS_SRP_SHA_RSA_WITH_3DES_EDE_CBC_SHA" }, /* IANA */
	{ 0xC01C, "TLS_SRP_SHA_DSS_WITH_3DES_EDE_CBC_SHA" }, /* IANA */
	{ 0xC01D, "TLS_SRP_SHA_WITH_AES_128_CBC_SHA" },
	{ 0xC01E, "TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA" },
	{ 0xC01F, "TLS_SRP_SHA_DSS_WITH_AES_128_CBC_SHA" },
	{ 0xC020, "TLS_SRP_SHA_WITH_AES_256_CBC_SHA" },
	{ 0xC021, "TLS_SRP_SHA_RSA_WITH_AES_256_CBC_SHA" },
	{ 0xC022, "TLS_SRP_SHA_DSS_WITH_AES_256_CBC_SHA" },
	{ 0xC023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256" },
	{ 0xC024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384" },
	{ 0xC025, "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA256" }, /* IANA */
	{ 0xC026, "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA384" }, /* IANA */
	{ 0xC027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256" },
	{ 0xC028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384" },
	{ 0xC029, "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA256" }, /* IANA */
	{ 0xC02A, "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA384" }, /* IANA */
	{ 0xC02B, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" },
	{ 0xC02C, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384" },
	{ 0xC02D, "TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256" }, /* IANA */
	{ 0xC02E, "TLS_ECDH_ECDSA_WITH_AES_256_GCM_SHA384" }, /* IANA */
	{ 0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" },
	{ 0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384" },
	{ 0xC031, "TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256" }, /* IANA */
	{ 0xC032, "TLS_ECDH_RSA_WITH_AES_256_GCM_SHA384" }, /* IANA */
	{ 0xC033, "TLS_ECDHE_PSK_WITH_RC4_128_SHA" }, /* IANA */
	{ 0xC034, "TLS_ECDHE_PSK_WITH_3DES_EDE_CBC_SHA" }, /* IANA */
	{ 0xC035, "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA" },
	{ 0xC036, "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA" },
	{ 0xC037, "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256" },
	{ 0xC038, "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384" },
	{ 0xC039, "TLS_ECDHE_PSK_WITH_NULL_SHA" },
	{ 0xC03A, "TLS_ECDHE_PSK_WITH_NULL_SHA256" },
	{ 0xC03B, "TLS_ECDHE_PSK_WITH_NULL_SHA384" },
	{ 0xC03C, "TLS_RSA_WITH_ARIA_128_CBC_SHA256" }, /* IANA */
	{ 0xC03D, "TLS_RSA_WITH_ARIA_256_CBC_SHA384" }, /* IANA */
	{ 0xC03E, "TLS_DH_DSS_WITH_ARIA_128_CBC_SHA256" }, /* IANA */
	{ 0xC03F, "TLS_DH_DSS_WITH_ARIA_256_CBC_SHA384" }, /* IANA */
	{ 0xC040, "TLS_DH_RSA_WITH_ARIA_128_CBC_SHA256" }, /* IANA */
	{ 0xC041, "TLS_DH_RSA_WITH_ARIA_256_CBC_SHA384" }, /* IANA */
	{ 0xC042, "TLS_DHE_DSS_WITH_ARIA_128_CBC_SHA256" }, /* IANA */
	{ 0xC043, "TLS_DHE_DSS_WITH_ARIA_256_CBC_SHA384" }, /* IANA */
	{ 0xC044, "TLS_DHE_RSA_WITH_ARIA_128_CBC_SHA256" }, /* IANA */
	{ 0xC045, "TLS_DHE_RSA_WITH_ARIA_256_CBC_SHA384" }, /* IANA */
	{ 0xC046, "TLS_DH_anon_WITH_ARIA_128_CBC_SHA256" }, /* IANA */
	{ 0xC047, "TLS_DH_anon_WITH_ARIA_256_CBC_SHA384" }, /* IANA */
	{ 0xC048, "TLS_ECDHE_ECDSA_WITH_ARIA_128_CBC_SHA256" }, /* IANA */
	{ 0xC049, "TLS_ECDHE_ECDSA_WITH_ARIA_256_CBC_SHA384" }, /* IANA */
	{ 0xC04A, "TLS_ECDH_ECDSA_WITH_ARIA_128_CBC_SHA256" }, /* IANA */
	{ 0xC04B, "TLS_ECDH_ECDSA_WITH_ARIA_256_CBC_SHA384" }, /* IANA */
	{ 0xC04C, "TLS_ECDHE_RSA_WITH_ARIA_128_CBC_SHA256" }, /* IANA */
	{ 0xC04D, "TLS_ECDHE_RSA_WITH_ARIA_256_CBC_SHA384" }, /* IANA */
	{ 0xC04E, "TLS_ECDH_RSA_WITH_ARIA_128_CBC_SHA256" }, /* IANA */
	{ 0xC04F, "TLS_ECDH_RSA_WITH_ARIA_256_CBC_SHA384" }, /* IANA */
	{ 0xC050, "TLS_RSA_WITH_ARIA_128_GCM_SHA256" },
	{ 0xC051, "TLS_RSA_WITH_ARIA_256_GCM_SHA384" },
	{ 0xC052, "TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256" },
	{ 0xC053, "TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384" },
	{ 0xC054, "TLS_DH_RSA_WITH_ARIA_128_GCM_SHA256" }, /* IANA */
	{ 0xC055, "TLS_DH_RSA_WITH_ARIA_256_GCM_SHA384" }, /* IANA */
	{ 0xC056, "TLS_DHE_DSS_WITH_ARIA_128_GCM_SHA256" },
	{ 0xC057, "TLS_DHE_DSS_WITH_ARIA_256_GCM_SHA384" },
	{ 0xC058, "TLS_DH_DSS_WITH_ARIA_128_GCM_SHA256" }, /* IANA */
	{ 0xC059, "TLS_DH_DSS_WITH_ARIA_256_GCM_SHA384" }, /* IANA */
	{ 0xC05A, "TLS_DH_anon_WITH_ARIA_128_GCM_SHA256" }, /* IANA */
	{ 0xC05B, "TLS_DH_anon_WITH_ARIA_256_GCM_SHA384" }, /* IANA */
	{ 0xC05C, "TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256" },
	{ 0xC05D, "TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384" },
	{ 0xC05E, "TLS_ECDH_ECDSA_WITH_ARIA_128_GCM_SHA256" }, /* IANA */
	{ 0xC05F, "TLS_ECDH_ECDSA_WITH_ARIA_256_GCM_SHA384" }, /* IANA */
	{ 0xC060, "TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256" },
	{ 0xC061, "TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384" },
	{ 0xC062, "TLS_ECDH_RSA_WITH_ARIA_128_GCM_SHA256" }, /* IANA */
	{ 0xC063, "TLS_ECDH_RSA_WITH_ARIA_256_GCM_SHA384" }, /* IANA */
	{ 0xC064, "TLS_PSK_WITH_ARIA_128_CBC_SHA256" }, /* IANA */
	{ 0xC065, "TLS_PSK_WITH_ARIA_256_CBC_SHA384" }, /* IANA */
	{ 0xC066, "TLS_DHE_PSK_WITH_ARIA_128_CBC_SHA256" }, /* IANA */
	{ 0xC067, "TLS_DHE_PSK_WITH_ARIA_256_CBC_SHA384" }, /* IANA */
	{ 0xC068, "TLS_RSA_PSK_WITH_ARIA_128_CBC_SHA256" }, /* IANA */
	{ 0xC069, "TLS_RSA_PSK_WITH_ARIA_256_CBC_SHA384" }, /* IANA */
	{ 0xC06A, "TLS_PSK_WITH_ARIA_128_GCM_SHA256" },
	{ 0xC06B, "TLS_PSK_WITH_ARIA_256_GCM_SHA384" },
	{ 0xC06C, "TLS_DHE_PSK_WITH_ARIA_128_GCM_SHA256" },
	{ 0xC06D, "TLS_DHE_PSK_WITH_ARIA_256_GCM_SHA384" },
	{ 0xC06E, "TLS_RSA_PSK_WITH_ARIA_128_GCM_SHA256" },
	{ 0xC06F, "TLS_RSA_PSK_WITH_ARIA_256_GCM_SHA384" },
	{ 0xC070, "TLS_ECDHE_PSK_WITH_ARIA_128_CBC_SHA256" }, /* IANA */
	{ 0xC071, "TLS_ECDHE_PSK_WITH_ARIA_256_CBC_SHA384" }, /* IANA */
	{ 0xC072, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256" },
	{ 0xC073, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384" },
	{ 0xC074, "TLS_ECDH_ECDSA_WITH_CAMELLIA_128_CBC_SHA256" }, /* IANA */
	{ 0xC075, "TLS_ECDH_ECDSA_WITH_CAMELLIA_256_CBC_SHA384" }, /* IANA */
	{ 0xC076, "TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256" },
	{ 0xC077, "TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384" },
	{ 0xC078, "TLS_ECDH_RSA_WITH_CAMELLIA_128_CBC_SHA256" }, /* IANA */
	{ 0xC079, "TLS_ECDH_RSA_WITH_CAMELLIA_256_CBC_SHA384" }, /* IANA */
	{ 0xC07A, "TLS_RSA_WITH_CAMELLIA_128_GCM_SHA256" }, /* IANA */
	{ 0xC07B, "TLS_RSA_WITH_CAMELLIA_256_GCM_SHA384" }, /* IANA */
	{ 0xC07C, "TLS_DHE_RSA_WITH_CAMELLIA_128_GCM_SHA256" }, /* IANA */
	{ 0xC07D, "TLS_DHE_RSA_WITH_CAMELLIA_256_GCM_SHA384" }, /* IANA */
	{ 0xC07E, "TLS_DH_RSA_WITH_CAMELLIA_128_GCM_SHA256" }, /* IANA */
	{ 0xC07F, "TLS_DH_RSA_WITH_CAMELLIA_256_GCM_SHA384" }, /* IANA */
	{ 0xC080, "TLS_DHE_DSS_WITH_CAMELLIA_128_GCM_SHA256" }, /* IANA */
	{ 0xC081, "TLS_DHE_DSS_WITH_CAMELLIA_256_GCM_SHA384" }, /* IANA */
	{ 0xC082, "TLS_DH_DSS_WITH_CAMELLIA_128_GCM_SHA256" }, /* IANA */
	{ 0xC083, "TLS_DH_DSS_WITH_CAMELLIA_256_GCM_SHA384" }, /* IANA */
	{ 0xC084, "TLS_DH_anon_WITH_CAMELLIA_128_GCM_SHA256" }, /* IANA */
	{ 0xC085, "TLS_DH_anon_WITH_CAMELLIA_256_GCM_SHA384" }, /* IANA */
	{ 0xC086, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_GCM_SHA256" }, /* IANA */
	{ 0xC087, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_GCM_SHA384" }, /* IANA */
	{ 0xC088, "TLS_ECDH_ECDSA_WITH_CAMELLIA_128_GCM_SHA256" }, /* IANA */
	{ 0xC089, "TLS_ECDH_ECDSA_WITH_CAMELLIA_256_GCM_SHA384" }, /* IANA */
	{ 0xC08A, "TLS_ECDHE_RSA_WITH_CAMELLIA_128_GCM_SHA256" }, /* IANA */
	{ 0xC08B, "TLS_ECDHE_RSA_WITH_CAMELLIA_256_GCM_SHA384" }, /* IANA */
	{ 0xC08C, "TLS_ECDH_RSA_WITH_CAMELLIA_128_GCM_SHA256" }, /* IANA */
	{ 0xC08D, "TLS_ECDH_RSA_WITH_CAMELLIA_256_GCM_SHA384" }, /* IANA */
	{ 0xC08E, "TLS_PSK_WITH_CAMELLIA_128_GCM_SHA256" }, /* IANA */
	{ 0xC08F, "TLS_PSK_WITH_CAMELLIA_256_GCM_SHA384" }, /* IANA */
	{ 0xC090, "TLS_DHE_PSK_WITH_CAMELLIA_128_GCM_SHA256" }, /* IANA */
	{ 0xC091, "TLS_DHE_PSK_WITH_CAMELLIA_256_GCM_SHA384" }, /* IANA */
	{ 0xC092, "TLS_RSA_PSK_WITH_CAMELLIA_128_GCM_SHA256" }, /* IANA */
	{ 0xC093, "TLS_RSA_PSK_WITH_CAMELLIA_256_GCM_SHA384" }, /* IANA */
	{ 0xC094, "TLS_PSK_WITH_CAMELLIA_128_CBC_SHA256" },
	{ 0xC095, "TLS_PSK_WITH_CAMELLIA_256_CBC_SHA384" },
	{ 0xC096, "TLS_DHE_PSK_WITH_CAMELLIA_128_CBC_SHA256" },
	{ 0xC097, "TLS_DHE_PSK_WITH_CAMELLIA_256_CBC_SHA384" },
	{ 0xC098, "TLS_RSA_PSK_WITH_CAMELLIA_128_CBC_SHA256" },
	{ 0xC099, "TLS_RSA_PSK_WITH_CAMELLIA_256_CBC_SHA384" },
	{ 0xC09A, "TLS_ECDHE_PSK_WITH_CAMELLIA_128_CBC_SHA256" },
	{ 0xC09B, "TLS_ECDHE_PSK_WITH_CAMELLIA_256_CBC_SHA384" },
	{ 0xC09C, "TLS_RSA_WITH_AES_128_CCM" },
	{ 0xC09D, "TLS_RSA_WITH_AES_256_CCM" },
	{ 0xC09E, "TLS_DHE_RSA_WITH_AES_128_CCM" },
	{ 0xC09F, "TLS_DHE_RSA_WITH_AES_256_CCM" },
	{ 0xC0A0, "TLS_RSA_WITH_AES_128_CCM_8" },
	{ 0xC0A1, "TLS_RSA_WITH_AES_256_CCM_8" },
	{ 0xC0A2, "TLS_DHE_RSA_WITH_AES_128_CCM_8" },
	{ 0xC0A3, "TLS_DHE_RSA_WITH_AES_256_CCM_8" },
	{ 0xC0A4, "TLS_PSK_WITH_AES_128_CCM" },
	{ 0xC0A5, "TLS_PSK_WITH_AES_256_CCM" },
	{ 0xC0A6, "TLS_DHE_PSK_WITH_AES_128_CCM" },
	{ 0xC0A7, "TLS_DHE_PSK_WITH_AES_256_CCM" },
	{ 0xC0A8, "TLS_PSK_WITH_AES_128_CCM_8" },
	{ 0xC0A9, "TLS_PSK_WITH_AES_256_CCM_8" },
	{ 0xC0AA, "TLS_PSK_DHE_WITH_AES_128_CCM_8" },
	{ 0xC0AB, "TLS_PSK_DHE_WITH_AES_256_CCM_8" },
	{ 0xC0AC, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM" },
	{ 0xC0AD, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM" },
	{ 0xC0AE, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8" },
	{ 0xC0AF, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8" },
	{ 0xC0B0, "TLS_ECCPWD_WITH_AES_128_GCM_SHA256" }, /* IANA */
	{ 0xC0B1, "TLS_ECCPWD_WITH_AES_256_GCM_SHA384" }, /* IANA */
	{ 0xC0B2, "TLS_ECCPWD_WITH_AES_128_CCM_SHA256" }, /* IANA */
	{ 0xC0B3, "TLS_ECCPWD_WITH_AES_256_CCM_SHA384" }, /* IANA */
	{ 0xC0B4, "TLS_SHA256_SHA256" }, /* IANA */
	{ 0xC0B5, "TLS_SHA384_SHA384" }, /* IANA */
	{ 0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256" },
	{ 0xCCA9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256" },
	{ 0xCCAA, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256" },
	{ 0xCCAB, "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256" },
	{ 0xCCAC, "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256" },
	{ 0xCCAD, "TLS_DHE_PSK_WITH_CHACHA20_POLY1305_SHA256" },
	{ 0xCCAE, "TLS_RSA_PSK_WITH_CHACHA20_POLY1305_SHA256" },
	{ 0xD001, "TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256" }, /* IANA */
	{ 0xD002, "TLS_ECDHE_PSK_WITH_AES_256_GCM_SHA384" }, /* IANA */
	{ 0xD003, "TLS_ECDHE_PSK_WITH_AES_128_CCM_8_SHA256" }, /* IANA */
	{ 0xD005, "TLS_ECDHE_PSK_WITH_AES_128_CCM_SHA256" }, /* IANA */
};

#define TABLE_LEN (sizeof table / sizeof table[0])

/* The text between "TLS_" and "_WITH_". */
struct kx_form {
	const char *text;
	const char *kx;
	const char *auth;
	bool fs;
	bool anon;
	bool export_grade;
};

static const struct kx_form kx_forms[] = {
	{ "NULL", "NULL", "NULL", false, true, false },
	{ "RSA", "RSA", "RSA", false, false, false },
	{ "RSA_EXPORT", "RSA", "RSA", false, false, true },
	{ "DH_DSS", "DH", "DSS", false, false, false },
	{ "DH_DSS_EXPORT", "DH", "DSS", false, false, true },
	{ "DH_RSA", "DH", "RSA", false, false, false },
	{ "DH_RSA_EXPORT", "DH", "RSA", false, false, true },
	{ "DHE_DSS", "DHE", "DSS", true, false, false },
	{ "DHE_DSS_EXPORT", "DHE", "DSS", true, false, true },
	{ "DHE_RSA", "DHE", "RSA", true, false, false },
	{ "DHE_RSA_EXPORT", "DHE", "RSA", true, false, true },
	{ "DH_anon", "DHE", "anon", true, true, false },
	{ "DH_anon_EXPORT", "DHE", "anon", true, true, true },
	{ "ECDH_ECDSA", "ECDH", "ECDSA", false, false, false },
	{ "ECDH_RSA", "ECDH", "RSA", false, false, false },
	{ "ECDHE_ECDSA", "ECDHE", "ECDSA", true, false, false },
	{ "ECDHE_RSA", "ECDHE", "RSA", true, false, false },
	{ "ECDH_anon", "ECDHE", "anon", true, true, false },
	{ "PSK", "PSK", "PSK", false, false, false },
	{ "DHE_PSK", "DHE_PSK", "PSK", true, false, false },
	{ "PSK_DHE", "DHE_PSK", "PSK", true, false, false },  /* RFC 6655's spelling */
	{ "ECDHE_PSK", "ECDHE_PSK", "PSK", true, false, false },
	{ "RSA_PSK", "RSA_PSK", "RSA", false, false, false },
	{ "SRP_SHA", "SRP", "SRP", false, false, false },
	{ "SRP_SHA_RSA", "SRP", "RSA", false, false, false },
	{ "SRP_SHA_DSS", "SRP", "DSS", false, false, false },
	{ "ECCPWD", "ECCPWD", "ECCPWD", false, false, false },
	{ "KRB5", "KRB5", "KRB5", false, false, false },
	{ "KRB5_EXPORT", "KRB5", "KRB5", false, false, true },
};

/* The bulk cipher: after "_WITH_" (TLS 1.3: after "TLS_"), before the MAC
 * or hash. "SHA256"/"SHA384" are RFC 9150's integrity-only TLS 1.3 suites. */
struct enc_form {
	const char *text;
	const char *enc;
	const char *mode;
	int bits;
	bool aead;
	bool weak;
	bool integrity_only;    /* RFC 9150, TLS 1.3 only */
};

static const struct enc_form enc_forms[] = {
	{ "AES_128_GCM", "AES", "GCM", 128, true, false, false },
	{ "AES_256_GCM", "AES", "GCM", 256, true, false, false },
	{ "AES_128_CCM", "AES", "CCM", 128, true, false, false },
	{ "AES_256_CCM", "AES", "CCM", 256, true, false, false },
	{ "AES_128_CCM_8", "AES", "CCM_8", 128, true, false, false },
	{ "AES_256_CCM_8", "AES", "CCM_8", 256, true, false, false },
	{ "AES_128_CBC", "AES", "CBC", 128, false, false, false },
	{ "AES_256_CBC", "AES", "CBC", 256, false, false, false },
	{ "CHACHA20_POLY1305", "CHACHA20", "POLY1305", 256, true, false, false },
	{ "CAMELLIA_128_GCM", "CAMELLIA", "GCM", 128, true, false, false },
	{ "CAMELLIA_256_GCM", "CAMELLIA", "GCM", 256, true, false, false },
	{ "CAMELLIA_128_CBC", "CAMELLIA", "CBC", 128, false, false, false },
	{ "CAMELLIA_256_CBC", "CAMELLIA", "CBC", 256, false, false, false },
	{ "ARIA_128_GCM", "ARIA", "GCM", 128, true, false, false },
	{ "ARIA_256_GCM", "ARIA", "GCM", 256, true, false, false },
	{ "ARIA_128_CBC", "ARIA", "CBC", 128, false, false, false },
	{ "ARIA_256_CBC", "ARIA", "CBC", 256, false, false, false },
	{ "SEED_CBC", "SEED", "CBC", 128, false, false, false },
	{ "SM4_GCM", "SM4", "GCM", 128, true, false, false },
	{ "SM4_CCM", "SM4", "CCM", 128, true, false, false },
	{ "3DES_EDE_CBC", "3DES", "CBC", 112, false, true, false },
	{ "IDEA_CBC", "IDEA", "CBC", 128, false, true, false },
	{ "DES_CBC", "DES", "CBC", 56, false, true, false },
	{ "DES40_CBC", "DES", "CBC", 40, false, true, false },
	{ "DES_CBC_40", "DES", "CBC", 40, false, true, false },
	{ "RC2_CBC_40", "RC2", "CBC", 40, false, true, false },
	{ "RC4_128", "RC4", "stream", 128, false, true, false },
	{ "RC4_40", "RC4", "stream", 40, false, true, false },
	{ "NULL", "NULL", "none", 0, false, true, false },
	{ "SHA256", "NULL", "none", 0, false, true, true },
	{ "SHA384", "NULL", "none", 0, false, true, true },
};

/* The last part: the record MAC, or for an AEAD the PRF/handshake hash
 * (CCM suites of RFC 6655 and 7251 name none). */
struct mac_form {
	const char *text;
	const char *mac;
	bool weak;
};

static const struct mac_form mac_forms[] = {
	{ "SHA", "SHA1", false },
	{ "SHA256", "SHA256", false },
	{ "SHA384", "SHA384", false },
	{ "SM3", "SM3", false },
	{ "MD5", "MD5", true },
	{ "NULL", "NULL", true },
};

struct parsed {
	const struct kx_form *kx;     /* NULL for TLS 1.3 */
	const struct enc_form *enc;
	const char *mac;
	bool weak_mac;
};

static const struct cipher_entry *
find(uint16_t id)
{
	size_t lo = 0, hi = TABLE_LEN;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (table[mid].id == id)
			return &table[mid];
		if (table[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Does s[0..len) equal the NUL-terminated word? */
static bool
equals(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(s, word, len) == 0;
}

/* The tail after the bulk cipher: "" or "_" followed by one mac_forms word. */
static bool
parse_mac(const char *s, bool aead, struct parsed *p)
{
	size_t i;

	if (*s == '\0') {
		/* only an AEAD may leave the hash out */
		p->mac = "AEAD";
		p->weak_mac = false;
		return aead;
	}
	if (*s != '_')
		return false;
	s++;
	for (i = 0; i < sizeof mac_forms / sizeof mac_forms[0]; i++) {
		if (strcmp(s, mac_forms[i].text) != 0)
			continue;
		if (aead) {
			/* the hash names the PRF; integrity is the cipher's */
			if (mac_forms[i].weak)
				return false;
			p->mac = "AEAD";
			p->weak_mac = false;
		} else {
			p->mac = mac_forms[i].mac;
			p->weak_mac = mac_forms[i].weak;
		}
		return true;
	}
	return false;
}

/* The bulk cipher and MAC in s; the first reading that uses all of s wins
 * (so "DES_CBC_40_SHA" is not taken for "DES_CBC" + "_40_SHA"). */
static bool
parse_enc_mac(const char *s, struct parsed *p)
{
	size_t i;

	for (i = 0; i < sizeof enc_forms / sizeof enc_forms[0]; i++) {
		const struct enc_form *e = &enc_forms[i];
		size_t n = strlen(e->text);
		if (strncmp(s, e->text, n) != 0 || (s[n] != '\0' && s[n] != '_'))
			continue;
		if (parse_mac(s + n, e->aead, p)) {
			p->enc = e;
			return true;
		}
	}
	return false;
}

static bool
parse_name(const char *name, struct parsed *p)
{
	const char *with, *body;
	size_t i;

	memset(p, 0, sizeof *p);
	if (strncmp(name, "TLS_", 4) != 0)
		return false;
	body = name + 4;
	with = strstr(body, "_WITH_");
	if (with == NULL) {
		/* TLS 1.3: the suite names the AEAD (or RFC 9150's HMAC) and hash */
		if (!parse_enc_mac(body, p))
			return false;
		return p->enc->aead || p->enc->integrity_only;
	}
	for (i = 0; i < sizeof kx_forms / sizeof kx_forms[0]; i++) {
		if (equals(body, (size_t)(with - body), kx_forms[i].text)) {
			p->kx = &kx_forms[i];
			break;
		}
	}
	if (p->kx == NULL || !parse_enc_mac(with + 6, p))
		return false;
	return !p->enc->integrity_only;
}

static bool
is_scsv(const char *name)
{
	size_t n = strlen(name);
	return n >= 5 && strcmp(name + n - 5, "_SCSV") == 0;
}

static enum cipher_class
classify(const struct parsed *p)
{
	bool tls13 = p->kx == NULL;

	if (p->enc->weak || p->weak_mac || (!tls13 && (p->kx->anon || p->kx->export_grade)))
		return CIPHER_INSUFFICIENT;
	if (tls13)
		return CIPHER_GOOD;
	if (!p->kx->fs)
		return CIPHER_PHASE_OUT;
	return p->enc->aead ? CIPHER_GOOD : CIPHER_SUFFICIENT;
}

/* The entry and its reading, or NULL for an id that is no cipher suite. */
static const struct cipher_entry *
read_entry(uint16_t id, struct parsed *p)
{
	const struct cipher_entry *e = find(id);

	if (e == NULL || is_scsv(e->name) || !parse_name(e->name, p))
		return NULL;
	return e;
}

bool
cipher_lookup(uint16_t id, struct cipher_props *out)
{
	struct parsed p;
	const struct cipher_entry *e = read_entry(id, &p);

	if (out == NULL)
		return e != NULL;
	memset(out, 0, sizeof *out);
	out->id = id;
	if (e == NULL) {
		out->name = cipher_name(id);
		return false;
	}
	out->name = e->name;
	out->enc = p.enc->enc;
	out->mode = p.enc->mode;
	out->mac = p.mac;
	out->bits = p.enc->bits;
	out->aead = p.enc->aead;
	if (p.kx == NULL) {
		out->kx = "any";
		out->auth = "any";
		out->fs = true;
		out->tls13 = true;
	} else {
		out->kx = p.kx->kx;
		out->auth = p.kx->auth;
		out->fs = p.kx->fs;
		out->export_grade = p.kx->export_grade;
	}
	return true;
}

enum cipher_class
cipher_class_of(uint16_t id)
{
	struct parsed p;

	if (read_entry(id, &p) == NULL)
		return CIPHER_UNKNOWN;
	return classify(&p);
}

const char *
cipher_class_name(enum cipher_class c)
{
	switch (c) {
	case CIPHER_GOOD: return "good";
	case CIPHER_SUFFICIENT: return "sufficient";
	case CIPHER_PHASE_OUT: return "phase-out";
	case CIPHER_INSUFFICIENT: return "insufficient";
	case CIPHER_UNKNOWN: break;
	}
	return "unknown";
}

const char *
cipher_name(uint16_t id)
{
	const struct cipher_entry *e = find(id);

	return e != NULL ? e->name : NULL;
}

bool
cipher_is_grease(uint16_t id)
{
	return (id & 0x0f0f) == 0x0a0a && (id >> 8) == (id & 0xff);
}

size_t
cipher_table_len(void)
{
	return TABLE_LEN;
}

uint16_t
cipher_table_id(size_t i)
{
	return i < TABLE_LEN ? table[i].id : 0xffff;
}

void
cipher_text(int32_t id, char out[64])
{
	const char *n = id >= 0 && id <= 0xffff ? cipher_name((uint16_t)id) : NULL;

	if (id < 0)
		snprintf(out, 64, "none");
	else if (n != NULL)
		snprintf(out, 64, "%s", n);
	else
		snprintf(out, 64, "0x%04x", (unsigned)id & 0xffffu);
}
