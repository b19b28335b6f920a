/* agent/output/control.h: the control socket of smtpmond (what smtpmonctl talks to).
 *
 * A unix stream socket, mode 0660. A client sends one request line (at most
 * CONTROL_REQ_MAX bytes, within CONTROL_TIMEOUT_MS) and reads the answer
 * until the server closes:
 *
 *   request:  status [json] | appldata [json] | targets [json] | reload |
 *             baseline show [TARGET] [json] | baseline reset TARGET [json]
 *   answer:   "OK\n" then the body, or "ERR what is wrong\n"
 *
 * Bodies are rendered here, in the control thread, from a registry snapshot
 * (agent/registry): the monitor thread is never waited for. Rendering is
 * pure (control_render() writes to a FILE) so tests and the demo can use it.
 * A stale socket file left by a crash is replaced; a live one (another
 * smtpmond answers) is an error. At most CONTROL_CLIENTS_MAX clients are
 * served at once (the rest wait in the backlog); when accept() fails (no
 * descriptor left: EMFILE) the listener rests CONTROL_PAUSE_MS instead of
 * spinning, and SMD0010W says so at most once a minute.
 */
#ifndef SMTPMON_CONTROL_H
#define SMTPMON_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct event_base;
struct registry;
struct reg_snapshot;
struct control;

#define CONTROL_REQ_MAX    256
#define CONTROL_TIMEOUT_MS 10000
#define CONTROL_CLIENTS_MAX 64    /* more wait in the listen backlog */
#define CONTROL_PAUSE_MS   100    /* the listener rests after accept() failed (EMFILE) */

/* Called in the control thread for "reload"; returns 0, or -1 with a
 * message (e.g. the configuration errors) in msg. */
typedef int control_reload_fn(void *arg, char *msg, size_t msglen);
/* Called in the control thread for "baseline reset TARGET": the number of
 * targets reset, or -1 when that could not be done. */
typedef int control_reset_fn(void *arg, const char *sel);

struct control *control_new(struct event_base *base, const char *path, struct registry *reg,
    const char *writer, control_reload_fn *reload, void *arg, char *err, size_t errlen);
/* Close the listener and unlink the socket file. */
void control_free(struct control *c);
/* The handler of "baseline reset" (none: the request fails). */
void control_set_reset(struct control *c, control_reset_fn *fn, void *arg);
/* The writer name used in records (after a reload). */
void control_set_writer(struct control *c, const char *writer);

/* Render the body of a request ("status", "status json", "appldata",
 * "appldata json", "targets", "targets json", "baseline show [TARGET]
 * [json]") from a snapshot; 0, -1 for an unknown request, -2 when TARGET
 * names no row. */
int control_render(FILE *out, const struct reg_snapshot *s, const char *writer,
    const char *request);

#endif
