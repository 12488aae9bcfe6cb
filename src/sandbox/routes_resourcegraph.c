/*
 * Azure Resource Graph under /arm: POST /providers/Microsoft.ResourceGraph/
 * resources evaluates the query forms of kql.c against the tenant's key
 * vaults, the only resources the sandbox has. Rows are those the caller
 * may read (Microsoft.KeyVault/vaults/read through its role
 * assignments). Pages hold min(options.$top, --page-size) rows and end
 * with a "$skipToken" bound to the query and subscriptions it came from.
 * Only the "objectArray" result format is served.
 *
 * POST /_sandbox/resource-graph {"fault": F, "user"?: NAME} makes the
 * route misbehave, for everyone or only for that user:
 *   forbidden     403 AuthorizationFailed
 *   unregistered  409 MissingSubscriptionRegistration
 *   repeat-token  every page carries the first page's $skipToken
 *   huge-page     one row more than options.$top asked for
 *   wrong-types   enableRbacAuthorization of the first row is a string
 *   none          back to normal (so is POST /_sandbox/reset)
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox/sandbox.h"

/* Without options.$top, Resource Graph returns up to 1000 rows. */
#define DEFAULT_TOP 1000
#define MAX_TOP 1000
#define MAX_SUBSCRIPTIONS 1000

static const char *const versions[] = {
	"2019-04-01", "2021-03-01", "2022-10-01", "2024-04-01", NULL };

static const char *const faults[] = {
	"forbidden", "unregistered", "repeat-token", "huge-page",
	"wrong-types", NULL };

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

/* --- Faults ------------------------------------------------------------- */

/* The fault set for this caller, or NULL. */
static const char *active_fault(struct sb_request *req)
{
	json_object *setting = sb_jobj(req->sb->tenant, "resourceGraph");
	const char *who = sb_jstr(setting, "principalId");

	if (who != NULL && !sb_ieq(who, sb_jstr(req->claims, "oid")))
		return NULL;
	return sb_jstr(setting, "fault");
}

/* Replies for the faults that replace the whole response. */
static bool refuse(struct sb_request *req, struct sb_reply *reply,
		   const char *fault)
{
	if (fault != NULL && strcmp(fault, "forbidden") == 0) {
		sb_arm_forbidden(req, reply,
				 "Microsoft.ResourceGraph/resources/read",
				 "/providers/Microsoft.ResourceGraph");
		return true;
	}
	if (fault != NULL && strcmp(fault, "unregistered") == 0) {
		sb_arm_error(reply, 409, "MissingSubscriptionRegistration",
			     "The subscription is not registered to use "
			     "namespace 'Microsoft.ResourceGraph'. Register "
			     "the resource provider and try again.");
		return true;
	}
	return false;
}

void sb_control_resource_graph(struct sb_sandbox *sb, const char *text,
			       struct sb_reply *reply)
{
	json_object *in = json_tokener_parse(text);
	const char *fault = sb_jstr(in, "fault");
	const char *user = sb_jstr(in, "user");
	json_object *who = user ? sb_tenant_find_user(sb->tenant, user) : NULL;
	json_object *setting, *body;
	size_t i;

	for (i = 0; fault != NULL && faults[i] != NULL; i++)
		if (strcmp(faults[i], fault) == 0)
			break;
	if (fault == NULL || (faults[i] == NULL &&
			      strcmp(fault, "none") != 0) ||
	    (user != NULL && who == NULL)) {
		sb_arm_error(reply, 400, "BadRequest", "Give \"fault\" "
			     "(forbidden, unregistered, repeat-token, "
			     "huge-page, wrong-types or none) and optionally "
			     "\"user\", a user of the tenant.");
		goto out;
	}
	setting = json_object_new_object();
	if (strcmp(fault, "none") != 0)
		json_object_object_add(setting, "fault",
				       json_object_new_string(fault));
	if (who != NULL)
		json_object_object_add(setting, "principalId",
				       json_object_new_string(
					       sb_jstr(who, "id")));
	json_object_object_add(sb->tenant, "resourceGraph", setting);
	sb_state_changed(sb);
	body = json_object_new_object();
	json_object_object_add(body, "fault", json_object_new_string(fault));
	sb_reply_json(reply, 200, body);
out:
	json_object_put(in);
}

