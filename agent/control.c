/* agent/control.c: see control.h. */
#include "buildconf.h"
#include "control.h"
#include "config.h"
#include "json.h"
#include "log.h"
#include "registry.h"
#include "report.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

struct control {
	struct event_base *base;
	struct evconnlistener *lev;
	char *path;
	struct registry *reg;
	char writer[9];
	control_reload_fn *reload;
	void *arg;
};

/* ---- rendering ---- */

static void
fmt_age(time_t since, time_t now, char *out, size_t outsz)
{
	long d = since ? (long)(now - since) : -1;

	if (d < 0)
		snprintf(out, outsz, "-");
	else if (d < 120)
		snprintf(out, outsz, "%lds", d);
	else if (d < 7200)
		snprintf(out, outsz, "%ldm", d / 60);
	else if (d < 172800)
		snprintf(out, outsz, "%ldh", d / 3600);
	else
		snprintf(out, outsz, "%ldd", d / 86400);
}

static const char *
kind_name(int kind)
{
	switch (kind) {
	case TARGET_IP: return "ip";
	case TARGET_NAME: return "name";
	case TARGET_MX: return "mx";
	}
	return "?";
}

static void
row_record(const struct reg_row *row, const char *writer, char *out)
{
	if (row->conns[REG_ROLE_MONITOR].open)
		memcpy(out, row->conns[REG_ROLE_MONITOR].appldata, APPLDATA_LEN + 1);
	else
		smtp_result_appldata(&row->res, APPLDATA_MONITOR, writer, out);
}

static void
render_status_text(FILE *out, const struct reg_snapshot *s, const char *writer)
{
	time_t now = time(NULL);
	size_t up = 0, down = 0;
	char started[32];

	for (size_t i = 0; i < s->n; i++) {
		if (s->rows[i]->state == REG_UP)
			up++;
		else if (s->rows[i]->state == REG_DOWN)
			down++;
	}
	report_iso8601(s->started, started, sizeof started);
	fprintf(out, "smtpmond: %zu target(s): %zu up, %zu down, %zu other; probes %llu, "
	    "failures %llu; started %s\n", s->n, up, down, s->n - up - down,
	    (unsigned long long)s->probes_done, (unsigned long long)s->probe_failures, started);
	fprintf(out, "%-24s %-9s %-5s %-2s %-3s %-7s %-40s %-10s %8s  %s\n", "TARGET", "STATE",
	    "SINCE", "TY", "SEC", "TLS", "CIPHER", "CERT-EXP", "NOOP-ms", "APPLDATA");
	for (size_t i = 0; i < s->n; i++) {
		const struct reg_row *row = s->rows[i];
		const struct smtp_result *r = &row->res;
		char age[24], cipher[64], exp[32] = "-", rtt[24] = "-", rec[APPLDATA_LEN + 1];
		const char *ty = "-", *sec = "-", *tls = "-";

		fmt_age(row->state_since, now, age, sizeof age);
		if (row->classified) {
			ty = r->server_type == APPL_TYPE_ESMTP ? "E" :
			    r->server_type == APPL_TYPE_SMTP ? "S" : "?";
			sec = r->security == APPL_SEC_TLS ? "T" : "B";
		}
		if (row->classified && r->tls_done) {
			tls = r->tls.version_name;
			snprintf(cipher, sizeof cipher, "%.31s (0x%04X)", r->tls.cipher,
			    (unsigned)(r->tls.cipher_id & 0xffff));
			if (r->tls.have_cert && r->tls.not_after) {
				report_iso8601(r->tls.not_after, exp, sizeof exp);
				exp[10] = '\0';
			}
		} else {
			snprintf(cipher, sizeof cipher, "-");
		}
		if (row->noop_rtt_us)
			snprintf(rtt, sizeof rtt, "%.2f", (double)row->noop_rtt_us / 1000.0);
		row_record(row, writer, rec);
		fprintf(out, "%-24s %-9s %-5s %-2s %-3s %-7s %-40s %-10s %8s  %s\n", row->target,
		    reg_state_name(row->state), age, ty, sec, tls, cipher, exp, rtt, rec);
		if (row->state == REG_DOWN && row->fail_reason[0]) {
			fprintf(out, "    down: %s", row->fail_reason);
			if (row->last_reply[0])
				fprintf(out, "; server said: %s", row->last_reply);
			fputc('\n', out);
		}
	}
}

