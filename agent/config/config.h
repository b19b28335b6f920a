/* agent/config/config.h: smtpmon.conf, the CSSMTP-style configuration file.
 *
 * Syntax: statements of one keyword and its values per line; a block is
 * `Keyword [values] {` ... `}` (the brace may also open on the next line);
 * keywords are case-insensitive; `#` starts a comment to the end of the line.
 * The grammar and every keyword are in smtpmon.conf(5).
 *
 * config_parse() is a pure function over a buffer: it never stops at the
 * first error but reports each as "FILE:LINE: KEYWORD: what is wrong" in
 * struct config_errors, and returns NULL when there was any error. Statements
 * of a CSSMTP file that only concern mail delivery are accepted and recorded
 * once each in cfg->unused ("FILE:LINE: KEYWORD"), so the daemon can list
 * them at start-up. Nothing here resolves names or touches the network;
 * config_load() reads the file (at most CONFIG_MAX_BYTES) and, for each
 * AuthEntity, its PasswordFile.
 */
#ifndef SMTPMON_CONFIG_H
#define SMTPMON_CONFIG_H

#include "portset.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define CONFIG_MAX_BYTES   (4u << 20)   /* a larger file is an error */
#define CONFIG_MAX_ERRORS  100          /* further errors are counted, not kept */
#define CONFIG_MAX_PORTS   PORTSET_MAX  /* Passive Ports: ports and ranges */
#define CONFIG_MAX_IFACES  16           /* Passive Interface lines */
#define CONFIG_MAX_LISTEN  8            /* MetricsListen lines */

enum target_kind {
	TARGET_IP,     /* TargetIP lines (one or more per block) */
	TARGET_NAME,   /* TargetName: A and AAAA of one host */
	TARGET_MX,     /* TargetMx: the MX hosts of a domain */
};

struct cfg_addr {                  /* one TargetIP */
	struct sockaddr_storage ss;    /* port already set from ConnectPort */
	socklen_t len;
	char text[64];                 /* as written */
};

struct cfg_listen {                /* one MetricsListen ADDR:PORT */
	struct sockaddr_storage ss;
	socklen_t len;
	char text[64];                 /* as written */
	int line;
};

struct cfg_auth {                  /* AuthEntity NAME { User PasswordFile } */
	char *name;
	char *user;
	char *password_file;
	char *password;                /* filled by config_load(); NULL from config_parse() */
	int line;
};

struct cfg_target {                /* one TargetServer block */
	enum target_kind kind;
	struct cfg_addr *addrs;        /* TARGET_IP */
	size_t n_addrs;
	char *host;                    /* TARGET_NAME host or TARGET_MX domain; NULL for IP */
	uint16_t port;                 /* ConnectPort, default 25 */
	bool secure;                   /* Secure Yes|No, default No */
	const struct cfg_auth *auth;   /* AuthEntity, NULL when none */
	char *tls_server_name;         /* TlsServerName, NULL when none */
	int min_tls;                   /* MinTlsLevel as wire version 0x0301..0x0304; 0 none */
	const char *min_tls_name;      /* ... and its name ("TLSv1.2"); NULL none */
	bool dane;                     /* Dane Yes: check the TLSA records (RFC 7672) */
	char *mta_sts;                 /* MtaSts DOMAIN (TargetMx: its domain unless No); NULL none */
	int line;                      /* line of "TargetServer" */
};

struct cfg_passive {               /* Passive { Interface .. | PcapFile ..; Ports .. } */
	bool present;
	char **interfaces;
	size_t n_interfaces;
	char *pcap_file;
	struct portset ports;          /* ports, ranges or any; default 25 587 465 */
};

struct config {
	char *file;                    /* path as given */
	char writer[9];                /* ExtWrtName, default "SMTPMON" */
	char *helo_name;               /* LocalHostName (CSSMTP) / HeloName; NULL: host name */
	uint32_t initial_ms;           /* Timeout InitialMsg, default 300 s */
	uint32_t anycmd_ms;            /* Timeout AnyCmd, default 300 s */
	uint32_t connect_retry_ms;     /* Timeout ConnectRetry, default 120 s */
	uint32_t connect_ms;           /* Timeout Connect (smtpmon), default 30 s */
	uint32_t noop_interval_ms;     /* Monitor NoopInterval, default 60 s */
	uint32_t reprobe_interval_ms;  /* Monitor ReprobeInterval, default 300 s; 0 off */
	unsigned noop_budget;          /* Monitor NoopBudget: NOOPs per monitor connection
	                                * before a recycle, default 8; 0 no limit */
	struct cfg_target *targets;
	size_t n_targets;
	struct cfg_auth *auths;
	size_t n_auths;
	char *appldata_log;            /* NULL: no log */
	char *state_dir;               /* default /var/lib/smtpmon */
	char *control_socket;          /* default /run/smtpmon/control.sock */
	char *agentx_socket;           /* NULL when "off"; default NULL (net-snmp's default) */
	bool agentx_off;
	char *pid_file;                /* PidFile, default /run/smtpmon/smtpmond.pid */
	char *user;                    /* User to run as when started as root; NULL: none */
	char *ca_file;                 /* CAFile; NULL: system store */
	char *trust_anchor;            /* DnssecTrustAnchor; NULL: the system's root anchor */
	char *name_servers;            /* NameServer "ADDR[:PORT],..." for c-ares; NULL: resolv.conf */
	char **alert_argv;             /* AlertCommand PROG ARG..., NULL-terminated; NULL: none */
	int alert_line;
	struct cfg_listen metrics_listen[CONFIG_MAX_LISTEN];  /* MetricsListen; none: no HTTP server */
	size_t n_metrics_listen;
	struct cfg_passive passive;
	char **unused;                 /* "FILE:LINE: KEYWORD" of accepted, unused statements */
	size_t n_unused;
};

struct config_errors {
	char *msg[CONFIG_MAX_ERRORS];  /* "FILE:LINE: KEYWORD: what is wrong" */
	size_t n;                      /* kept */
	size_t total;                  /* found (may exceed n) */
};

/* Parse len bytes of text; file names the source in messages. Returns the
 * configuration, or NULL when errs->total > 0. */
struct config *config_parse(const char *file, const char *text, size_t len,
    struct config_errors *errs);
/* Read and parse path, then read every AuthEntity's PasswordFile (first line,
 * without the newline; a missing or empty file is an error at the AuthEntity's
 * line). NULL on any error, all of them in errs. */
struct config *config_load(const char *path, struct config_errors *errs);
void config_free(struct config *cfg);
void config_errors_clear(struct config_errors *errs);

#endif
