/* agent/config/confpassive.c: the Passive block (see confpassive.h), internal to
 * the config parser. */
#include "buildconf.h"
#include "confpassive.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

void
confpassive_open(struct pstate *ps)
{
	ps->cfg->passive.present = true;
}

void
confpassive_close(struct pstate *ps)
{
	struct block *bk = &ps->blk;
	struct config *cfg = ps->cfg;

	if (cfg->passive.n_interfaces == 0 && cfg->passive.pcap_file == NULL)
		ps_err(ps, bk->line, bk->kw, "needs Interface or PcapFile");
	if (!ps->passive_ports_set || (!cfg->passive.ports.any && cfg->passive.ports.n == 0))
		portset_default(&cfg->passive.ports);
}

void
kw_interface(struct pstate *ps, const struct stmt *st)
{
	struct cfg_passive *pv = &ps->cfg->passive;
	char b[CONF_SHOW_BUF];
	const char *v = stmt_value(st);
	size_t i, n = strlen(v);

	if (pv->pcap_file != NULL) {
		ps_serr(ps, st, "cannot be combined with PcapFile (line %d)", ps->pcap_line);
		return;
	}
	if (n == 0 || n > 15 || strchr(v, '/') != NULL) {
		ps_serr(ps, st, "\"%s\" is not an interface name (1-15 characters)", conf_show(v, b));
		return;
	}
	for (i = 0; i < pv->n_interfaces; i++)
		if (strcmp(pv->interfaces[i], v) == 0) {
			ps_serr(ps, st, "\"%s\" given twice", conf_show(v, b));
			return;
		}
	if (pv->n_interfaces >= CONFIG_MAX_IFACES) {
		ps_serr(ps, st, "at most %d interfaces", CONFIG_MAX_IFACES);
		return;
	}
	if (pv->n_interfaces == ps->ifaces_cap) {
		ps->ifaces_cap = ps->ifaces_cap ? ps->ifaces_cap * 2 : 4;
		pv->interfaces = xrealloc(pv->interfaces, ps->ifaces_cap * sizeof *pv->interfaces);
	}
	if (pv->n_interfaces == 0)
		ps->iface_line = st->line;
	pv->interfaces[pv->n_interfaces++] = xstrdup(v);
}

void
kw_pcapfile(struct pstate *ps, const struct stmt *st)
{
	if (ps->cfg->passive.n_interfaces > 0) {
		ps_serr(ps, st, "cannot be combined with Interface (line %d)", ps->iface_line);
		return;
	}
	ps->pcap_line = st->line;
	ps_set_path(ps, st, &ps->cfg->passive.pcap_file, 0);
}

void
kw_ports(struct pstate *ps, const struct stmt *st)
{
	struct cfg_passive *pv = &ps->cfg->passive;
	char err[256];
	size_t i;

	ps->passive_ports_set = true;
	memset(&pv->ports, 0, sizeof pv->ports);
	if (st->total > CONFIG_MAX_PORTS) {
		ps_serr(ps, st, "more than %d ports and ranges", CONFIG_MAX_PORTS);
		return;
	}
	/* each value a port, a range LOW-HIGH or any (commas work too); every
	 * bad value is reported, the good ones kept */
	for (i = 0; i < st->nvals; i++)
		if (portset_add(&pv->ports, st->vals[i].text, err, sizeof err) != 0)
			ps_serr(ps, st, "%s", err);
	if (!pv->ports.any && pv->ports.n == 0)
		ps_serr(ps, st, "an empty list: give ports (25 587 12525-12529) or any");
}
