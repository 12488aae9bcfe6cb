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

/* A growing text; keys and pages are written into one of these instead
 * of one allocation per row. */
struct text_buffer {
	char *text;
	size_t len;
	size_t cap;
};

static void buffer_append(struct text_buffer *b, const char *text,
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

static void buffer_add(struct text_buffer *b, const char *text)
{
	buffer_append(b, text, strlen(text));
}

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
				json_object_array_get_idx(r->subscriptions, i)));
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

/* Returns the value of column as resource_row() would give it, or NULL
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
	buffer_append(&hits->keys, value, strlen(value) + 1);
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
		row = resource_row(ctx->req->sb, ref->vault);
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
			size_t hi = j + 1 < runs ? starts[j + 2] : starts[j + 1];

			merge_runs(src, dst, starts[j], starts[j + 1], hi, keys);
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
	buffer_append(&hits->keys, "", 1);
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
static struct graph_result *cached_result(struct sb_request *req,
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

/* The JSON text of a page's row, as json-c writes it inside the page. */
static const int row_format = JSON_C_TO_STRING_PLAIN |
			      JSON_C_TO_STRING_NOSLASHESCAPE;

/* Appends the row of one hit, built in full, to the page. */
static void write_built_row(struct sb_request *req, struct graph_request *r,
			    const struct hit *hit, struct text_buffer *page)
{
	json_object *row = hit_row(req, r, hit);

	buffer_add(page, row ? json_object_to_json_string_ext(row, row_format)
			     : "null");
	json_object_put(row);
}

/* Whether name needs no escaping in JSON text, so that it is the same
 * in the row text as in the name. Generated names always pass. */
static bool json_plain(const char *name)
{
	for (; *name != '\0'; name++)
		if (!isalnum((unsigned char)*name) && *name != '-')
			return false;
	return true;
}

/* Splits the text at each occurrence of name into t. */
static void template_split(struct row_template *t, const char *text,
			   const char *name)
{
	size_t len = strlen(name), cap = 4;
	struct text_buffer parts = { 0 };
	const char *at;

	t->ends = malloc(cap * sizeof(*t->ends));
	if (t->ends == NULL)
		abort();
	for (;;) {
		at = strstr(text, name);
		buffer_append(&parts, text, at ? (size_t)(at - text) :
						 strlen(text));
		if (t->n_parts == cap) {
			cap *= 2;
			t->ends = realloc(t->ends, cap * sizeof(*t->ends));
			if (t->ends == NULL)
				abort();
		}
		t->ends[t->n_parts++] = parts.len;
		if (at == NULL)
			break;
		text = at + len;
	}
	t->text = parts.text;
}

/*
 * Appends the projected row of a generated vault that no lookup has made
 * real, from its resource group's template. Building a page of 1,000
 * rows through sb_vault_json() took about 20 ms of CPU time (perf, on a
 * shared two-core machine), so the sandbox, not the client, dominated
 * discovery benchmarks. The generated vaults of one resource group
 * differ only in their names (sb_gen_fields()). So the first row built
 * for a group is kept as text, split at its vault's name, and the
 * group's other rows put their own name into it. The name occurs only
 * in the row's id, name and vaultUri, because generated names ("kvgen-"
 * and numbers) cannot occur in subscription ids, groups, locations or
 * the base URL. Returns false when the row has to be built in full: a
 * vault with a port of its own has another vaultUri.
 */
static bool write_template_row(struct sb_request *req,
			       struct graph_request *r,
			       struct graph_result *res,
			       const struct sb_gen *gen,
			       const struct hit *hit,
			       struct text_buffer *page)
{
	long group = sb_gen_group(gen, hit->ref.index);
	struct row_template *t;
	json_object *row;
	char name[17];
	size_t i, start;

