/* agent/verdict/posture.h: the TLS posture of one classification, the names
 * of its values, and what readers see of a target's baseline: plain values,
 * decided once (agent/verdict makes a posture, agent/downgrade keeps the
 * baselines and names a posture: posture_names()), stored in the registry's
 * rows. Readers print the names; none maps a raw value again. No functions
 * here.
 */
#ifndef SMTPMON_POSTURE_H
#define SMTPMON_POSTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* What one classification saw; a dimension it could not see is unknown
 * (-1, or 0 where said) and is neither compared nor recorded. */
struct posture {
	int8_t server_type;        /* enum appl_server_type; 0 unknown */
	int8_t starttls;           /* 1 offered, 0 not, -1 unknown */
	int8_t tls_attempted;      /* 1 the probe tried TLS (Secure/AuthEntity), 0 not */
	uint16_t tls_version;      /* wire version; 0 not negotiated */
	int32_t cipher_id;         /* IANA id; -1 none */
	int8_t cipher_class;       /* the suite's NCSC-NL 2025-05 class (probes/rating's
	                            * cipher component) on enum cipher_class's scale,
	                            * stronger is greater: 4 good, 3 sufficient,
	                            * 2 phase-out, 1 insufficient; 0 unknown */
	int8_t cert_time_ok;       /* 1 within notBefore..notAfter, 0 outside, -1 unknown */
	int8_t cert_trusted;       /* 1 chain verifies, 0 does not, -1 unknown */
	int8_t host_match;         /* 1 name matches, 0 does not, -1 unknown / no name */
	int8_t rating;             /* the overall NCSC-NL 2025-05 rating, enum rating_class
	                            * (worse is greater); 0 unknown or no TLS */
	int8_t rating_part;        /* its weakest component (rating_part_name()); -1 unknown */
	bool have_key;
	uint8_t key[32];           /* SHA-256 of the SubjectPublicKeyInfo */
};

/* A posture's values as readers show them: names from the probes/ tables
 * (pointers to their static strings only) and the texts of values the
 * tables do not know. */
struct posture_names {
	const char *type_name;     /* "ESMTP"; NULL unknown */
	char tls_text[8];          /* "none", "TLSv1.3", or "0x7f1c" (not in the table) */
	int tls_mib;               /* SmtpmonTlsLevel; TLSVER_MIB_NONE none or unknown */
	const char *cipher_name;   /* IANA name; NULL none, or not in the table */
	char cipher_text[8];       /* when cipher_name is NULL: "none", or "0x00ff" */
	const char *class_name;    /* of cipher_class: "good"; NULL when 0 (unknown) */
	int class_mib;             /* SmtpmonCipherClass of cipher_class; 1 unknown */
	const char *rating_name;   /* of rating: "sufficient"; NULL unknown */
	const char *rating_part_name; /* of rating_part: "cert_key"; NULL unknown */
};

/* What readers (control, SNMP) see of a baseline, in the registry row. */
struct dg_view {
	bool set;
	struct posture best;
	struct posture_names best_names;  /* of best */
	time_t set_at;
	uint32_t active;           /* events downgraded now (1u << enum dg_event) */
	int8_t last_event;         /* enum dg_event; DG_NONE when none yet */
	bool last_recovered;
	time_t last_event_at;
};

#endif
