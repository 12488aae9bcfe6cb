/*
 * Types and functions shared by the Resource Graph route
 * (routes_resourcegraph.c) and its evaluation (resourcegraph_eval.c).
 */
#ifndef KVL_SANDBOX_RESOURCEGRAPH_H
#define KVL_SANDBOX_RESOURCEGRAPH_H

#include "sandbox/sandbox.h"

/* One request, checked. */
struct graph_request {
	json_object *in;		/* the parsed body */
	json_object *subscriptions;	/* NULL: every visible one */
	const char *query;
	long top;
	size_t offset;
	struct sb_kql_query kql;
	char binding[17];		/* ties a $skipToken to the query */
};

/* A growing text. Keys and pages are written into one of these instead
 * of one allocation per row. */
struct text_buffer {
	char *text;
	size_t len;
	size_t cap;
};

/* A row of the result: its vault, its place in the tenant's order, and
 * the offset of its "order by" value in the result's keys. */
struct hit {
	struct sb_vault_ref ref;
	size_t order;
	size_t key;
};

struct hits {
	struct hit *items;
	size_t n;
	/* The "order by" values, each NUL-terminated. Offset 0 is the
	 * empty string, the key of rows without one. */
	struct text_buffer keys;
};

/* The row text of one generated vault split at its vault name, which is
 * where the rows of its resource group differ; see write_template_row(). */
struct row_template {
	char *text;			/* the parts, one after another */
	size_t *ends;			/* part i ends at text + ends[i] */
	size_t n_parts;
	bool unbuildable;		/* the group's rows are built in full */
};

/* The result of one query, kept so that its later pages do not evaluate
 * it again: over a large generated tenant that costs more than building
 * a page. Any request that may change the tenant changes
 * sb->tenant_version, which retires the result. */
struct graph_result {
	char binding[17];
	char caller[64];
	char tenant[64];
	unsigned long version;
	unsigned long last_used;
	struct hits hits;
	/* Indexed by generated subscription * SB_GEN_GROUPS + group;
	 * NULL until a page needs them. */
	struct row_template *templates;
	size_t n_templates;
};

void sb_text_append(struct text_buffer *b, const char *text, size_t len);
void sb_text_add(struct text_buffer *b, const char *text);
void sb_graph_add_text(json_object *row, const char *key,
		       const char *value);
/* The vault as a row of Resource Graph's resources table. */
json_object *sb_graph_resource_row(struct sb_sandbox *sb,
				   json_object *vault);
/* The result of the query, from the cache or evaluated and cached. */
struct graph_result *sb_graph_result_get(struct sb_request *req,
					 const struct graph_request *r);

#endif