/* --- Request ------------------------------------------------------------ */

static bool bad_request(struct sb_reply *reply, const char *message)
{
	sb_arm_error(reply, 400, "BadRequest", "%s", message);
	return false;
}

static bool check_subscriptions(json_object *subs, struct sb_reply *reply)
{
	size_t n;

	if (subs == NULL)
		return true;
	if (!json_object_is_type(subs, json_type_array))
		return bad_request(reply, "\"subscriptions\" must be an array "
				   "of subscription ids.");
	n = json_object_array_length(subs);
	if (n == 0 || n > MAX_SUBSCRIPTIONS)
		return bad_request(reply, "\"subscriptions\" must hold 1 to "
				   "1000 subscription ids.");
	for (size_t i = 0; i < n; i++)
		if (!json_object_is_type(json_object_array_get_idx(subs, i),
					 json_type_string))
			return bad_request(reply, "Every entry of "
					   "\"subscriptions\" must be a "
					   "string.");
	return true;
}

/* Whether options.key, when present, is an integer in [min, max]. */
static bool int_option(json_object *options, const char *key, long min,
		       long max, long *value)
{
	json_object *v;

	if (!json_object_object_get_ex(options, key, &v))
		return true;
	if (!json_object_is_type(v, json_type_int))
		return false;
	*value = (long)json_object_get_int64(v);
	return *value >= min && *value <= max;
}

static bool check_format(json_object *options, struct sb_reply *reply)
{
	const char *format;
	json_object *v;

	if (!json_object_object_get_ex(options, "resultFormat", &v))
		return true;
	format = json_object_is_type(v, json_type_string) ?
		 json_object_get_string(v) : "";
	if (strcmp(format, "objectArray") == 0)
		return true;
	return bad_request(reply, "options.resultFormat must be "
			   "\"objectArray\"; the sandbox serves no other "
			   "format.");
}

/* Sets r->binding from the query text and the subscriptions. */
static void bind_request(struct graph_request *r)
{
	char *text = sb_printf("%s\n%s", r->query, r->subscriptions ?
			       json_object_to_json_string_ext(
				       r->subscriptions,
				       JSON_C_TO_STRING_PLAIN) : "");
	char hash[65];

	sb_sha256_hex(text, hash);
	memcpy(r->binding, hash, 16);
	r->binding[16] = '\0';
	free(text);
}

static char *token_encode(const struct graph_request *r, size_t offset)
{
	char *plain = sb_printf("rg:%zu:%s", offset, r->binding);
	char *token = sb_base64url((const unsigned char *)plain,
				   strlen(plain));

	free(plain);
	return token;
}

/* Sets r->offset from the token. Returns false unless the sandbox issued
 * the token for this same query and these subscriptions. */
static bool token_decode(struct graph_request *r, const char *token)
{
	size_t len = strlen(token), plain_len;
	unsigned char *plain = len > 0 && len < 200 ?
		sb_base64url_decode(token, len, &plain_len) : NULL;
	char binding[17] = "";
	size_t offset;
	int end = 0;
	bool ok;

	ok = plain != NULL &&
	     sscanf((char *)plain, "rg:%zu:%16[0-9a-f]%n", &offset, binding,
		    &end) == 2 && (size_t)end == plain_len &&
	     strcmp(binding, r->binding) == 0;
	if (ok)
		r->offset = offset;
	free(plain);
	return ok;
}