	if (hit->ref.vault != NULL || req->sb->n_vault_ports > 0 ||
	    hit->ref.sub >= gen->subscriptions || group >= SB_GEN_GROUPS)
		return false;
	if (res->templates == NULL) {
		res->n_templates = (size_t)gen->subscriptions * SB_GEN_GROUPS;
		res->templates = calloc(res->n_templates,
					sizeof(*res->templates));
		if (res->templates == NULL)
			abort();
	}
	t = &res->templates[(size_t)hit->ref.sub * SB_GEN_GROUPS +
			    (size_t)group];
	sb_gen_name(hit->ref.sub, hit->ref.index, name, sizeof(name));
	if (t->text == NULL && !t->unbuildable) {
		row = hit_row(req, r, hit);
		if (row != NULL && json_plain(name))
			template_split(t, json_object_to_json_string_ext(
					       row, row_format), name);
		else
			t->unbuildable = true;
		json_object_put(row);
	}
	if (t->unbuildable)
		return false;
	for (i = 0, start = 0; i < t->n_parts; i++) {
		buffer_append(page, t->text + start, t->ends[i] - start);
		start = t->ends[i];
		if (i + 1 < t->n_parts)
			buffer_add(page, name);
	}
	return true;
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

/* Where a page starts and ends in the result, and what follows it. */
struct page_bounds {
	size_t start;
	size_t end;
	bool more;
	char *token;			/* "$skipToken", or NULL */
};

static void page_bounds_init(struct sb_request *req, struct graph_request *r,
			     size_t total, const char *fault,
			     struct page_bounds *p)
{
	size_t size = (size_t)(r->top < req->sb->opt.page_size ?
			       r->top : req->sb->opt.page_size);
	bool repeat = fault != NULL && strcmp(fault, "repeat-token") == 0;

	p->start = r->offset;
	p->end = r->offset + size < total ? r->offset + size : total;
	p->more = p->end < total;
	p->token = p->more && pageable(&r->kql) ?
		   token_encode(r, repeat ? size : p->end) : NULL;
}

/* Replies with the page as json-c objects, which the data faults edit. */
static void reply_page_objects(struct sb_request *req,
			       struct sb_reply *reply,
			       struct graph_request *r,
			       const struct hits *hits, const char *fault)
{
	json_object *body = json_object_new_object();
	json_object *data = json_object_new_array();
	struct page_bounds p;

	page_bounds_init(req, r, hits->n, fault, &p);
	for (size_t i = p.start; i < p.end; i++)
		json_object_array_add(data, hit_row(req, r, &hits->items[i]));
	spoil_page(data, fault, r->top);

	json_object_object_add(body, "totalRecords",
			       json_object_new_int64((int64_t)hits->n));
	json_object_object_add(body, "count", json_object_new_int64(
				       (int64_t)json_object_array_length(
					       data)));
	add_text(body, "resultTruncated",
		 p.more && !pageable(&r->kql) ? "true" : "false");
	if (p.token != NULL)
		add_text(body, "$skipToken", p.token);
	json_object_object_add(body, "facets", json_object_new_array());
	json_object_object_add(body, "data", data);
	sb_reply_json(reply, 200, body);
	free(p.token);
}

/*
 * Replies with the page written as JSON text into one buffer, byte for
 * byte what reply_page_objects() sends without a fault. A json-c object
 * per row and serialising them took about 3.5 ms for a page of 1,000
 * generated vaults; copying template text takes a fraction of that.
 */
static void reply_page_text(struct sb_request *req, struct sb_reply *reply,
			    struct graph_request *r,
			    struct graph_result *res)
{
	struct text_buffer page = { 0 };
	const struct hits *hits = &res->hits;
	struct page_bounds p;
	struct sb_gen gen;
	bool generated = sb_gen_read(req->sb->tenant, &gen);
	char *head;

	page_bounds_init(req, r, hits->n, NULL, &p);
	head = sb_printf("{\"totalRecords\":%zu,\"count\":%zu,"
			 "\"resultTruncated\":\"%s\",", hits->n,
			 p.end > p.start ? p.end - p.start : 0,
			 p.more && !pageable(&r->kql) ? "true" : "false");
	buffer_add(&page, head);
	free(head);
	if (p.token != NULL) {
		/* base64url text needs no JSON escaping. */
		buffer_add(&page, "\"$skipToken\":\"");
		buffer_add(&page, p.token);
		buffer_add(&page, "\",");
	}
	buffer_add(&page, "\"facets\":[],\"data\":[");
	for (size_t i = p.start; i < p.end; i++) {
		if (i > p.start)
			buffer_add(&page, ",");
		if (!generated || !write_template_row(req, r, res, &gen,
						      &hits->items[i], &page))
			write_built_row(req, r, &hits->items[i], &page);
	}
	buffer_add(&page, "]}");
	sb_reply_json_text(reply, 200, page.text);
	free(p.token);
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
		if (fault != NULL)
			reply_page_objects(req, reply, &r,
					   &cached_result(req, &r)->hits,
					   fault);
		else
			reply_page_text(req, reply, &r,
					cached_result(req, &r));
	}
	sb_kql_clear(&r.kql);
	json_object_put(r.in);
}
