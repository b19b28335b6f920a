/* agent/output/snmp_mib.h: the OIDs of SMTPMON-MIB (mib/SMTPMON-MIB.txt), in one place.
 *
 * The module has no private enterprise number yet: it lives under
 * experimental (1.3.6.1.3), arc 5321 (after the SMTP RFC). When a PEN is
 * assigned, SMTPMON_OID_ROOT here and the MODULE-IDENTITY's parent in the
 * MIB are the only two places to change. Every number below must match the
 * MIB text; tests/integration/snmp-*.sh compare them through snmptranslate.
 *
 *   smtpmonMIB                  ROOT
 *     smtpmonNotifications      ROOT.0   (.1 targetDown .2 targetUp
 *                                         .3 certExpiring .4 tlsDowngrade
 *                                         .5 tlsRecovered .6 certChanged
 *                                         .7 passiveAlert)
 *     smtpmonObjects            ROOT.1
 *       smtpmonScalars          ROOT.1.1 (.1 .. .7, below)
 *       smtpmonTargetTable      ROOT.1.2, entry .1, index smtpmonTargetIndex
 *       smtpmonConnectionTable  ROOT.1.3, entry .1, index smtpmonTargetIndex,
 *                                         smtpmonConnectionRole
 *       smtpmonNotifyObjects    ROOT.1.4 (accessible-for-notify)
 *       smtpmonPassive          ROOT.1.5 (the passive probe)
 *         smtpmonPassiveScalars ROOT.1.5.1 (.1 .. .14, below)
 *         smtpmonPassiveServerTable ROOT.1.5.2, entry .1, index smtpmonPassiveServerIndex
 *     smtpmonConformance        ROOT.2   (.1 compliances, .2 groups)
 *
 * Descriptors stay within 32 characters (RFC 2578 section 3.1), hence the
 * short passive column names (SMTPMON_P_SESS_TLS: smtpmonPassiveServerSessTls).
 */
#ifndef SMTPMON_SNMP_MIB_H
#define SMTPMON_SNMP_MIB_H

#define SMTPMON_OID_ROOT 1, 3, 6, 1, 3, 5321
#define SMTPMON_OID_ROOT_LEN 6
#define SMTPMON_OID_ROOT_TEXT "1.3.6.1.3.5321"

/* scalars: ROOT.1.1.N.0 */
#define SMTPMON_SC_VERSION            1   /* DisplayString */
#define SMTPMON_SC_WRITER             2   /* DisplayString (SIZE(1..8)) */
#define SMTPMON_SC_TARGETS_CONFIGURED 3   /* Gauge32 */
#define SMTPMON_SC_TARGETS_UP         4   /* Gauge32 */
#define SMTPMON_SC_PROBES_DONE        5   /* Counter64 */
#define SMTPMON_SC_PROBE_FAILURES     6   /* Counter64 */
#define SMTPMON_SC_START_TIME         7   /* DateAndTime */

