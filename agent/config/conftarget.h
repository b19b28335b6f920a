/* agent/config/conftarget.h: the TargetServer and AuthEntity blocks of smtpmon.conf,
 * internal to the config parser (agent/config/config.c runs them over the parse
 * state of agent/config/confstate.h).
 *
 * A TargetServer block becomes one struct cfg_target in ps->cfg (port 25
 * unless ConnectPort), two when it gives TargetIP lines and a TargetName or
 * TargetMx, as CSSMTP allows: the host part becomes a target of its own with
 * the same port and policy, right after. An AuthEntity NAME block becomes one
 * struct cfg_auth. When a block closes it is checked (one kind of target per
 * block; User and PasswordFile given) and every TargetIP gets its port.
 * conftarget_finish() makes the checks that need the whole file: each
 * target's AuthEntity is looked up by name, addresses and hosts given twice
 * are reported (agent/confdup) and, when asked, each PasswordFile's first
 * line (without its line end, at most 1024 bytes) becomes the password; its
 * errors are reported at the AuthEntity's line.
 */
#ifndef SMTPMON_CONFTARGET_H
#define SMTPMON_CONFTARGET_H

#include <stdbool.h>

#include "confstate.h"

/* "TargetServer {" opens a new target, ps->blk.index. */
void conftarget_open(struct pstate *ps, const struct stmt *st);
/* "AuthEntity NAME {" opens a new AuthEntity; the name is checked (unique,
 * 1-64 of A-Z a-z 0-9 . _ -) only when value_ok. */
void conftarget_open_auth(struct pstate *ps, const struct stmt *st, bool value_ok);
/* A statement of the block was given, valid or not (what the close checks). */
void conftarget_given(struct pstate *ps, enum kw_id id);
/* The `}` of the TargetServer (or AuthEntity) block in ps->blk. */
void conftarget_close(struct pstate *ps);
void conftarget_close_auth(struct pstate *ps);
/* At the end of the file. */
void conftarget_finish(struct pstate *ps, bool load_passwords);
/* Free the parse state's part of this module (not the configuration). */
void conftarget_free(struct pstate *ps);

/* The handlers of TargetServer's statements ... */
kw_apply kw_targetip, kw_targetname, kw_targetmx, kw_connectport, kw_secure,
    kw_authref, kw_tlsname, kw_mintls, kw_dane, kw_mtasts;
/* ... and of AuthEntity's. */
kw_apply kw_authuser, kw_passwordfile;

#endif