static void
json_conn(struct json *j, const struct reg_conn *c)
{
	char since[32];

	json_obj_begin(j);
	json_kstr(j, "role", reg_role_name(c->role));
	json_kstr(j, "local", c->local);
	json_kstr(j, "remote", c->remote);
	json_kstr(j, "appldata", c->appldata);
	report_iso8601(c->since, since, sizeof since);
	json_kstr(j, "since", since);
	json_obj_end(j);
}

static void
render_status_json(FILE *out, const struct reg_snapshot *s, const char *writer)
{
	struct json j;

	json_init(&j, out);
	json_arr_begin(&j);
	for (size_t i = 0; i < s->n; i++) {
		const struct reg_row *row = s->rows[i];
		struct smtp_result r = row->res;
		char ts[32];
		struct report_target rt = {
			.target = row->target,
			.name = row->name[0] ? row->name : NULL,
			.state = reg_state_name(row->state),
			.writer = writer,
			.component = APPLDATA_MONITOR,
		};

		/* the failure facts live in the row; they are the current ones
		 * only while the target is down */
		if (row->state == REG_DOWN) {
			if (row->last_reply[0])
				r.last_reply = (char *)row->last_reply;
			if (row->fail != SMTP_F_NONE) {   /* not for a failed lookup */
				r.fail = row->fail;
				r.fail_state = row->fail_state;
				r.reason = (char *)row->fail_reason;
			}
		}
		json_obj_begin(&j);
		report_json_fields(&j, &rt, &r);
		json_kuint(&j, "index", row->index);
		json_kint(&j, "port", row->port);
		json_kstr(&j, "kind", kind_name(row->kind));
		json_kstr(&j, "mx_host", row->mx_host[0] ? row->mx_host : NULL);
		if (row->kind == TARGET_MX)
			json_kuint(&j, "mx_preference", row->mx_pref);
		json_kbool(&j, "secure", row->secure);
		json_kbool(&j, "classified", row->classified);
		report_iso8601(row->classified_at, ts, sizeof ts);
		json_kstr(&j, "classified_at", ts[0] ? ts : NULL);
		report_iso8601(row->state_since, ts, sizeof ts);
		json_kstr(&j, "state_since", ts[0] ? ts : NULL);
		report_iso8601(row->last_change, ts, sizeof ts);
		json_kstr(&j, "last_change", ts[0] ? ts : NULL);
		json_kuint(&j, "noop_rtt_us", row->noop_rtt_us);
		json_key(&j, "counters");
		json_obj_begin(&j);
		json_kuint(&j, "connects", row->connects);
		json_kuint(&j, "connect_failures", row->connect_failures);
		json_kuint(&j, "noops", row->noops);
		json_kuint(&j, "noop_failures", row->noop_failures);
		json_kuint(&j, "reprobes", row->reprobes);
		json_kuint(&j, "reprobe_failures", row->reprobe_failures);
		json_obj_end(&j);
		json_key(&j, "last_failure");
		if (row->fail_reason[0] == '\0') {
			json_null(&j);
		} else {
			json_obj_begin(&j);
			json_kstr(&j, "kind", row->fail_kind);
			json_kstr(&j, "reason", row->fail_reason);
			json_kstr(&j, "reply", row->last_reply[0] ? row->last_reply : NULL);
			json_obj_end(&j);
		}
		json_key(&j, "connections");
		json_arr_begin(&j);
		for (int k = 0; k < 2; k++)
			if (row->conns[k].open)
				json_conn(&j, &row->conns[k]);
		json_arr_end(&j);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	fputc('\n', out);
}

static void
render_appldata(FILE *out, const struct reg_snapshot *s, bool as_json)
{
	struct json j;

	if (as_json) {
		json_init(&j, out);
		json_arr_begin(&j);
	} else {
		fprintf(out, "%-28s %-28s %-8s %s\n", "LOCAL", "REMOTE", "ROLE", "APPLDATA");
	}
	for (size_t i = 0; i < s->n; i++) {
		for (int k = 0; k < 2; k++) {
			const struct reg_conn *c = &s->rows[i]->conns[k];

			if (!c->open)
				continue;
			if (as_json)
				json_conn(&j, c);
			else
				fprintf(out, "%-28s %-28s %-8s %s\n", c->local, c->remote,
				    reg_role_name(c->role), c->appldata);
		}
	}
	if (as_json) {
		json_arr_end(&j);
		fputc('\n', out);
	}
}

static void
render_targets(FILE *out, const struct reg_snapshot *s, bool as_json)
{
	struct json j;

	if (as_json) {
		json_init(&j, out);
		json_arr_begin(&j);
	} else {
		fprintf(out, "%-6s %-28s %-4s %-6s %-4s %-6s %-5s %-9s %s\n", "INDEX", "TARGET", "KIND",
		    "SECURE", "AUTH", "MINTLS", "LINE", "STATE", "NAME");
	}
	for (size_t i = 0; i < s->n; i++) {
		const struct reg_row *row = s->rows[i];
		char name[600];

		if (as_json) {
			json_obj_begin(&j);
			json_kuint(&j, "index", row->index);
			json_kstr(&j, "target", row->target);
			json_kstr(&j, "kind", kind_name(row->kind));
			json_kstr(&j, "name", row->name[0] ? row->name : NULL);
			json_kstr(&j, "mx_host", row->mx_host[0] ? row->mx_host : NULL);
			if (row->kind == TARGET_MX)
				json_kuint(&j, "mx_preference", row->mx_pref);
			json_kbool(&j, "secure", row->secure);
			json_kbool(&j, "auth", row->auth);
			json_kstr(&j, "min_tls", row->min_tls ? tls_version_name(row->min_tls) : NULL);
			json_kint(&j, "config_line", row->config_line);
			json_kstr(&j, "state", reg_state_name(row->state));
			json_obj_end(&j);
			continue;
		}
		if (row->mx_host[0])
			snprintf(name, sizeof name, "%s (MX %u %s)", row->name, row->mx_pref, row->mx_host);
		else
			snprintf(name, sizeof name, "%s", row->name[0] ? row->name : "-");
		fprintf(out, "%-6u %-28s %-4s %-6s %-4s %-6s %-5d %-9s %s\n", row->index, row->target,
		    kind_name(row->kind), row->secure ? "yes" : "no", row->auth ? "yes" : "no",
		    row->min_tls ? tls_version_name(row->min_tls) : "-", row->config_line,
		    reg_state_name(row->state), name);
	}
	if (as_json) {
		json_arr_end(&j);
		fputc('\n', out);
	}
}

int
control_render(FILE *out, const struct reg_snapshot *s, const char *writer, const char *request)
{
	if (strcmp(request, "status") == 0)
		render_status_text(out, s, writer);
	else if (strcmp(request, "status json") == 0)
		render_status_json(out, s, writer);
	else if (strcmp(request, "appldata") == 0)
		render_appldata(out, s, false);
	else if (strcmp(request, "appldata json") == 0)
		render_appldata(out, s, true);
	else if (strcmp(request, "targets") == 0)
		render_targets(out, s, false);
	else if (strcmp(request, "targets json") == 0)
		render_targets(out, s, true);
	else
		return -1;
	return 0;
}

/* ---- the socket ---- */

static void
client_done(struct bufferevent *bev)
{
	bufferevent_free(bev);
}

static void
on_flushed(struct bufferevent *bev, void *arg)
{
	(void)arg;
	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		client_done(bev);
}

static void
on_client_event(struct bufferevent *bev, short what, void *arg)
{
	(void)arg;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))
		client_done(bev);
}