/* smtpmonTargetTable columns: ROOT.1.2.1.C.INDEX */
enum smtpmon_target_col {
	SMTPMON_T_INDEX = 1,            /* Unsigned32 (1..4294967295), not-accessible */
	SMTPMON_T_ADDRESS_TYPE,         /* InetAddressType */
	SMTPMON_T_ADDRESS,              /* InetAddress */
	SMTPMON_T_PORT,                 /* InetPortNumber */
	SMTPMON_T_NAME,                 /* DisplayString: TargetName / TargetMx domain */
	SMTPMON_T_MX_HOST,              /* DisplayString */
	SMTPMON_T_SECURE,               /* TruthValue: the Secure policy */
	SMTPMON_T_STATUS,               /* INTEGER starting(1) up(2) down(3) resolving(4) */
	SMTPMON_T_SERVER_TYPE,          /* INTEGER unknown(1) smtp(2) esmtp(3) */
	SMTPMON_T_SECURITY,             /* INTEGER unknown(1) basic(2) tls(3) */
	SMTPMON_T_TLS_LEVEL,            /* INTEGER none(1) ssl2(2) ssl3(3) tls10(4) tls11(5) tls12(6) tls13(7) */
	SMTPMON_T_CIPHER_ID,            /* Integer32 (-1..65535): IANA code point, -1 none */
	SMTPMON_T_CIPHER_NAME,          /* DisplayString: IANA name */
	SMTPMON_T_KX_GROUP,             /* DisplayString */
	SMTPMON_T_CERT_NOT_AFTER,       /* SmtpmonDateAndTimeOrEmpty: DateAndTime or empty */
	SMTPMON_T_CERT_DAYS_LEFT,       /* Integer32 */
	SMTPMON_T_CERT_VERIFY,          /* INTEGER unknown(1) ok(2) untrusted(3) expired(4) nameMismatch(5) */
	SMTPMON_T_STARTTLS_OFFERED,     /* TruthValue */
	SMTPMON_T_CAPABILITIES,         /* BITS, see SmtpmonCapabilities */
	SMTPMON_T_AUTH_PRETLS,          /* DisplayString: mechanisms offered before TLS */
	SMTPMON_T_APPLDATA,             /* OCTET STRING (SIZE(40)) */
	SMTPMON_T_RTT_CONNECT,          /* Unsigned32, microseconds */
	SMTPMON_T_RTT_BANNER,
	SMTPMON_T_RTT_EHLO,
	SMTPMON_T_RTT_STARTTLS,
	SMTPMON_T_RTT_HANDSHAKE,
	SMTPMON_T_RTT_NOOP,
	SMTPMON_T_CONNECTS,             /* Counter32 */
	SMTPMON_T_CONNECT_FAILURES,     /* Counter32 */
	SMTPMON_T_NOOPS,                /* Counter32 */
	SMTPMON_T_REPROBES,             /* Counter32 */
	SMTPMON_T_LAST_CHANGE,          /* TimeStamp */
	SMTPMON_T_LAST_REPLY,           /* DisplayString (SIZE(0..255)) */
	SMTPMON_T_CIPHER_CLASS,         /* INTEGER unknown(1) insufficient(2) phaseOut(3) sufficient(4) good(5) */
	SMTPMON_T_BASELINE_TLS_LEVEL,   /* same INTEGER as SMTPMON_T_TLS_LEVEL */
	SMTPMON_T_BASELINE_CIPHER_ID,   /* Integer32 (-1..65535) */
	SMTPMON_T_BASELINE_CIPHER_NAME, /* DisplayString */
	SMTPMON_T_BASELINE_CIPHER_CLASS, /* same INTEGER as SMTPMON_T_CIPHER_CLASS */
	SMTPMON_T_BASELINE_SINCE,       /* SmtpmonDateAndTimeOrEmpty: DateAndTime or empty */
	SMTPMON_T_TLS_DOWNGRADES,       /* DisplayString: events downgraded now, comma-separated */
	SMTPMON_T_TLS_EVENT,            /* DisplayString: the last downgrade or recovery event */
	SMTPMON_T_TLS_EVENT_KIND,       /* INTEGER none(1) downgrade(2) recovery(3) */
	SMTPMON_T_TLS_EVENT_TIME,       /* SmtpmonDateAndTimeOrEmpty: DateAndTime or empty */
	/* the monitor connection against the server's own limits (agent/verdict/mlimit.h) */
	SMTPMON_T_SERVER_CLOSES,        /* Counter32: the server ended the monitor connection */
	SMTPMON_T_RECYCLES,             /* Counter32: smtpmond ended it (QUIT) under its NOOP budget */
	SMTPMON_T_THROTTLES,            /* Counter32: NOOP replies the server slowed on purpose */
	SMTPMON_T_LAST_CLOSE_REPLY,     /* DisplayString (SIZE(0..160)): printable ASCII, "" none */
	SMTPMON_T_LAST_CLOSE_KIND,      /* INTEGER none(1) idle(2) command(3) */
	SMTPMON_T_LAST_CLOSE_IDLE,      /* Unsigned32, milliseconds: silence before that close */
	SMTPMON_T_LAST_CLOSE_NOOPS,     /* Unsigned32: NOOPs answered on that connection */
	SMTPMON_T_LAST_CLOSE_TIME,      /* SmtpmonDateAndTimeOrEmpty: DateAndTime or empty */
	SMTPMON_T_LEARNED_IDLE,         /* Unsigned32, milliseconds: learned idle limit, 0 none */
	SMTPMON_T_NOOP_BUDGET,          /* Unsigned32: NOOPs per connection in force, 0 no limit */
	SMTPMON_T_NOOP_INTERVAL,        /* Unsigned32, milliseconds: NOOP interval in force */
	/* the published TLS policy (agent/verdict/tlspolicy.h, struct policy_view),
	 * notChecked(1) and "" when the target has no Dane / MtaSts */
	SMTPMON_T_DANE_STATUS,          /* INTEGER notChecked(1) valid(2) mismatch(3) noTlsa(4) insecure(5) bogus(6) error(7) */
	SMTPMON_T_MTA_STS_STATUS,       /* INTEGER notChecked(1) enforceOk(2) enforceViolation(3) testing(4) none(5) invalid(6) error(7) */
	SMTPMON_T_MTA_STS_MODE,         /* DisplayString (SIZE(0..16)): enforce, testing, none, "" no policy */
	SMTPMON_T_MTA_STS_POLICY_ID,    /* DisplayString (SIZE(0..32)): the TXT record's id, "" unknown */
	SMTPMON_T_POLICY_FAILURE,       /* DisplayString (SIZE(0..64)): RFC 8460 result types failing, "" none */
	/* the NCSC-NL 2025-05 rating of the last classification (probes/rating.h,
	 * rating_class_mib()), unknown(1) when not classified or no TLS */
	SMTPMON_T_RATING_OVERALL,       /* INTEGER unknown(1) good(2) sufficient(3) phaseOut(4) insufficient(5) */
	SMTPMON_T_RATING_TLS_VERSION,   /* same INTEGER as SMTPMON_T_RATING_OVERALL */
	SMTPMON_T_RATING_CIPHER,        /* same INTEGER as SMTPMON_T_RATING_OVERALL */
	SMTPMON_T_RATING_KEY_EXCHANGE,  /* same INTEGER as SMTPMON_T_RATING_OVERALL */
	SMTPMON_T_RATING_CERT_KEY,      /* same INTEGER as SMTPMON_T_RATING_OVERALL */
	SMTPMON_T_RATING_CERT_SIGNATURE, /* same INTEGER as SMTPMON_T_RATING_OVERALL */
	SMTPMON_T_LAST_COLUMN = SMTPMON_T_RATING_CERT_SIGNATURE,
};

