/* agent/schedule/mailbox.h: what other threads ask of the monitor thread.
 *
 * Three requests: a new configuration to apply (a later one replaces one
 * not yet taken, which is freed), stop (it stays set), and a TLS baseline
 * reset for a target selector, whose poster waits for the answer. Resets
 * go one at a time: a second poster waits for the first to be answered.
 * Each post asks the owner to wake (wake(arg), on the posting thread) so
 * that it calls mailbox_take() on its own thread; a reset taken there must
 * be answered with mailbox_answer_reset() before the next take.
 *
 * A reset poster waits at most MAILBOX_RESET_WAIT_MS for its request to be
 * taken; a request not taken by then is withdrawn (the owner never sees
 * it) and the answer is -1. Once taken, the poster waits for the answer.
 *
 * mailbox_post_*() and mailbox_reset() may be called from any thread;
 * mailbox_take() and mailbox_answer_reset() from the owner's thread only.
 */
#ifndef SMTPMON_MAILBOX_H
#define SMTPMON_MAILBOX_H

#include <stdbool.h>

#define MAILBOX_RESET_WAIT_MS 5000
#define MAILBOX_SEL_MAX       256   /* a longer selector is cut */

struct config;
struct mailbox;

/* An empty mailbox whose posts call wake(arg). */
struct mailbox *mailbox_new(void (*wake)(void *arg), void *arg);
/* After the last post: frees a configuration not taken. NULL is a no-op. */
void mailbox_free(struct mailbox *mb);

/* Any thread: apply cfg (ownership passes to the mailbox). */
void mailbox_post_reload(struct mailbox *mb, struct config *cfg);
/* Any thread: stop. */
void mailbox_post_stop(struct mailbox *mb);
/* Any thread: reset the baselines that sel names and wait for the owner's
 * answer (see above). Returns the answer, or -1 when not taken in time. */
int mailbox_reset(struct mailbox *mb, const char *sel);

/* Owner: what is pending, all at once. *cfg: the configuration posted last
 * (now the caller's) or NULL; *stop: stop was posted (now or before);
 * *reset_sel: the selector of a reset request, valid until
 * mailbox_answer_reset(), or NULL when none waits. */
void mailbox_take(struct mailbox *mb, struct config **cfg, bool *stop, const char **reset_sel);
/* Owner: the answer to the reset request just taken. */
void mailbox_answer_reset(struct mailbox *mb, int count);

#endif
