/*
 * Resource Graph evaluation: which vaults a query of
 * routes_resourcegraph.c returns and in which order, kept per query so
 * that its later pages do not evaluate it again.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox/resourcegraph.h"

static char *lowercase(const char *s)
{
	char *copy = strdup(s ? s : "");

	for (char *p = copy; p != NULL && *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return copy;
}

void sb_graph_add_text(json_object *row, const char *key,
		       const char *value)
{
	json_object_object_add(row, key, json_object_new_string(value));
}

static void add_lowercase(json_object *row, const char *key,
			  const char *value)
{
	char *lower = lowercase(value);

	sb_graph_add_text(row, key, lower);
	free(lower);
}

/* The vault as a row of Resource Graph's resources table. */
json_object *sb_graph_resource_row(struct sb_sandbox *sb,
				   json_object *vault)
{
	json_object *arm = sb_vault_json(sb, vault);
	json_object *row = json_object_new_object();
	json_object *tags = sb_jobj(arm, "tags");

	sb_graph_add_text(row, "id", sb_jstr(arm, "id"));
	sb_graph_add_text(row, "name", sb_jstr(arm, "name"));
	add_lowercase(row, "type", sb_jstr(arm, "type"));
	sb_graph_add_text(row, "tenantId", sb_entry_tenant(sb->tenant,
		 sb_tenant_subscription(sb->tenant,
					sb_jstr(vault, "subscriptionId"))));
	sb_graph_add_text(row, "kind", "");
	sb_graph_add_text(row, "location", sb_jstr(arm, "location"));
	add_lowercase(row, "resourceGroup", sb_jstr(vault, "resourceGroup"));
	sb_graph_add_text(row, "subscriptionId",
			  sb_jstr(vault, "subscriptionId"));
	sb_graph_add_text(row, "managedBy", "");
	json_object_object_add(row, "sku", NULL);
	json_object_object_add(row, "plan", NULL);
	json_object_object_add(row, "properties", json_object_get(
				       sb_jobj(arm, "properties")));
	json_object_object_add(row, "tags", tags ? json_object_get(tags) :
			       json_object_new_object());
	json_object_object_add(row, "identity", NULL);
	json_object_object_add(row, "zones", NULL);
	json_object_object_add(row, "extendedLocation", NULL);
	json_object_put(arm);
	return row;
}

/* Whether a row whose c->column is value (NULL when it has none) meets
 * the condition. */
static bool value_holds(const struct sb_kql_condition *c, const char *value)
{
	if (value == NULL)
		value = "";
	switch (c->compare) {
	case SB_KQL_EQ: return strcmp(value, c->value) == 0;
	case SB_KQL_EQ_NOCASE: return sb_ieq(value, c->value);
	case SB_KQL_NE: return strcmp(value, c->value) != 0;
	case SB_KQL_NE_NOCASE: return !sb_ieq(value, c->value);
	}
	return false;
}

static bool row_matches(const struct sb_kql_query *q, json_object *row)
{
	for (size_t i = 0; i < q->n_where; i++)
		if (!value_holds(&q->where[i], sb_jstr(row, q->where[i].column)))
			return false;
	return true;
}

void sb_text_append(struct text_buffer *b, const char *text,
			  size_t len)
{
	if (b->len + len + 1 > b->cap) {
		b->cap = b->cap ? b->cap : 4096;
		while (b->len + len + 1 > b->cap)
			b->cap *= 2;
		b->text = realloc(b->text, b->cap);
		if (b->text == NULL)
			abort();
	}
	memcpy(b->text + b->len, text, len);
	b->len += len;
	b->text[b->len] = '\0';
}

void sb_text_add(struct text_buffer *b, const char *text)
{
	sb_text_append(b, text, strlen(text));
}

/* The text columns of the resources table, which "where" and "order by"
 * read. */
enum column {
	COLUMN_ID, COLUMN_NAME, COLUMN_TYPE, COLUMN_TENANT_ID,
	COLUMN_LOCATION, COLUMN_RESOURCE_GROUP, COLUMN_SUBSCRIPTION_ID,
	COLUMN_EMPTY,			/* kind and managedBy */
	COLUMN_OTHER,			/* not a text column */
};

