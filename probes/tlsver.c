/* probes/tlsver.c: the one table of TLS protocol versions (see tlsver.h). */
#include "tlsver.h"

#include <stddef.h>
#include <stdio.h>
#include <strings.h>

static const struct tlsver versions[] = {
	{ 0x0002, "SSLv2",   "S2", 2, NULL },
	{ 0x0300, "SSLv3",   "S3", 3, NULL },
	{ 0x0301, "TLSv1",   "T1", 4, "T1" },
	{ 0x0302, "TLSv1.1", "11", 5, "11" },
	{ 0x0303, "TLSv1.2", "12", 6, "12" },
	{ 0x0304, "TLSv1.3", "13", 7, "13" },
};

#define NVERSIONS (sizeof versions / sizeof versions[0])

const struct tlsver *
tlsver_of(int wire)
{
	for (size_t i = 0; i < NVERSIONS; i++)
		if (versions[i].wire == wire)
			return &versions[i];
	return NULL;
}

const char *
tlsver_name(int wire)
{
	const struct tlsver *v = tlsver_of(wire);

	return v != NULL ? v->name : NULL;
}

void
tlsver_text(int wire, char out[16])
{
	const struct tlsver *v = tlsver_of(wire);

	if (wire == 0)
		snprintf(out, 16, "none");
	else if (v != NULL)
		snprintf(out, 16, "%s", v->name);
	else
		snprintf(out, 16, "0x%04x", (unsigned)wire & 0xffffu);
}

const char *
tlsver_appldata(int wire)
{
	const struct tlsver *v = tlsver_of(wire);

	return v != NULL ? v->appldata : "  ";
}

int
tlsver_mib(int wire)
{
	const struct tlsver *v = tlsver_of(wire);

	return v != NULL ? v->mib : TLSVER_MIB_NONE;
}

int
tlsver_parse(const char *word)
{
	if (word == NULL)
		return 0;
	if (strcasecmp(word, "10") == 0 || strcasecmp(word, "TLSv1.0") == 0)
		return 0x0301;   /* the two spellings of TLS 1.0 not in the table */
	for (size_t i = 0; i < NVERSIONS; i++) {
		if (versions[i].config == NULL)
			continue;
		if (strcasecmp(word, versions[i].config) == 0 ||
		    strcasecmp(word, versions[i].name) == 0)
			return versions[i].wire;
	}
	return 0;
}
