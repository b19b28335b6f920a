/* libFuzzer target: the configuration parser under arbitrary bytes. Checks
 * config_parse()'s promises: NULL exactly when errors were found; the kept
 * errors are at most CONFIG_MAX_ERRORS, each "f.conf:LINE: KEYWORD: what"
 * printable and in line order; an accepted configuration is consistent
 * (writer name, target kinds, ports set on every address, AuthEntity
 * references inside the array, passive ports and ranges in order). ASan checks the
 * memory, including that config_free() releases everything. */
#include "buildconf.h"
#include <assert.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_errors(const struct config_errors *e)
{
	long prev = 0;
	size_t i;

	assert(e->n <= CONFIG_MAX_ERRORS);
	assert(e->n == (e->total < CONFIG_MAX_ERRORS ? e->total : CONFIG_MAX_ERRORS));
	for (i = 0; i < e->n; i++) {
		const char *m = e->msg[i], *p;
		char *end;
		long line;

		assert(strncmp(m, "f.conf:", 7) == 0);
		line = strtol(m + 7, &end, 10);
		assert(line >= 1 && end[0] == ':' && end[1] == ' ');
		assert(line >= prev);
		prev = line;
		for (p = m; *p != '\0'; p++)
			assert((unsigned char)*p >= 0x20 && (unsigned char)*p != 0x7f);
		assert(strlen(m) < 2048);
	}
}

static void
check_config(const struct config *cfg)
{
	size_t i, j;

	assert(strlen(cfg->writer) >= 1 && strlen(cfg->writer) <= 8);
	for (i = 0; cfg->writer[i] != '\0'; i++) {
		char c = cfg->writer[i];
		assert((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '$' || c == '#' ||
		    c == '@');
	}
	assert(cfg->initial_ms >= 100 && cfg->initial_ms <= 3600000);
	assert(cfg->anycmd_ms >= 100 && cfg->anycmd_ms <= 3600000);
	assert(cfg->connect_retry_ms >= 100 && cfg->connect_retry_ms <= 86400000);
	assert(cfg->connect_ms >= 100 && cfg->connect_ms <= 300000);
	assert(cfg->noop_interval_ms >= 100 && cfg->noop_interval_ms <= 3600000);
	assert(cfg->reprobe_interval_ms == 0 ||
	    (cfg->reprobe_interval_ms >= 100 && cfg->reprobe_interval_ms <= 86400000));
	assert(cfg->state_dir[0] == '/' && cfg->pid_file[0] == '/');
	assert(cfg->control_socket[0] == '/' && strlen(cfg->control_socket) < 108);
	assert(!(cfg->agentx_off && cfg->agentx_socket != NULL));
	for (i = 0; i < cfg->n_targets; i++) {
		const struct cfg_target *t = &cfg->targets[i];
		assert(t->port >= 1);
		assert(t->line >= 1);
		if (t->kind == TARGET_IP) {
			assert(t->n_addrs >= 1 && t->host == NULL);
			for (j = 0; j < t->n_addrs; j++) {
				const struct cfg_addr *a = &t->addrs[j];
				uint16_t port = a->ss.ss_family == AF_INET ?
				    ((const struct sockaddr_in *)&a->ss)->sin_port :
				    ((const struct sockaddr_in6 *)&a->ss)->sin6_port;
				assert(a->ss.ss_family == AF_INET || a->ss.ss_family == AF_INET6);
				assert(ntohs(port) == t->port);
				assert(memchr(a->text, '\0', sizeof a->text) != NULL);
			}
		} else {
			assert(t->kind == TARGET_NAME || t->kind == TARGET_MX);
			assert(t->n_addrs == 0 && t->host != NULL && t->host[0] != '\0');
		}
		if (t->auth != NULL) {
			assert(t->auth >= cfg->auths && t->auth < cfg->auths + cfg->n_auths);
			assert(t->auth->name != NULL);
		}
		assert(t->min_tls == 0 || (t->min_tls >= 0x0301 && t->min_tls <= 0x0304));
	}
	for (i = 0; i < cfg->n_auths; i++) {
		assert(cfg->auths[i].name != NULL && cfg->auths[i].user != NULL);
		assert(cfg->auths[i].password_file != NULL && cfg->auths[i].password == NULL);
	}
	if (cfg->passive.present) {
		assert((cfg->passive.n_interfaces > 0) != (cfg->passive.pcap_file != NULL));
		assert(cfg->passive.ports.any ? cfg->passive.ports.n == 0 :
		    cfg->passive.ports.n >= 1 && cfg->passive.ports.n <= CONFIG_MAX_PORTS);
		for (i = 0; i < cfg->passive.ports.n; i++)
			assert(cfg->passive.ports.r[i].lo >= 1 &&
			    cfg->passive.ports.r[i].lo <= cfg->passive.ports.r[i].hi);
	}
	for (i = 0; i < cfg->n_unused; i++)
		assert(strncmp(cfg->unused[i], "f.conf:", 7) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config_errors e = { 0 };
	struct config *cfg = config_parse("f.conf", (const char *)data, size, &e);

	check_errors(&e);
	assert((cfg == NULL) == (e.total > 0));
	if (cfg != NULL) {
		check_config(cfg);
		config_free(cfg);
	}
	config_errors_clear(&e);
	return 0;
}
