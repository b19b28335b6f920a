/* probes/appldata.c: see appldata.h. */
#include "buildconf.h"
#include "appldata.h"
#include "appltype.h"
#include "tlsver.h"

#include <stdio.h>
#include <string.h>

bool
appldata_writer_norm(const char *name, char norm[9])
{
	size_t i, len = strlen(name);

	if (len < 1 || len > 8)
		return false;
	for (i = 0; i < len; i++) {
		char c = name[i];
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '$' || c == '#' ||
		    c == '@'))
			return false;
		norm[i] = c;
	}
	norm[len] = '\0';
	return true;
}

static void
put(char *rec, int col, const char *s, size_t n)
{
	memcpy(rec + col - 1, s, n);
}

void
appldata_format(const struct appldata_fields *f, char *out)
{
	char hex[8];

	memset(out, ' ', APPLDATA_LEN);
	out[APPLDATA_LEN] = '\0';
	put(out, 1, f->component, strnlen(f->component, 8));
	if (f->writer)
		put(out, 10, f->writer, strnlen(f->writer, 8));
	if (appl_type_code(f->type) != NULL)
		out[18] = appl_type_code(f->type)[0];
	if (appl_security_code(f->security) != NULL)
		out[19] = appl_security_code(f->security)[0];
	put(out, 21, tlsver_appldata(f->tls_version), 2);
	if (f->cipher_id >= 0 && f->cipher_id <= 0xffff) {
		static const char hx[] = "0123456789ABCDEF";
		unsigned id = (unsigned)f->cipher_id;

		hex[0] = hx[id >> 12 & 15];
		hex[1] = hx[id >> 8 & 15];
		hex[2] = hx[id >> 4 & 15];
		hex[3] = hx[id & 15];
		put(out, 23, id < 0x100 ? hex + 2 : "4X", 2);
		put(out, 26, hex, 4);
	}
}
