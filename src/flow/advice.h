/*
 * Advice about a vault that does not block a link, shown beside the
 * prerequisite checks. It covers soft delete or purge protection turned
 * off, and a Customer Insights service principal that may already do
 * more than read: access policy permissions beyond get and list, or
 * roles other than Key Vault Reader and Key Vault Secrets User at the
 * vault or above.
 */
#ifndef KVL_ADVICE_H
#define KVL_ADVICE_H

#include <stddef.h>

#include "flow/link.h"

/* Maximum number of items kvl_advice_collect returns. */
#define KVL_ADVICE_MAX 6

struct kvl_advice_item {
	const char *name;	/* stable machine name: "softDelete" */
	char *text;		/* translated; may contain text from Azure */
};

struct kvl_advice {
	struct kvl_advice_item items[KVL_ADVICE_MAX];
	size_t n;
};

/* Fills advice for the vault and principal of plan. */
void kvl_advice_collect(const struct kvl_link_plan *plan,
			struct kvl_advice *advice);
void kvl_advice_clear(struct kvl_advice *advice);

#endif
