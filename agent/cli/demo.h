/* agent/cli/demo.h: built-in demo SMTP servers on loopback, for `smtpmonctl demo`.
 *
 * Each demo server is a child process on 127.0.0.1 (ephemeral port) with
 * one personality; each connection is served by its own process with
 * blocking I/O and a 120 s read timeout. The STARTTLS personality uses a self-signed P-256
 * certificate made at start for DEMO_SERVERNAME; its PEM is written to a
 * file so that clients can trust it. Not a mail server: it accepts no mail.
 */
#ifndef SMTPMON_DEMO_H
#define SMTPMON_DEMO_H

#include <sys/types.h>

#define DEMO_SERVERNAME "demo.smtpmon.test"

enum demo_kind {
	DEMO_STARTTLS,   /* ESMTP, AUTH PLAIN LOGIN before TLS, STARTTLS, TLS 1.2/1.3 */
	DEMO_PLAIN,      /* ESMTP with AUTH PLAIN LOGIN but no STARTTLS */
	DEMO_SMTP_ONLY,  /* EHLO refused with 502, HELO accepted */
};

struct demo_server {
	enum demo_kind kind;
	pid_t pid;
	unsigned short port;
};

/* Start one demo server; certpem receives the certificate (STARTTLS only,
 * may be NULL otherwise). Returns 0, or -1 with a message on stderr. */
int demo_start(struct demo_server *d, enum demo_kind kind, const char *certpem);
void demo_stop(struct demo_server *d);

/* `smtpmonctl demo`: start the three servers, a private snmpd as AgentX
 * master (when installed) and a real smtpmond with an embedded configuration
 * watching them; once all are classified, print `smtpmonctl status`,
 * `smtpmonctl appldata`, the SNMP target table and the appldata log; stop
 * everything. 0 when the classification is as expected. */
int demo_main(int argc, char **argv);

#endif
