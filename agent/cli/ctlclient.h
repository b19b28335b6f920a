/* agent/cli/ctlclient.h: smtpmonctl's side of the control socket (see control.h).
 *
 * One request per connection; the whole exchange is bounded by a deadline
 * (CTL_TIMEOUT_MS) so smtpmonctl never hangs on a stuck daemon.
 */
#ifndef SMTPMON_CTLCLIENT_H
#define SMTPMON_CTLCLIENT_H

#include <stddef.h>
#include <stdio.h>

#define CTL_DEFAULT_SOCKET "/run/smtpmon/control.sock"
#define CTL_TIMEOUT_MS 30000

enum ctl_status { CTL_OK = 0, CTL_REFUSED = 1, CTL_UNREACHABLE = 2 };

/* Send request to the daemon at sock; on CTL_OK the body is copied to out.
 * On CTL_REFUSED err holds the daemon's message, on CTL_UNREACHABLE ours. */
enum ctl_status ctl_request(const char *sock, const char *request, FILE *out, char *err,
    size_t errlen);

/* `smtpmonctl [-s SOCKET] status|appldata|targets|reload [--json]`; argv[0]
 * is the subcommand. Returns the exit status. */
int ctl_main(const char *sock, int argc, char **argv);

#endif