static enum column column_of(const char *name)
{
	static const struct {
		const char *name;
		enum column column;
	} columns[] = {
		{ "id", COLUMN_ID }, { "name", COLUMN_NAME },
		{ "type", COLUMN_TYPE }, { "tenantId", COLUMN_TENANT_ID },
		{ "location", COLUMN_LOCATION },
		{ "resourceGroup", COLUMN_RESOURCE_GROUP },
		{ "subscriptionId", COLUMN_SUBSCRIPTION_ID },
		{ "kind", COLUMN_EMPTY }, { "managedBy", COLUMN_EMPTY },
	};

	for (size_t i = 0; i < sizeof(columns) / sizeof(*columns); i++)
		if (strcmp(name, columns[i].name) == 0)
			return columns[i].column;
	return COLUMN_OTHER;
}

/* The lookups that evaluating one query repeats for each of thousands of
 * vaults, done once. Linear lookups of subscriptions and role
 * assignments per vault took most of the first page's time. */
struct eval_context {
	struct sb_request *req;
	const struct sb_kql_query *q;
	const char *tid;		/* the tenant of the caller's token */
	json_object *requested;		/* lowercase subscription ids of the
					   request; NULL: every one */
	struct sb_rbac_grants *grants;	/* where the caller may read vaults */
	struct sb_gen gen;
	bool generated;
	json_object **sub_entries;	/* generated subscription -> entry */
	enum column where[SB_KQL_MAX_CONDITIONS];
	enum column order_by;
};

static void eval_context_init(struct eval_context *ctx,
			      struct sb_request *req,
			      const struct graph_request *r)
{
	json_object *tenant = req->sb->tenant;
	size_t i, n;
	char *id;

	memset(ctx, 0, sizeof(*ctx));
	ctx->req = req;
	ctx->q = &r->kql;
	ctx->tid = sb_jstr(req->claims, "tid");
	if (r->subscriptions != NULL) {
		ctx->requested = json_object_new_object();
		n = json_object_array_length(r->subscriptions);
		for (i = 0; i < n; i++) {
			id = lowercase(json_object_get_string(
				json_object_array_get_idx(r->subscriptions,
							  i)));
			json_object_object_add(ctx->requested, id, NULL);
			free(id);
		}
	}
	ctx->grants = sb_rbac_grants_new(tenant, sb_jstr(req->claims, "oid"),
					 "Microsoft.KeyVault/vaults/read");
	ctx->generated = sb_gen_read(tenant, &ctx->gen);
	if (ctx->generated && ctx->gen.subscriptions > 0) {
		ctx->sub_entries = calloc((size_t)ctx->gen.subscriptions,
					  sizeof(*ctx->sub_entries));
		if (ctx->sub_entries == NULL)
			abort();
		sb_gen_subscription_entries(tenant, &ctx->gen,
					    ctx->sub_entries);
	}
	for (i = 0; i < r->kql.n_where; i++)
		ctx->where[i] = column_of(r->kql.where[i].column);
	ctx->order_by = r->kql.order_by ? column_of(r->kql.order_by) :
			COLUMN_OTHER;
}

static void eval_context_clear(struct eval_context *ctx)
{
	json_object_put(ctx->requested);
	sb_rbac_grants_free(ctx->grants);
	free(ctx->sub_entries);
}

/* Whether the request covers subscription_id, whose entry is sub_entry,
 * and the caller may read the vault at scope. */
static bool in_scope(const struct eval_context *ctx, json_object *sub_entry,
		     const char *subscription_id, const char *scope)
{
	char *key;
	bool requested;

	/* Resource Graph returns rows of the token's tenant only. */
	if (!sb_ieq(sb_entry_tenant(ctx->req->sb->tenant, sub_entry),
		    ctx->tid))
		return false;
	if (ctx->requested != NULL) {
		if (subscription_id == NULL)
			return false;
		key = lowercase(subscription_id);
		requested = json_object_object_get_ex(ctx->requested, key,
						      NULL);
		free(key);
		if (!requested)
			return false;
	}
	return sb_rbac_grants_cover(ctx->grants, scope);
}

static bool vault_in_scope(const struct eval_context *ctx,
			   json_object *vault)
{
	const char *sub = sb_jstr(vault, "subscriptionId");
	char *scope = sb_vault_scope(vault);
	bool ok;

	ok = in_scope(ctx, sb_tenant_subscription(ctx->req->sb->tenant, sub),
		      sub, scope);
	free(scope);
	return ok;
}

