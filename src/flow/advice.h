/*
 * Advice about a vault that does not block a link, shown beside the
 * prerequisite checks. It covers soft delete or purge protection turned
 * off, and a Customer Insights service principal whose access policy
 * entry already allows more than reading.
 */
#ifndef KVL_ADVICE_H
#define KVL_ADVICE_H

#include <stddef.h>

#include "core/arm.h"

/* Maximum number of items kvl_advice_collect returns. */
#define KVL_ADVICE_MAX 4

struct kvl_advice_item {
	const char *name;	/* stable machine name: "softDelete" */
	char *text;		/* translated; may contain text from Azure */
};

struct kvl_advice {
	struct kvl_advice_item items[KVL_ADVICE_MAX];
	size_t n;
};

/*
 * Fills advice for vault. principal_id is the object id of the Customer
 * Insights service principal. When it is NULL (not known), the vault's
 * access policies are not looked at.
 */
void kvl_advice_collect(const struct kvl_vault *vault,
			const char *principal_id, struct kvl_advice *advice);
void kvl_advice_clear(struct kvl_advice *advice);

#endif
