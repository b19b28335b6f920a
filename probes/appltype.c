/* probes/appltype.c: the one table of server types and security methods
 * (see appltype.h). */
#include "appltype.h"

#include <stddef.h>

static const struct {
	enum appl_server_type type;
	const char *code;        /* appldata byte 19 */
	const char *name;
	int mib;                 /* SmtpmonServerType */
} types[] = {
	{ APPL_TYPE_ESMTP, "E", "ESMTP", 3 },
	{ APPL_TYPE_SMTP,  "S", "SMTP",  2 },
};

static const struct {
	enum appl_security sec;
	const char *code;        /* appldata byte 20 */
	const char *name;
	int mib;                 /* the MIB's security method */
} secs[] = {
	{ APPL_SEC_TLS,   "T", "TLS",   3 },
	{ APPL_SEC_BASIC, "B", "basic", 2 },
};

#define NTYPES (sizeof types / sizeof types[0])
#define NSECS  (sizeof secs / sizeof secs[0])

const char *
appl_type_name(enum appl_server_type type)
{
	for (size_t i = 0; i < NTYPES; i++)
		if (types[i].type == type)
			return types[i].name;
	return NULL;
}

const char *
appl_type_code(enum appl_server_type type)
{
	for (size_t i = 0; i < NTYPES; i++)
		if (types[i].type == type)
			return types[i].code;
	return NULL;
}

enum appl_server_type
appl_type_of_code(char code)
{
	for (size_t i = 0; i < NTYPES; i++)
		if (types[i].code[0] == code)
			return types[i].type;
	return APPL_TYPE_UNKNOWN;
}

const char *
appl_security_name(enum appl_security sec)
{
	for (size_t i = 0; i < NSECS; i++)
		if (secs[i].sec == sec)
			return secs[i].name;
	return NULL;
}

const char *
appl_security_code(enum appl_security sec)
{
	for (size_t i = 0; i < NSECS; i++)
		if (secs[i].sec == sec)
			return secs[i].code;
	return NULL;
}

enum appl_security
appl_security_of_code(char code)
{
	for (size_t i = 0; i < NSECS; i++)
		if (secs[i].code[0] == code)
			return secs[i].sec;
	return APPL_SEC_UNKNOWN;
}

int
appl_type_mib(enum appl_server_type type)
{
	for (size_t i = 0; i < NTYPES; i++)
		if (types[i].type == type)
			return types[i].mib;
	return APPL_MIB_UNKNOWN;
}

int
appl_security_mib(enum appl_security sec)
{
	for (size_t i = 0; i < NSECS; i++)
		if (secs[i].sec == sec)
			return secs[i].mib;
	return APPL_MIB_UNKNOWN;
}