/* Whether the vaults of one generated resource group are in the request's
 * scope, and their fields: the same for every vault of the group until
 * a lookup makes one real, so they are worked out once per group. */
struct group_scope {
	long sub;			/* -1 before the first group */
	long group;
	struct sb_gen_fields fields;	/* of the group's first vault */
	const char *tenant_id;		/* never NULL */
	char lower_group[sizeof(((struct sb_gen_fields *)0)->group)];
	char *id;			/* the first vault's id */
	size_t id_prefix_len;		/* the length of id without the name */
	bool in_scope;
};

static void group_scope_update(const struct eval_context *ctx,
			       const struct sb_vault_ref *ref, long group,
			       struct group_scope *gs)
{
	json_object *entry = ctx->sub_entries[ref->sub];
	size_t i;

	gs->sub = ref->sub;
	gs->group = group;
	sb_gen_fields(&ctx->gen, ref->sub, ref->index, &gs->fields);
	gs->tenant_id = sb_entry_tenant(ctx->req->sb->tenant, entry);
	if (gs->tenant_id == NULL)
		gs->tenant_id = "";
	for (i = 0; gs->fields.group[i] != '\0'; i++)
		gs->lower_group[i] = (char)tolower(
			(unsigned char)gs->fields.group[i]);
	gs->lower_group[i] = '\0';
	free(gs->id);
	gs->id = sb_vault_fields_scope(&gs->fields);
	gs->id_prefix_len = strlen(gs->id) - strlen(gs->fields.name);
	gs->in_scope = in_scope(ctx, entry, gs->fields.subscription_id,
				gs->id);
}

/*
 * The text columns of a generated vault's row, which "where" and "order
 * by" read. They are looked up here instead of in a built row, because
 * building 10,000 JSON rows took most of the first page's CPU time
 * (callgrind).
 */
struct light_columns {
	const struct group_scope *gs;
	char name[17];
	char id[512];			/* "" until light_column() needs it */
};

/* Returns the value of column as sb_graph_resource_row() would give it, or NULL
 * for a column that is not a text column of the resources table. */
static const char *light_column(struct light_columns *lc, enum column c)
{
	const struct group_scope *gs = lc->gs;

	switch (c) {
	case COLUMN_ID:
		if (lc->id[0] == '\0') {
			/* Both parts come from fields of 128 bytes. */
			memcpy(lc->id, gs->id, gs->id_prefix_len);
			memcpy(lc->id + gs->id_prefix_len, lc->name,
			       sizeof(lc->name));
		}
		return lc->id;
	case COLUMN_NAME: return lc->name;
	case COLUMN_TYPE: return "microsoft.keyvault/vaults";
	case COLUMN_TENANT_ID: return gs->tenant_id;
	case COLUMN_LOCATION: return gs->fields.location;
	case COLUMN_RESOURCE_GROUP: return gs->lower_group;
	case COLUMN_SUBSCRIPTION_ID: return gs->fields.subscription_id;
	case COLUMN_EMPTY: return "";
	case COLUMN_OTHER: break;
	}
	return NULL;
}

/* Appends the "order by" value to the result's keys and returns its
 * offset there; NULL is the empty key at offset 0. */
static size_t key_add(struct hits *hits, const char *value)
{
	size_t at = hits->keys.len;

	if (value == NULL || value[0] == '\0')
		return 0;
	sb_text_append(&hits->keys, value, strlen(value) + 1);
	return at;
}

/* Whether ref is a row of the query's result. Sets *key to the offset of
 * its "order by" value in hits->keys. */
static bool ref_matches(const struct eval_context *ctx,
			const struct sb_vault_ref *ref, struct group_scope *gs,
			struct hits *hits, size_t *key)
{
	const struct sb_kql_query *q = ctx->q;
	struct light_columns lc;
	json_object *row;
	long group;
	bool matches;
	size_t i;

