/* tests/unit/testrow.h: a registry row built by hand for a unit test of a
 * reader (SNMP columns, /metrics, the status page). Include after cmocka.h.
 *
 * testrow_new() returns a row as registry_add() starts one: no event yet,
 * a blank verdict (component APPLDATA_MONITOR, writer), blank texts. The
 * verdict is held after the row itself, where testrow_verdict() finds it to
 * be filled (the registry shares one instead); free(row) frees both.
 */
#ifndef SMTPMON_TESTROW_H
#define SMTPMON_TESTROW_H

#include <stdlib.h>

#include "appldata.h"
#include "downgrade.h"
#include "registry.h"
#include "verdict.h"

struct testrow {
	struct reg_row row;
	struct verdict v;
};

static inline struct reg_row *
testrow_new(const char *writer)
{
	struct testrow *x = calloc(1, sizeof *x);

	assert_non_null(x);
	x->row.dg.last_event = DG_NONE;
	verdict_blank(APPLDATA_MONITOR, writer, &x->v);
	x->row.v = &x->v;
	reg_row_texts_blank(&x->row);
	return &x->row;
}

static inline struct verdict *
testrow_verdict(struct reg_row *row)
{
	return &((struct testrow *)row)->v;
}

#endif