/* smtpmonConnectionTable columns: ROOT.1.3.1.C.TINDEX.ROLE */
enum smtpmon_conn_col {
	SMTPMON_C_ROLE = 1,             /* INTEGER monitor(1) reprobe(2), not-accessible */
	SMTPMON_C_LOCAL_ADDRESS_TYPE,   /* InetAddressType */
	SMTPMON_C_LOCAL_ADDRESS,        /* InetAddress */
	SMTPMON_C_LOCAL_PORT,           /* InetPortNumber */
	SMTPMON_C_REMOTE_ADDRESS_TYPE,
	SMTPMON_C_REMOTE_ADDRESS,
	SMTPMON_C_REMOTE_PORT,
	SMTPMON_C_APPLDATA,             /* OCTET STRING (SIZE(40)) */
	SMTPMON_C_LAST_COLUMN = SMTPMON_C_APPLDATA,
};

/* smtpmonPassiveServerTable columns: ROOT.1.5.2.1.C.INDEX, one row per
 * server address and port seen by the passive probe (agent/verdict/pserver.h) */
enum smtpmon_pserver_col {
	SMTPMON_P_INDEX = 1,            /* Unsigned32 (1..4294967295), not-accessible */
	SMTPMON_P_ADDR_TYPE,            /* InetAddressType */
	SMTPMON_P_ADDR,                 /* InetAddress */
	SMTPMON_P_PORT,                 /* InetPortNumber */
	SMTPMON_P_TYPE,                 /* same INTEGER as SMTPMON_T_SERVER_TYPE */
	SMTPMON_P_STARTTLS,             /* TruthValue: offered in the last plaintext EHLO reply */
	SMTPMON_P_TLS_KNOWN,            /* TruthValue: known to offer STARTTLS */
	SMTPMON_P_AUTH_PRETLS,          /* DisplayString: mechanisms offered before TLS */
	SMTPMON_P_SECURITY,             /* same INTEGER as SMTPMON_T_SECURITY: the last session's */
	SMTPMON_P_TLS_LEVEL,            /* same INTEGER as SMTPMON_T_TLS_LEVEL: the last TLS session's */
	SMTPMON_P_CIPHER_ID,            /* Integer32 (-1..65535): IANA code point, -1 none */
	SMTPMON_P_CIPHER_NAME,          /* DisplayString: IANA name */
	SMTPMON_P_CIPHER_CLASS,         /* same INTEGER as SMTPMON_T_CIPHER_CLASS */
	SMTPMON_P_BASELINE_TLS,         /* same INTEGER as SMTPMON_T_TLS_LEVEL: best version seen */
	SMTPMON_P_CERT_NOT_AFTER,       /* SmtpmonDateAndTimeOrEmpty: DateAndTime or empty */
	SMTPMON_P_SNI,                  /* DisplayString: server name the last client asked for */
	SMTPMON_P_BANNER,               /* DisplayString: the last greeting line */
	SMTPMON_P_MANGLED,              /* DisplayString: the last mangled keyword, e.g. XXXXXXXA */
	SMTPMON_P_APPLDATA,             /* OCTET STRING (SIZE(40)): the last session's record */
	SMTPMON_P_LAST_CLIENT,          /* DisplayString: "ADDR:PORT" of the last session's client */
	SMTPMON_P_SESS_TOTAL,           /* Counter32: sessions */
	SMTPMON_P_SESS_TLS,             /* Counter32: of which TLS */
	SMTPMON_P_SESS_BASIC,           /* Counter32: of which basic (no TLS) */
	SMTPMON_P_ALERTS,               /* Counter32: alerts announced */
	SMTPMON_P_ACTIVE_EVENTS,        /* DisplayString: events in force, comma-separated */
	SMTPMON_P_EVENT,                /* DisplayString: the last event announced */
	SMTPMON_P_EVENT_CLIENT,         /* DisplayString: "ADDR:PORT" of its client */
	SMTPMON_P_EVENT_DETAIL,         /* DisplayString: what was seen */
	SMTPMON_P_EVENT_TIME,           /* SmtpmonDateAndTimeOrEmpty: DateAndTime or empty */
	SMTPMON_P_FIRST_SEEN,           /* SmtpmonDateAndTimeOrEmpty: DateAndTime or empty */
	SMTPMON_P_LAST_SEEN,            /* SmtpmonDateAndTimeOrEmpty: DateAndTime or empty */
	/* the NCSC-NL 2025-05 rating of the last TLS session (pview.h),
	 * unknown(1) before any TLS session or where the wire hides the input */
	SMTPMON_P_RATING_OVERALL,       /* same INTEGER as SMTPMON_T_RATING_OVERALL */
	SMTPMON_P_RATING_TLS_VERSION,   /* same INTEGER as SMTPMON_T_RATING_OVERALL */
	SMTPMON_P_RATING_CIPHER,        /* same INTEGER as SMTPMON_T_RATING_OVERALL */
	SMTPMON_P_RATING_KEY_EXCHANGE,  /* same INTEGER as SMTPMON_T_RATING_OVERALL */
	SMTPMON_P_RATING_CERT_KEY,      /* same INTEGER as SMTPMON_T_RATING_OVERALL */
	SMTPMON_P_RATING_CERT_SIGNATURE, /* same INTEGER as SMTPMON_T_RATING_OVERALL */
	SMTPMON_P_LAST_COLUMN = SMTPMON_P_RATING_CERT_SIGNATURE,
};

