/* agent/cli/ctlclient.c: see ctlclient.h. */
#include "buildconf.h"
#include "ctlclient.h"
#include "util.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int
remaining_ms(uint64_t deadline)
{
	uint64_t now = now_us();

	return now >= deadline ? 0 : (int)((deadline - now) / 1000u) + 1;
}

enum ctl_status
ctl_request(const char *sock, const char *request, FILE *out, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	uint64_t deadline = now_us() + (uint64_t)CTL_TIMEOUT_MS * 1000u;
	char buf[16384], head[512];
	size_t hlen = 0, sent = 0, reqlen;
	bool have_head = false;
	char req[300];
	int fd;

	if (strlen(sock) >= sizeof sun.sun_path) {
		snprintf(err, errlen, "%s: socket path too long", sock);
		return CTL_UNREACHABLE;
	}
	memcpy(sun.sun_path, sock, strlen(sock) + 1);
	reqlen = (size_t)snprintf(req, sizeof req, "%s\n", request);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return CTL_UNREACHABLE;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) != 0 && errno != EINPROGRESS &&
	    errno != EAGAIN) {
		snprintf(err, errlen, "cannot reach smtpmond at %s: %s", sock, strerror(errno));
		close(fd);
		return CTL_UNREACHABLE;
	}
	while (sent < reqlen) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		ssize_t w;

		if (poll(&p, 1, remaining_ms(deadline)) <= 0)
			goto timeout;
		w = send(fd, req + sent, reqlen - sent, MSG_NOSIGNAL);
		if (w < 0 && errno != EAGAIN && errno != EINTR) {
			snprintf(err, errlen, "cannot reach smtpmond at %s: %s", sock, strerror(errno));
			close(fd);
			return CTL_UNREACHABLE;
		}
		if (w > 0)
			sent += (size_t)w;
	}
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (poll(&p, 1, remaining_ms(deadline)) <= 0)
			goto timeout;
		r = read(fd, buf, sizeof buf);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r < 0) {
			snprintf(err, errlen, "reading from smtpmond: %s", strerror(errno));
			close(fd);
			return CTL_UNREACHABLE;
		}
		if (r == 0)
			break;
		if (have_head) {
			fwrite(buf, 1, (size_t)r, out);
			continue;
		}
		/* the first line says OK or ERR */
		for (ssize_t i = 0; i < r; i++) {
			if (have_head) {
				fwrite(buf + i, 1, (size_t)(r - i), out);
				break;
			}
			if (buf[i] == '\n') {
				head[hlen] = '\0';
				have_head = true;
				if (strncmp(head, "OK", 2) != 0) {
					/* ERR: the rest is the message */
					size_t n = (size_t)(r - i - 1);
					snprintf(err, errlen, "%s%s%.*s", strncmp(head, "ERR ", 4) == 0 ?
					    head + 4 : head, n ? "\n" : "", (int)n, buf + i + 1);
					while ((r = read(fd, buf, sizeof buf)) > 0)
						;   /* drain */
					close(fd);
					return CTL_REFUSED;
				}
			} else if (hlen < sizeof head - 1) {
				head[hlen++] = buf[i];
			}
		}
	}
	close(fd);
	if (!have_head) {
		snprintf(err, errlen, "smtpmond at %s closed the connection without an answer", sock);
		return CTL_UNREACHABLE;
	}
	return CTL_OK;
timeout:
	snprintf(err, errlen, "smtpmond at %s did not answer within %d s", sock,
	    CTL_TIMEOUT_MS / 1000);
	close(fd);
	return CTL_UNREACHABLE;
}

int
ctl_main(const char *sock, int argc, char **argv)
{
	const char *cmd = argv[0], *verb = NULL, *target = NULL;
	bool json = false, baseline = strcmp(cmd, "baseline") == 0;
	char req[300], err[4096];
	enum ctl_status st;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0 && strcmp(cmd, "reload") != 0) {
			json = true;
		} else if (baseline && verb == NULL &&
		    (strcmp(argv[i], "show") == 0 || strcmp(argv[i], "reset") == 0)) {
			verb = argv[i];
		} else if (baseline && verb != NULL && target == NULL && argv[i][0] != '-') {
			target = argv[i];
			if (strlen(target) > 200 || strpbrk(target, " \t\r\n") != NULL) {
				fprintf(stderr, "smtpmonctl baseline: '%s' is not a target "
				    "(ADDR:PORT, ADDR, index or name)\n", target);
				return 2;
			}
		} else {
			fprintf(stderr, "smtpmonctl %s: unexpected argument '%s'\n", cmd, argv[i]);
			return 2;
		}
	}
	if (baseline && verb == NULL) {
		fprintf(stderr, "smtpmonctl baseline: show [TARGET] or reset TARGET\n");
		return 2;
	}
	if (baseline && strcmp(verb, "reset") == 0 && target == NULL) {
		fprintf(stderr, "smtpmonctl baseline reset: which target? (ADDR:PORT, ADDR, index "
		    "or name)\n");
		return 2;
	}
	if (baseline)
		snprintf(req, sizeof req, "baseline %s%s%s%s", verb, target ? " " : "",
		    target ? target : "", json ? " json" : "");
	else
		snprintf(req, sizeof req, "%s%s", cmd, json ? " json" : "");
	st = ctl_request(sock, req, stdout, err, sizeof err);
	if (st != CTL_OK) {
		fprintf(stderr, "smtpmonctl %s: %s\n", cmd, err);
		return st == CTL_REFUSED ? 1 : 2;
	}
	return 0;
}
