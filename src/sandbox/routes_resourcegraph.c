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

#include "sandbox/resourcegraph.h"

/* Without options.$top, Resource Graph returns up to 1000 rows. */
#define DEFAULT_TOP 1000
#define MAX_TOP 1000
#define MAX_SUBSCRIPTIONS 1000

static const char *const versions[] = {
	"2019-04-01", "2021-03-01", "2022-10-01", "2024-04-01", NULL };

static const char *const faults[] = {
	"forbidden", "unregistered", "repeat-token", "huge-page",
	"wrong-types", NULL };

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

/* --- Rows --------------------------------------------------------------- */

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

/* The projected row of one hit, built now. */
static json_object *hit_row(struct sb_request *req, struct graph_request *r,
			    const struct hit *hit)
{
	json_object *vault = sb_vault_ref_get(req->sb->tenant, &hit->ref);
	json_object *row, *out;

	if (vault == NULL)
		return NULL;
	row = sb_graph_resource_row(req->sb, vault);
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

	sb_text_add(page, row ? json_object_to_json_string_ext(row, row_format)
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
		sb_text_append(&parts, text, at ? (size_t)(at - text) :
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
		sb_text_append(page, t->text + start, t->ends[i] - start);
		start = t->ends[i];
		if (i + 1 < t->n_parts)
			sb_text_add(page, name);
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

/* The bounds of a page in the result, and the token of the page after. */
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
	sb_graph_add_text(body, "resultTruncated",
		 p.more && !pageable(&r->kql) ? "true" : "false");
	if (p.token != NULL)
		sb_graph_add_text(body, "$skipToken", p.token);
	json_object_object_add(body, "facets", json_object_new_array());
	json_object_object_add(body, "data", data);
	sb_reply_json(reply, 200, body);
	free(p.token);
}

/*
 * Replies with the page written as JSON text into one buffer, byte for
 * byte what reply_page_objects() sends without a fault. A json-c object
 * per row and serialising them took about 3.5 ms for a page of 1,000
 * generated vaults. Copying template text takes a fraction of that.
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
	sb_text_add(&page, head);
	free(head);
	if (p.token != NULL) {
		/* base64url text needs no JSON escaping. */
		sb_text_add(&page, "\"$skipToken\":\"");
		sb_text_add(&page, p.token);
		sb_text_add(&page, "\",");
	}
	sb_text_add(&page, "\"facets\":[],\"data\":[");
	for (size_t i = p.start; i < p.end; i++) {
		if (i > p.start)
			sb_text_add(&page, ",");
		if (!generated || !write_template_row(req, r, res, &gen,
						      &hits->items[i], &page))
			write_built_row(req, r, &hits->items[i], &page);
	}
	sb_text_add(&page, "]}");
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
					   &sb_graph_result_get(req, &r)->hits,
					   fault);
		else
			reply_page_text(req, reply, &r,
					sb_graph_result_get(req, &r));
	}
	sb_kql_clear(&r.kql);
	json_object_put(r.in);
}