/* passive scalars: ROOT.1.5.1.N.0 */
#define SMTPMON_PS_ENABLED         1   /* TruthValue: a Passive block is in force */
#define SMTPMON_PS_SOURCE          2   /* DisplayString: "interface eth0,lo" / "file PATH" */
#define SMTPMON_PS_PACKETS         3   /* Counter64 */
#define SMTPMON_PS_BYTES           4   /* Counter64 */
#define SMTPMON_PS_SESSIONS        5   /* Counter64 */
#define SMTPMON_PS_SESSIONS_TLS    6   /* Counter64 */
#define SMTPMON_PS_SESSIONS_BASIC  7   /* Counter64 */
#define SMTPMON_PS_SERVERS         8   /* Gauge32: rows of smtpmonPassiveServerTable */
#define SMTPMON_PS_SERVERS_DROPPED 9   /* Counter64: sessions of servers beyond the table */
#define SMTPMON_PS_ALERTS          10  /* Counter64 */
#define SMTPMON_PS_CAPTURE_DROPS   11  /* Counter64 */
#define SMTPMON_PS_BYTES_LOST      12  /* Counter64 */
#define SMTPMON_PS_TLS_POOL_EMPTY  13  /* Counter64 */
#define SMTPMON_PS_ERROR           14  /* DisplayString: the capture's error, "" none */