static void
answer(struct control *c, struct bufferevent *bev, const char *req)
{
	struct evbuffer *out = bufferevent_get_output(bev);
	char *body = NULL;
	size_t len = 0;
	FILE *f;

	if (strcmp(req, "reload") == 0) {
		char msg[4096];

		if (c->reload(c->arg, msg, sizeof msg) == 0)
			evbuffer_add_printf(out, "OK\n%s", msg);
		else
			evbuffer_add_printf(out, "ERR %s\n", msg);
		return;
	}
	f = open_memstream(&body, &len);
	if (f == NULL) {
		evbuffer_add_printf(out, "ERR out of memory\n");
		return;
	}
	{
		struct reg_snapshot *s = registry_acquire(c->reg);
		int rc = control_render(f, s, c->writer, req);

		registry_release(s);
		fclose(f);
		if (rc != 0) {
			evbuffer_add_printf(out, "ERR unknown request \"%.*s\" (status [json], "
			    "appldata [json], targets [json], reload)\n", CONTROL_REQ_MAX, req);
		} else {
			evbuffer_add(out, "OK\n", 3);
			evbuffer_add(out, body, len);
		}
		free(body);
	}
}

static void
on_client_read(struct bufferevent *bev, void *arg)
{
	struct control *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t n;
	char *line = evbuffer_readln(in, &n, EVBUFFER_EOL_LF);

	if (line == NULL) {
		if (evbuffer_get_length(in) > CONTROL_REQ_MAX) {
			evbuffer_add_printf(bufferevent_get_output(bev), "ERR request too long\n");
			goto reply;
		}
		return;   /* wait for the rest */
	}
	if (n > 0 && line[n - 1] == '\r')
		line[--n] = '\0';
	if (n > CONTROL_REQ_MAX)
		evbuffer_add_printf(bufferevent_get_output(bev), "ERR request too long\n");
	else
		answer(c, bev, line);
	free(line);
reply:
	bufferevent_disable(bev, EV_READ);
	bufferevent_setcb(bev, NULL, on_flushed, on_client_event, c);
	bufferevent_enable(bev, EV_WRITE);
}