	*key = 0;
	if (ref->vault != NULL || !ctx->generated) {
		if (ref->vault == NULL || !vault_in_scope(ctx, ref->vault))
			return false;
		row = sb_graph_resource_row(ctx->req->sb, ref->vault);
		matches = row_matches(q, row);
		if (matches && q->order_by != NULL)
			*key = key_add(hits, sb_jstr(row, q->order_by));
		json_object_put(row);
		return matches;
	}

	group = sb_gen_group(&ctx->gen, ref->index);
	if (gs->sub != ref->sub || gs->group != group)
		group_scope_update(ctx, ref, group, gs);
	if (!gs->in_scope)
		return false;
	lc.gs = gs;
	lc.id[0] = '\0';
	sb_gen_name(ref->sub, ref->index, lc.name, sizeof(lc.name));
	for (i = 0; i < q->n_where; i++)
		if (!value_holds(&q->where[i],
				 light_column(&lc, ctx->where[i])))
			return false;
	if (q->order_by != NULL)
		*key = key_add(hits, light_column(&lc, ctx->order_by));
	return true;
}

static int compare_hits(const struct hit *x, const struct hit *y,
			const char *keys)
{
	int order = strcmp(keys + x->key, keys + y->key);

	if (order != 0)
		return order;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Merges the sorted runs src[lo, mid) and src[mid, hi) into dst[lo, hi). */
static void merge_runs(const struct hit *src, struct hit *dst, size_t lo,
		       size_t mid, size_t hi, const char *keys)
{
	size_t a = lo, b = mid, out = lo;

	while (a < mid && b < hi)
		dst[out++] = compare_hits(&src[b], &src[a], keys) < 0 ?
			     src[b++] : src[a++];
	while (a < mid)
		dst[out++] = src[a++];
	while (b < hi)
		dst[out++] = src[b++];
}

/*
 * Sorts hits by compare_hits() with a merge sort that starts from the
 * ascending runs already in the list. sb_vault_refs_list() returns
 * generated vaults in id order, so the usual "order by id" costs about
 * one comparison per row instead of log2(rows) with qsort().
 * compare_hits() orders every two hits, so the result is the one
 * qsort() gives.
 */
static void sort_by_runs(struct hits *hits)
{
	struct hit *items = hits->items, *buf, *src, *dst, *swap;
	const char *keys = hits->keys.text;
	size_t n = hits->n, *starts, runs = 1, out, j;

	buf = malloc(n * sizeof(*buf));
	starts = malloc((n + 1) * sizeof(*starts));
	if (buf == NULL || starts == NULL)
		abort();
	starts[0] = 0;
	for (j = 1; j < n; j++)
		if (compare_hits(&items[j - 1], &items[j], keys) > 0)
			starts[runs++] = j;
	starts[runs] = n;
	src = items;
	dst = buf;
	while (runs > 1) {
		/* Merges runs 2k and 2k+1 into the new run k. Reading index
		 * j and up while writing index j / 2 loses nothing. */
		for (j = 0, out = 0; j < runs; j += 2, out++) {
			size_t mid = starts[j + 1];
			size_t hi = j + 1 < runs ? starts[j + 2] : mid;

			merge_runs(src, dst, starts[j], mid, hi, keys);
			starts[out] = starts[j];
		}
		starts[out] = n;
		runs = out;
		swap = src;
		src = dst;
		dst = swap;
	}
	if (src != items)
		memcpy(items, src, n * sizeof(*items));
	free(starts);
	free(buf);
}

/* Sorts by the "order by" column; ties keep the tenant's order. */
static void sort_hits(const struct sb_kql_query *q, struct hits *hits)
{
	struct hit swap;
	size_t i;

	if (q->order_by == NULL || hits->n == 0)
		return;
	sort_by_runs(hits);
	for (i = 0; q->descending && i < hits->n / 2; i++) {
		swap = hits->items[i];
		hits->items[i] = hits->items[hits->n - 1 - i];
		hits->items[hits->n - 1 - i] = swap;
	}
}

/* Every vault of the query's result, sorted; rows are built per page. */
static void evaluate(struct sb_request *req, const struct graph_request *r,
		     struct hits *hits)
{
	struct group_scope gs = { .sub = -1, .group = -1 };
	struct eval_context ctx;
	struct sb_vault_refs refs;
	size_t i, key;

	eval_context_init(&ctx, req, r);
	sb_vault_refs_list(req->sb->tenant, NULL, &refs);
	hits->items = calloc(refs.n ? refs.n : 1, sizeof(*hits->items));
	hits->n = 0;
	if (hits->items == NULL)
		abort();
	sb_text_append(&hits->keys, "", 1);
	for (i = 0; i < refs.n; i++) {
		if (ref_matches(&ctx, &refs.items[i], &gs, hits, &key))
			hits->items[hits->n++] = (struct hit){
				refs.items[i], i, key };
	}
	free(gs.id);
	sb_vault_refs_clear(&refs);
	eval_context_clear(&ctx);
	sort_hits(&r->kql, hits);
}

static void hits_clear(struct hits *hits)
{
	free(hits->items);
	free(hits->keys.text);
	memset(hits, 0, sizeof(*hits));
}

/* kvlink lists the vaults of each tenant it signed in to, one query per
 * tenant, so results are kept for a few callers and tenants at once. */
#define GRAPH_RESULTS 8

struct sb_graph_cache {
	struct graph_result *results[GRAPH_RESULTS];
	unsigned long clock;		/* counts the lookups, for LRU */
};

static void result_free(struct graph_result *res)
{
	if (res == NULL)
		return;
	hits_clear(&res->hits);
	for (size_t i = 0; i < res->n_templates; i++) {
		free(res->templates[i].text);
		free(res->templates[i].ends);
	}
	free(res->templates);
	free(res);
}

static bool result_fits(struct sb_request *req,
			const struct graph_request *r,
			const struct graph_result *res)
{
	const char *tid = sb_jstr(req->claims, "tid");

	return res != NULL && res->version == req->sb->tenant_version &&
	       strcmp(res->binding, r->binding) == 0 &&
	       strcmp(res->caller, req->caller) == 0 &&
	       strcmp(res->tenant, tid ? tid : "") == 0;
}

/* Frees the results of earlier tenant versions and returns the slot for
 * a new result: a free one, or that of the least recently used result. */
static struct graph_result **result_slot(struct sb_sandbox *sb,
					 struct sb_graph_cache *c)
{
	struct graph_result **slot = NULL;
	size_t i;

	for (i = 0; i < GRAPH_RESULTS; i++) {
		if (c->results[i] != NULL &&
		    c->results[i]->version != sb->tenant_version) {
			result_free(c->results[i]);
			c->results[i] = NULL;
		}
		if (c->results[i] == NULL) {
			if (slot == NULL || *slot != NULL)
				slot = &c->results[i];
		} else if (slot == NULL || (*slot != NULL &&
			   c->results[i]->last_used < (*slot)->last_used)) {
			slot = &c->results[i];
		}
	}
	result_free(*slot);
	*slot = NULL;
	return slot;
}

/* The result of the query, from the cache or evaluated and cached. */
struct graph_result *sb_graph_result_get(struct sb_request *req,
					  const struct graph_request *r)
{
	struct sb_graph_cache *c = req->sb->graph_cache;
	const char *tid = sb_jstr(req->claims, "tid");
	struct graph_result **slot, *res;

	if (c == NULL) {
		c = calloc(1, sizeof(*c));
		if (c == NULL)
			abort();
		req->sb->graph_cache = c;
	}
	c->clock++;
	for (size_t i = 0; i < GRAPH_RESULTS; i++) {
		if (result_fits(req, r, c->results[i])) {
			c->results[i]->last_used = c->clock;
			return c->results[i];
		}
	}
	slot = result_slot(req->sb, c);
	res = calloc(1, sizeof(*res));
	if (res == NULL)
		abort();
	memcpy(res->binding, r->binding, sizeof(res->binding));
	snprintf(res->caller, sizeof(res->caller), "%s", req->caller);
	snprintf(res->tenant, sizeof(res->tenant), "%s", tid ? tid : "");
	res->version = req->sb->tenant_version;
	res->last_used = c->clock;
	evaluate(req, r, &res->hits);
	*slot = res;
	return res;
}

void sb_resource_graph_free(struct sb_sandbox *sb)
{
	struct sb_graph_cache *c = sb->graph_cache;

	if (c == NULL)
		return;
	for (size_t i = 0; i < GRAPH_RESULTS; i++)
		result_free(c->results[i]);
	free(c);
	sb->graph_cache = NULL;
}