/* notifications: ROOT.0.N */
#define SMTPMON_N_TARGET_DOWN    1   /* OBJECTS address type, address, port, status, last reply */
#define SMTPMON_N_TARGET_UP      2   /* OBJECTS address type, address, port, status */
#define SMTPMON_N_CERT_EXPIRING  3   /* OBJECTS address type, address, port, cert not after, days left */
#define SMTPMON_N_TLS_DOWNGRADE  4   /* OBJECTS address type, address, port, old/new level, old/new cipher, reason */
#define SMTPMON_N_TLS_RECOVERED  5   /* OBJECTS address type, address, port, old/new level, old/new cipher, reason */
#define SMTPMON_N_CERT_CHANGED   6   /* OBJECTS address type, address, port, reason */
#define SMTPMON_N_PASSIVE_ALERT  7   /* OBJECTS server address type, server address, server port, reason, client, detail, old/new level */

/* accessible-for-notify objects: ROOT.1.4.N */
#define SMTPMON_NO_OLD_TLS_LEVEL 1   /* same INTEGER as SMTPMON_T_TLS_LEVEL */
#define SMTPMON_NO_NEW_TLS_LEVEL 2
#define SMTPMON_NO_OLD_CIPHER_ID 3   /* Integer32 (-1..65535) */
#define SMTPMON_NO_NEW_CIPHER_ID 4
#define SMTPMON_NO_REASON        5   /* DisplayString: the event name, e.g. tls-version-lowered */
#define SMTPMON_NO_CLIENT        6   /* DisplayString: passive: the client's "ADDR:PORT" */
#define SMTPMON_NO_DETAIL        7   /* DisplayString: passive: what was seen */

/* SmtpmonCapabilities BITS: bit N is probes/smtp_caps.h's SMTP_CAP_ bit N */
#define SMTPMON_CAP_BITS \
	"starttls", "pipelining", "size", "eightbitmime", "smtputf8", "chunking", "dsn", \
	"enhancedstatuscodes", "requiretls", "auth", "binarymime", "etrn", "vrfy", "mtrk", \
	"deliverby"

#endif
