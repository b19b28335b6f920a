/* probes/safetext.h: text a server sent, made safe to show.
 *
 * A reply, a banner, a certificate subject: whatever a server sends ends up
 * in log lines, on terminals, in SNMP DisplayStrings and in monitoring-plugin
 * lines, and a hostile byte subverts each of them: CR or LF splits one log
 * record into two (a forged line, a journal entry of its own), ESC drives
 * the operator's terminal, octets outside printable ASCII are not a
 * DisplayString (RFC 2579), '|' starts a plugin's performance data. One
 * function maps such text to printable ASCII for all of them; JSON needs
 * none of it (agent/json escapes every byte exactly).
 *
 *   kept         0x20-0x7e
 *   line breaks  LF, CR LF and lone CR: one blank (SAFE_LINES: CR LF, the
 *                line break a DisplayString allows)
 *   TAB          one blank
 *   '|'          '!' with SAFE_PLUGIN
 *   anything else (ESC, DEL, NUL, 8-bit octets)  '?'
 *
 * Pure and bounded: reads at most inlen octets (stopping at a NUL), writes
 * at most outsz - 1 octets and a NUL, never splits a CR LF it writes.
 */
#ifndef SMTPMON_SAFETEXT_H
#define SMTPMON_SAFETEXT_H

#include <stddef.h>

#define SAFE_LINES  0x1u
#define SAFE_PLUGIN 0x2u

/* in (inlen octets or up to its NUL) into out (outsz > 0); the length
 * written, NUL excluded. */
size_t safe_text(const char *in, size_t inlen, char *out, size_t outsz, unsigned flags);
/* The same for a NUL-terminated string (NULL reads as ""). */
size_t safe_str(const char *in, char *out, size_t outsz, unsigned flags);

#endif
