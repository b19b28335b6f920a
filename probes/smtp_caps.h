/* probes/smtp_caps.h: EHLO capability parser (RFC 5321 4.1.1.1), pure and bounded.
 *
 * Feed the lines of one EHLO reply in order (smtp_caps_line) or a whole reply
 * text (smtp_caps_parse). The first line is the server's domain and greeting;
 * every later line is "KEYWORD [params]". Keywords are case-insensitive and
 * may stand on any line, the last one included ("250 STARTTLS"). AUTH takes
 * its mechanisms from "AUTH m1 m2" and the old "AUTH=m1 m2" form alike.
 * Unknown keywords and mechanisms are kept, upper-cased, each once, as far as
 * their fixed buffers allow (caps->truncated then says some were dropped).
 */
#ifndef SMTPMON_SMTP_CAPS_H
#define SMTPMON_SMTP_CAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum smtp_cap {
	SMTP_CAP_STARTTLS = 1u << 0,
	SMTP_CAP_PIPELINING = 1u << 1,
	SMTP_CAP_SIZE = 1u << 2,
	SMTP_CAP_8BITMIME = 1u << 3,
	SMTP_CAP_SMTPUTF8 = 1u << 4,
	SMTP_CAP_CHUNKING = 1u << 5,
	SMTP_CAP_DSN = 1u << 6,
	SMTP_CAP_ENHANCEDSTATUSCODES = 1u << 7,
	SMTP_CAP_REQUIRETLS = 1u << 8,
	SMTP_CAP_AUTH = 1u << 9,
	SMTP_CAP_BINARYMIME = 1u << 10,
	SMTP_CAP_ETRN = 1u << 11,
	SMTP_CAP_VRFY = 1u << 12,
	SMTP_CAP_MTRK = 1u << 13,
	SMTP_CAP_DELIVERBY = 1u << 14,
	SMTP_CAP_COUNT = 15
};

enum smtp_auth_mech {
	SMTP_AUTH_PLAIN = 1u << 0,
	SMTP_AUTH_LOGIN = 1u << 1,
	SMTP_AUTH_CRAM_MD5 = 1u << 2,
	SMTP_AUTH_DIGEST_MD5 = 1u << 3,
	SMTP_AUTH_NTLM = 1u << 4,
	SMTP_AUTH_GSSAPI = 1u << 5,
	SMTP_AUTH_XOAUTH2 = 1u << 6,
	SMTP_AUTH_OAUTHBEARER = 1u << 7,
	SMTP_AUTH_SCRAM_SHA_1 = 1u << 8,
	SMTP_AUTH_SCRAM_SHA_256 = 1u << 9,
	SMTP_AUTH_EXTERNAL = 1u << 10,
	SMTP_AUTH_ANONYMOUS = 1u << 11,
	SMTP_AUTH_COUNT = 12
};

struct smtp_caps {
	uint32_t caps;            /* enum smtp_cap bits */
	uint32_t auth;            /* enum smtp_auth_mech bits */
	uint64_t size;            /* SIZE value; 0 when absent or unlimited */
	char domain[64];          /* first word of the first line */
	char auth_other[96];      /* unknown mechanisms, space-separated */
	char unknown[160];        /* unknown keywords, space-separated */
	unsigned nlines;          /* lines seen */
	bool truncated;
};

void smtp_caps_init(struct smtp_caps *c);

/* One line of the reply: index 0 is the greeting line. text/len as after the
 * "250-" or "250 " prefix. */
void smtp_caps_line(struct smtp_caps *c, unsigned index, const char *text, size_t len);

/* A whole reply as received ("250-a\r\n250 b\r\n"); lines without a valid
 * code prefix are skipped. At most len bytes are read. */
void smtp_caps_parse(struct smtp_caps *c, const char *reply, size_t len);

/* Name of one capability bit / mechanism bit ("STARTTLS", "CRAM-MD5"). */
const char *smtp_cap_name(enum smtp_cap bit);
const char *smtp_auth_name(enum smtp_auth_mech bit);

/* Space-separated names of every capability set (known then unknown), and of
 * every AUTH mechanism (known then other); return strlen of the full text,
 * truncated to fit outsz like snprintf. */
size_t smtp_caps_names(const struct smtp_caps *c, char *out, size_t outsz);
size_t smtp_caps_auth_names(const struct smtp_caps *c, char *out, size_t outsz);

#endif