static void
on_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa, int salen,
    void *arg)
{
	struct control *c = arg;
	struct bufferevent *bev = bufferevent_socket_new(evconnlistener_get_base(lev), fd,
	    BEV_OPT_CLOSE_ON_FREE);
	struct timeval tv = { .tv_sec = CONTROL_TIMEOUT_MS / 1000,
	    .tv_usec = (CONTROL_TIMEOUT_MS % 1000) * 1000 };

	(void)sa, (void)salen;
	if (bev == NULL) {
		close(fd);
		return;
	}
	bufferevent_setcb(bev, on_client_read, NULL, on_client_event, c);
	bufferevent_set_timeouts(bev, &tv, &tv);
	bufferevent_setwatermark(bev, EV_READ, 0, CONTROL_REQ_MAX + 2);
	bufferevent_enable(bev, EV_READ);
}

/* Is someone listening on path? */
static bool
socket_alive(const struct sockaddr_un *sun)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool alive;

	if (fd < 0)
		return false;
	alive = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0;
	close(fd);
	return alive;
}

struct control *
control_new(struct event_base *base, const char *path, struct registry *reg, const char *writer,
    control_reload_fn *reload, void *arg, char *err, size_t errlen)
{
	struct control *c;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;
	mode_t old;

	if (strlen(path) >= sizeof sun.sun_path) {
		snprintf(err, errlen, "ControlSocket %s: path too long", path);
		return NULL;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "ControlSocket %s: exists and is not a socket", path);
			return NULL;
		}
		if (socket_alive(&sun)) {
			snprintf(err, errlen, "ControlSocket %s: another smtpmond is listening", path);
			return NULL;
		}
		unlink(path);   /* left by a crash */
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, errlen, "ControlSocket: socket: %s", strerror(errno));
		return NULL;
	}
	old = umask(0117);   /* born 0660: never world-accessible, even briefly */
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) != 0) {
		umask(old);
		snprintf(err, errlen, "ControlSocket %s: bind: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	umask(old);
	chmod(path, 0660);
	c = xcalloc(1, sizeof(*c));
	c->base = base;
	c->path = xstrdup(path);
	c->reg = reg;
	str_copy(c->writer, writer, sizeof c->writer);
	c->reload = reload;
	c->arg = arg;
	c->lev = evconnlistener_new(base, on_accept, c, LEV_OPT_CLOSE_ON_FREE, 64, fd);
	if (c->lev == NULL) {
		snprintf(err, errlen, "ControlSocket %s: listen: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		free(c->path);
		free(c);
		return NULL;
	}
	return c;
}

void
control_set_writer(struct control *c, const char *writer)
{
	str_copy(c->writer, writer, sizeof c->writer);
}

void
control_free(struct control *c)
{
	if (c == NULL)
		return;
	evconnlistener_free(c->lev);
	unlink(c->path);
	free(c->path);
	free(c);
}