static bool check_options(struct graph_request *r, struct sb_reply *reply)
{
	json_object *options = sb_jobj(r->in, "options");
	json_object *token = NULL;
	long skip = 0;

	r->top = DEFAULT_TOP;
	if (json_object_object_get_ex(r->in, "options", NULL) &&
	    options == NULL)
		return bad_request(reply, "\"options\" must be an object.");
	if (!int_option(options, "$top", 1, MAX_TOP, &r->top))
		return bad_request(reply, "options.$top must be an integer "
				   "from 1 to 1000.");
	if (!int_option(options, "$skip", 0, 1L << 30, &skip))
		return bad_request(reply, "options.$skip must be a "
				   "non-negative integer.");
	r->offset = (size_t)skip;
	if (!check_format(options, reply))
		return false;
	if (!json_object_object_get_ex(options, "$skipToken", &token))
		return true;
	if (!json_object_is_type(token, json_type_string) ||
	    !token_decode(r, json_object_get_string(token)))
		return bad_request(reply, "options.$skipToken is not a token "
				   "of this query: send the $skipToken of the "
				   "previous page with the same query and "
				   "subscriptions.");
	return true;
}

/* Replies 400 InvalidQuery with the parser's finding in "details". */
static void invalid_query(struct sb_reply *reply, const char *message,
			  size_t at)
{
	json_object *details = json_object_new_array();
	json_object *invalid = json_object_new_object();
	json_object *parser = json_object_new_object();

	sb_arm_error(reply, 400, "BadRequest", "The query could not be run; "
		     "correlationId = %s.", reply->correlation_id);
	json_object_object_add(invalid, "code",
			       json_object_new_string("InvalidQuery"));
	json_object_object_add(invalid, "message", json_object_new_string(
				       "The query is invalid. Check it "
				       "against the Resource Graph query "
				       "language and try again."));
	json_object_object_add(parser, "code",
			       json_object_new_string("ParserFailure"));
	json_object_object_add(parser, "message",
			       json_object_new_string(message));
	json_object_object_add(parser, "line", json_object_new_int(1));
	json_object_object_add(parser, "characterPositionInLine",
			       json_object_new_int64((int64_t)at));
	json_object_array_add(details, invalid);
	json_object_array_add(details, parser);
	json_object_object_add(sb_jobj(reply->json, "error"), "details",
			       details);
}

static bool read_request(struct sb_request *req, struct sb_reply *reply,
			 struct graph_request *r)
{
	char message[160];
	size_t at = 0;

	r->in = json_tokener_parse(req->body);
	if (!json_object_is_type(r->in, json_type_object))
		return bad_request(reply, "The request body must be a JSON "
				   "object with \"query\".");
	r->query = sb_jstr(r->in, "query");
	if (r->query == NULL)
		return bad_request(reply, "\"query\" is required and must be "
				   "a string.");
	if (json_object_object_get_ex(r->in, "managementGroups", NULL))
		return bad_request(reply, "The sandbox answers queries over "
				   "\"subscriptions\" only.");
	json_object_object_get_ex(r->in, "subscriptions", &r->subscriptions);
	if (!check_subscriptions(r->subscriptions, reply))
		return false;
	bind_request(r);
	if (!check_options(r, reply))
		return false;
	if (!sb_kql_parse(r->query, &r->kql, message, sizeof(message), &at)) {
		invalid_query(reply, message, at);
		return false;
	}
	return true;
}

/* --- Evaluation --------------------------------------------------------- */

static char *lowercase(const char *s)
{
	char *copy = strdup(s ? s : "");

	for (char *p = copy; p != NULL && *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return copy;
}

static void add_text(json_object *row, const char *key, const char *value)
{
	json_object_object_add(row, key, json_object_new_string(value));
}

static void add_lowercase(json_object *row, const char *key,
			  const char *value)
{
	char *lower = lowercase(value);

	add_text(row, key, lower);
	free(lower);
}

/* The vault as a row of Resource Graph's resources table. */
static json_object *resource_row(struct sb_sandbox *sb, json_object *vault)
{
	json_object *arm = sb_vault_json(sb, vault);
	json_object *row = json_object_new_object();
	json_object *tags = sb_jobj(arm, "tags");

	add_text(row, "id", sb_jstr(arm, "id"));
	add_text(row, "name", sb_jstr(arm, "name"));
	add_lowercase(row, "type", sb_jstr(arm, "type"));
	add_text(row, "tenantId", sb_entry_tenant(sb->tenant,
		 sb_tenant_subscription(sb->tenant,
					sb_jstr(vault, "subscriptionId"))));
	add_text(row, "kind", "");
	add_text(row, "location", sb_jstr(arm, "location"));
	add_lowercase(row, "resourceGroup", sb_jstr(vault, "resourceGroup"));
	add_text(row, "subscriptionId", sb_jstr(vault, "subscriptionId"));
	add_text(row, "managedBy", "");
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

/* Whether the request covers the vault's subscription and the caller may
 * read the vault. */
static bool vault_in_scope(struct sb_request *req, struct graph_request *r,
			   json_object *vault)
{
	const char *sub = sb_jstr(vault, "subscriptionId");
	json_object *entry = sb_tenant_subscription(req->sb->tenant, sub);
	const char *oid = sb_jstr(req->claims, "oid");
	char *scope;
	bool ok = r->subscriptions == NULL;

	/* Resource Graph returns rows of the token's tenant only. */
	if (!sb_ieq(sb_entry_tenant(req->sb->tenant, entry),
		    sb_jstr(req->claims, "tid")))
		return false;

	for (size_t i = 0; !ok && i < json_object_array_length(
		     r->subscriptions); i++)
		ok = sb_ieq(json_object_get_string(json_object_array_get_idx(
				    r->subscriptions, i)), sub);
	if (!ok)
		return false;
	scope = sb_vault_scope(vault);
	ok = sb_rbac_allows(req->sb->tenant, oid, scope,
			    "Microsoft.KeyVault/vaults/read");
	free(scope);
	return ok;
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

static json_object *projected(const struct sb_kql_query *q, json_object *row)
{
	json_object *out, *value;

	if (!q->projected)
		return json_object_get(row);
	out = json_object_new_object();
	for (size_t i = 0; i < q->n_project; i++) {
		json_object_object_get_ex(row, q->project[i], &value);
		json_object_object_add(out, q->project[i],
				       json_object_get(value));
	}
	return out;
}

/* A row of the result: its vault, its place in the tenant's order, and
 * the value of the "order by" column. */
struct hit {
	struct sb_vault_ref ref;
	size_t order;
	char *key;			/* NULL without "order by" */
};

struct hits {
	struct hit *items;
	size_t n;
};

/* Whether the vaults of one generated resource group are in the request's
 * scope, and their tenant: the same for every vault of the group until
 * a lookup makes one real, so it is worked out once per group. */
struct group_scope {
	char subscription_id[128];
	char group[128];
	const char *tenant_id;
	bool in_scope;
};

static void group_scope_update(struct sb_request *req,
			       struct graph_request *r,
			       const struct sb_gen_fields *f,
			       struct group_scope *gs)
{
	json_object *vault;

	if (strcmp(gs->subscription_id, f->subscription_id) == 0 &&
	    strcmp(gs->group, f->group) == 0)
		return;
	snprintf(gs->subscription_id, sizeof(gs->subscription_id), "%s",
		 f->subscription_id);
	snprintf(gs->group, sizeof(gs->group), "%s", f->group);
	gs->tenant_id = sb_entry_tenant(req->sb->tenant,
			sb_tenant_subscription(req->sb->tenant,
					       f->subscription_id));
	/* A stand-in entry with the fields vault_in_scope() reads. */
	vault = json_object_new_object();
	add_text(vault, "name", f->name);
	add_text(vault, "subscriptionId", f->subscription_id);
	add_text(vault, "resourceGroup", f->group);
	gs->in_scope = vault_in_scope(req, r, vault);
	json_object_put(vault);
}

/*
 * The top-level columns of a generated vault's row, which "where" and
 * "order by" read. They are looked up here instead of in a built row,
 * because building 10,000 JSON rows took most of the first page's CPU
 * time (callgrind).
 */
struct light_columns {
	const struct sb_gen_fields *fields;
	const char *tenant_id;
	char *id;
	char group[sizeof(((struct sb_gen_fields *)0)->group)];
};

static void light_columns_fill(struct light_columns *lc,
			       const struct sb_gen_fields *f,
			       const char *tenant_id)
{
	size_t i;

	lc->fields = f;
	lc->tenant_id = tenant_id ? tenant_id : "";
	lc->id = sb_vault_fields_scope(f);
	for (i = 0; f->group[i] != '\0' && i + 1 < sizeof(lc->group); i++)
		lc->group[i] = (char)tolower((unsigned char)f->group[i]);
	lc->group[i] = '\0';
}

/* Returns the value of column as resource_row() would give it, or NULL
 * for a column that is not a text column of the resources table. */
static const char *light_column(const struct light_columns *lc,
				const char *column)
{
	static const char *const empty_columns[] = { "kind", "managedBy" };

	if (strcmp(column, "id") == 0)
		return lc->id;
	if (strcmp(column, "name") == 0)
		return lc->fields->name;
	if (strcmp(column, "type") == 0)
		return "microsoft.keyvault/vaults";
	if (strcmp(column, "tenantId") == 0)
		return lc->tenant_id;
	if (strcmp(column, "location") == 0)
		return lc->fields->location;
	if (strcmp(column, "resourceGroup") == 0)
		return lc->group;
	if (strcmp(column, "subscriptionId") == 0)
		return lc->fields->subscription_id;
	for (size_t i = 0; i < sizeof(empty_columns) / sizeof(*empty_columns);
	     i++)
		if (strcmp(column, empty_columns[i]) == 0)
			return "";
	return NULL;
}

static bool light_matches(const struct sb_kql_query *q,
			  const struct light_columns *lc)
{
	for (size_t i = 0; i < q->n_where; i++)
		if (!value_holds(&q->where[i],
				 light_column(lc, q->where[i].column)))
			return false;
	return true;
}

static char *copy_or_null(const char *text)
{
	return text ? strdup(text) : NULL;
}

/* Whether ref is a row of the query's result. Sets *key to a copy of
 * its "order by" value, or NULL without "order by". */
static bool ref_matches(struct sb_request *req, struct graph_request *r,
			const struct sb_vault_ref *ref, struct group_scope *gs,
			char **key)
{
	const struct sb_kql_query *q = &r->kql;
	struct light_columns lc;
	struct sb_gen_fields f;
	json_object *row;
	bool matches;

	*key = NULL;
	if (ref->vault != NULL) {
		if (!vault_in_scope(req, r, ref->vault))
			return false;
		row = resource_row(req->sb, ref->vault);
		matches = row_matches(q, row);
		if (matches && q->order_by != NULL)
			*key = copy_or_null(sb_jstr(row, q->order_by));
		json_object_put(row);
		return matches;
	}

	sb_vault_ref_fields(req->sb->tenant, ref, &f);
	group_scope_update(req, r, &f, gs);
	if (!gs->in_scope)
		return false;
	light_columns_fill(&lc, &f, gs->tenant_id);
	matches = light_matches(q, &lc);
	if (matches && q->order_by != NULL)
		*key = copy_or_null(light_column(&lc, q->order_by));
	free(lc.id);
	return matches;
}

static int compare_hits(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;
	int order = strcmp(x->key ? x->key : "", y->key ? y->key : "");

	if (order != 0)
		return order;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Sorts by the "order by" column; ties keep the tenant's order. */
static void sort_hits(const struct sb_kql_query *q, struct hits *hits)
{
	struct hit swap;
	size_t i;

	if (q->order_by == NULL || hits->n == 0)
		return;
	qsort(hits->items, hits->n, sizeof(*hits->items), compare_hits);
	for (i = 0; q->descending && i < hits->n / 2; i++) {
		swap = hits->items[i];
		hits->items[i] = hits->items[hits->n - 1 - i];
		hits->items[hits->n - 1 - i] = swap;
	}
}

/* Every vault of the query's result, sorted; rows are built per page. */
static void evaluate(struct sb_request *req, struct graph_request *r,
		     struct hits *hits)
{
	struct group_scope gs = { .in_scope = false };
	struct sb_vault_refs refs;
	char *key;
	size_t i;

	sb_vault_refs_list(req->sb->tenant, NULL, &refs);
	hits->items = calloc(refs.n ? refs.n : 1, sizeof(*hits->items));
	hits->n = 0;
	if (hits->items == NULL)
		abort();
	for (i = 0; i < refs.n; i++) {
		if (ref_matches(req, r, &refs.items[i], &gs, &key))
			hits->items[hits->n++] = (struct hit){
				refs.items[i], i, key };
	}
	sb_vault_refs_clear(&refs);
	sort_hits(&r->kql, hits);
}

static void hits_clear(struct hits *hits)
{
	for (size_t i = 0; i < hits->n; i++)
		free(hits->items[i].key);
	free(hits->items);
	hits->items = NULL;
	hits->n = 0;
}

/* The result of the last query, kept so that its later pages do not
 * evaluate it again: over a large generated tenant that costs more than
 * building a page. Any request that may change the tenant changes
 * sb->tenant_version, which retires the result. */
struct sb_graph_cache {
	char binding[17];
	char caller[64];
	char tenant[64];
	unsigned long version;
	struct hits hits;
	/* "SUBSCRIPTION/GROUP" -> array of the strings around the vault
	 * name in one generated vault's row text; see template_row(). */
	json_object *templates;
};

static bool cache_fits(struct sb_request *req, const struct graph_request *r,
		       const struct sb_graph_cache *c)
{
	const char *tid = sb_jstr(req->claims, "tid");

	return c != NULL && c->version == req->sb->tenant_version &&
	       strcmp(c->binding, r->binding) == 0 &&
	       strcmp(c->caller, req->caller) == 0 &&
	       strcmp(c->tenant, tid ? tid : "") == 0;
}

/* The hits of the query, from the cache or evaluated and cached. */
static const struct hits *cached_hits(struct sb_request *req,
				      struct graph_request *r)
{
	struct sb_graph_cache *c = req->sb->graph_cache;
	const char *tid = sb_jstr(req->claims, "tid");

	if (cache_fits(req, r, c))
		return &c->hits;
	sb_resource_graph_free(req->sb);
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		abort();
	memcpy(c->binding, r->binding, sizeof(c->binding));
	snprintf(c->caller, sizeof(c->caller), "%s", req->caller);
	snprintf(c->tenant, sizeof(c->tenant), "%s", tid ? tid : "");
	c->version = req->sb->tenant_version;
	c->templates = json_object_new_object();
	evaluate(req, r, &c->hits);
	req->sb->graph_cache = c;
	return &c->hits;
}

void sb_resource_graph_free(struct sb_sandbox *sb)
{
	struct sb_graph_cache *c = sb->graph_cache;

	if (c == NULL)
		return;
	hits_clear(&c->hits);
	json_object_put(c->templates);
	free(c);
	sb->graph_cache = NULL;
}

/* The projected row of one hit, built now. */
static json_object *hit_row(struct sb_request *req, struct graph_request *r,
			    const struct hit *hit)
{
	json_object *vault = sb_vault_ref_get(req->sb->tenant, &hit->ref);
	json_object *row, *out;

	if (vault == NULL)
		return NULL;
	row = resource_row(req->sb, vault);
	out = projected(&r->kql, row);
	json_object_put(row);
	json_object_put(vault);
	return out;
}

/* Splits text at each occurrence of name into an array of strings. */
static json_object *split_at_name(const char *text, const char *name)
{
	json_object *parts = json_object_new_array();
	size_t len = strlen(name);
	const char *at;

	while ((at = strstr(text, name)) != NULL) {
		json_object_array_add(parts, json_object_new_string_len(
					      text, (int)(at - text)));
		text = at + len;
	}
	json_object_array_add(parts, json_object_new_string(text));
	return parts;
}

/* Joins parts with name between each two of them. Caller frees. */
static char *join_with_name(json_object *parts, const char *name)
{
	size_t n = json_object_array_length(parts);
	size_t len = strlen(name), size = 1, at = 0, part_len;
	const char *part;
	char *text;

	for (size_t i = 0; i < n; i++)
		size += (size_t)json_object_get_string_len(
				json_object_array_get_idx(parts, i)) + len;
	text = malloc(size);
	if (text == NULL)
		abort();
	for (size_t i = 0; i < n; i++) {
		part = json_object_get_string(json_object_array_get_idx(parts,
									i));
		part_len = strlen(part);
		memcpy(text + at, part, part_len);
		at += part_len;
		if (i + 1 < n) {
			memcpy(text + at, name, len);
			at += len;
		}
	}
	text[at] = '\0';
	return text;
}

/* A row whose JSON text is text, which it takes over. */
static json_object *text_row(char *text)
{
	json_object *row = json_object_new_object();

	json_object_set_serializer(row, json_object_userdata_to_json_string,
				   text, json_object_free_userdata);
	return row;
}

/*
 * The projected row of a generated vault that no lookup has made real,
 * from its resource group's template. Building a page of 1,000 rows
 * through sb_vault_json() took about 20 ms of CPU time (perf, on a
 * shared two-core machine), so the sandbox, not the client, dominated
 * discovery benchmarks. The generated vaults of one resource group
 * differ only in their names (sb_gen_fields()). So the first row built
 * for a group is kept as text, split at its vault's name, and the
 * group's other rows put their own name into it. The name occurs only in the row's id,
 * name and vaultUri, because generated names ("kvgen-" and numbers)
 * cannot occur in subscription ids, groups, locations or the base URL.
 * NULL when the row has to be built in full: a vault with a port of its
 * own has another vaultUri.
 */
static json_object *template_row(struct sb_request *req,
				 struct graph_request *r,
				 struct sb_graph_cache *c,
				 const struct hit *hit)
{
	struct sb_gen_fields f;
	json_object *parts, *row;
	char *key;

	if (hit->ref.vault != NULL || req->sb->n_vault_ports > 0 ||
	    c == NULL)
		return NULL;
	sb_vault_ref_fields(req->sb->tenant, &hit->ref, &f);
	key = sb_printf("%s/%s", f.subscription_id, f.group);
	if (!json_object_object_get_ex(c->templates, key, &parts)) {
		row = hit_row(req, r, hit);
		parts = row ? split_at_name(json_object_to_json_string_ext(
				row, JSON_C_TO_STRING_PLAIN |
				JSON_C_TO_STRING_NOSLASHESCAPE), f.name) :
			NULL;
		json_object_put(row);
		json_object_object_add(c->templates, key, parts);
	}
	free(key);
	return parts ? text_row(join_with_name(parts, f.name)) : NULL;
}

/* --- Paging ------------------------------------------------------------- */

/* Paging needs the id column to keep pages stable, as in Azure. */
static bool pageable(const struct sb_kql_query *q)
{
	if (!q->projected)
		return true;
	for (size_t i = 0; i < q->n_project; i++)
		if (strcmp(q->project[i], "id") == 0)
			return true;
	return false;
}

/* Applies the data faults to a page of rows about to be sent. */
static void spoil_page(json_object *data, const char *fault, long top)
{
	json_object *first = json_object_array_get_idx(data, 0);

	if (first == NULL || fault == NULL)
		return;
	if (strcmp(fault, "huge-page") == 0) {
		while (json_object_array_length(data) <= (size_t)top)
			json_object_array_add(data, json_object_get(first));
	} else if (strcmp(fault, "wrong-types") == 0) {
		json_object *copy = NULL;
		json_object *props;

		json_object_deep_copy(first, &copy, NULL);
		props = sb_jobj(copy, "properties");
		if (props != NULL)
			json_object_object_add(props,
					       "enableRbacAuthorization",
					       json_object_new_string("true"));
		json_object_array_put_idx(data, 0, copy);
	}
}

static void reply_page(struct sb_request *req, struct sb_reply *reply,
		       struct graph_request *r, const struct hits *hits,
		       const char *fault)
{
	size_t total = hits->n, i, end;
	size_t size = (size_t)(r->top < req->sb->opt.page_size ?
			       r->top : req->sb->opt.page_size);
	json_object *body = json_object_new_object();
	json_object *data = json_object_new_array();
	bool more;

	end = r->offset + size < total ? r->offset + size : total;
	for (i = r->offset; i < end; i++) {
		/* Faults edit rows as objects, so they get full rows. */
		json_object *row = fault == NULL ?
			template_row(req, r, req->sb->graph_cache,
				     &hits->items[i]) : NULL;

		json_object_array_add(data, row ? row : hit_row(
					      req, r, &hits->items[i]));
	}
	more = end < total;
	spoil_page(data, fault, r->top);

	json_object_object_add(body, "totalRecords",
			       json_object_new_int64((int64_t)total));
	json_object_object_add(body, "count", json_object_new_int64(
				       (int64_t)json_object_array_length(
					       data)));
	add_text(body, "resultTruncated",
		 more && !pageable(&r->kql) ? "true" : "false");
	if (more && pageable(&r->kql)) {
		bool repeat = fault != NULL &&
			      strcmp(fault, "repeat-token") == 0;
		char *token = token_encode(r, repeat ? size : end);

		add_text(body, "$skipToken", token);
		free(token);
	}
	json_object_object_add(body, "facets", json_object_new_array());
	json_object_object_add(body, "data", data);
	sb_reply_json(reply, 200, body);
}

/* Puts the paging fields of the body in the request's record. */
static void record_detail(struct sb_reply *reply,
			  const struct graph_request *r)
{
	json_object *token = NULL;

	json_object_object_get_ex(sb_jobj(r->in, "options"), "$skipToken",
				  &token);
	reply->detail = json_object_new_object();
	json_object_object_add(reply->detail, "top",
			       json_object_new_int64(r->top));
	json_object_object_add(reply->detail, "skipToken",
			       json_object_get(token));
	json_object_object_add(reply->detail, "subscriptions",
			       json_object_new_int64(r->subscriptions ?
				       (int64_t)json_object_array_length(
					       r->subscriptions) : 0));
}

void sb_route_resource_graph(struct sb_request *req, struct sb_reply *reply)
{
	struct graph_request r;
	const char *fault;

	memset(&r, 0, sizeof(r));
	if (strcmp(req->method, "POST") != 0) {
		sb_arm_error(reply, 405, "MethodNotAllowed", "Resource Graph "
			     "queries are sent with POST.");
		return;
	}
	if (!sb_arm_check_version(req, reply, versions))
		return;
	fault = active_fault(req);
	if (refuse(req, reply, fault))
		return;
	if (read_request(req, reply, &r)) {
		record_detail(reply, &r);
		reply_page(req, reply, &r, cached_hits(req, &r), fault);
	}
	sb_kql_clear(&r.kql);
	json_object_put(r.in);
}
