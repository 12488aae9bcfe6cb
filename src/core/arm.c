#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/arm.h"
#include "core/buf.h"
#include "core/jsonutil.h"
#include "core/log.h"
#include "core/sanitize.h"
#include "i18n.h"

/* PrincipalNotFound retries while a new service principal replicates. */
#define PRINCIPAL_RETRIES 6

/* --- Parsing ------------------------------------------------------------ */

static void strv_free(char **v)
{
	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/*
 * Returns a NULL-terminated copy of the strings in the array at path.
 * Non-strings are skipped, and a missing array gives an empty list.
 */
static char **strv_from_json(json_object *obj, const char *path)
{
	json_object *array = kvl_json_path(obj, path);
	size_t n = 0, count = 0;
	char **v;

	if (array != NULL && json_object_is_type(array, json_type_array))
		n = json_object_array_length(array);
	v = calloc(n + 1, sizeof(*v));
	if (v == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		json_object *item = json_object_array_get_idx(array, i);

		if (!json_object_is_type(item, json_type_string))
			continue;
		v[count] = strdup(json_object_get_string(item));
		if (v[count] == NULL) {
			strv_free(v);
			return NULL;
		}
		count++;
	}
	return v;
}

/*
 * Returns a copy of the segment after name in a resource id
 * ("/subscriptions/S/resourceGroups/R/..."), matching name without
 * regard to case, or NULL.
 */
static char *id_segment_after(const char *id, const char *name)
{
	size_t name_len = strlen(name);
	const char *p = id;

	while (p != NULL && *p != '\0') {
		const char *seg = p[0] == '/' ? p + 1 : p;
		size_t len = strcspn(seg, "/");

		if (len == name_len && strncasecmp(seg, name, len) == 0 &&
		    seg[len] == '/' && seg[len + 1] != '/' &&
		    seg[len + 1] != '\0')
			return strndup(seg + len + 1,
				       strcspn(seg + len + 1, "/"));
		p = seg[len] == '/' ? seg + len : NULL;
	}
	return NULL;
}

/*
 * Returns "VERB on NAME", where NAME is the last segment of resource id
 * before any Microsoft.Authorization path and query, so that an error
 * names the vault a call was about. NULL only when out of memory; the
 * caller frees.
 */
static char *operation_on(const char *verb, const char *id)
{
	const char *auth = id ? strcasestr(id, "/providers/Microsoft."
					   "Authorization") : NULL;
	size_t end = auth ? (size_t)(auth - id) : (id ? strcspn(id, "?")
							 : 0);
	size_t start = end;
	char *text = NULL;

	while (start > 0 && id[start - 1] != '/')
		start--;
	if (end == start)
		return strdup(verb);
	if (asprintf(&text, "%s on %.*s", verb, (int)(end - start),
		     id + start) < 0)
		return NULL;
	return text;
}

const char *kvl_arm_id_tail(const char *id)
{
	const char *slash = id != NULL ? strrchr(id, '/') : NULL;

	return slash != NULL ? slash + 1 : id;
}

char *kvl_arm_id_last_segment(const char *id)
{
	size_t len = strlen(id);
	const char *start;

	while (len > 0 && id[len - 1] == '/')
		len--;
	start = id + len;
	while (start > id && start[-1] != '/')
		start--;
	return strndup(start, (size_t)(id + len - start));
}

static kvl_result parse_subscription_fields(json_object *item,
					    struct kvl_subscription *out,
					    struct kvl_error *err)
{
	const char *id = kvl_json_str(item, "id");

	memset(out, 0, sizeof(*out));
	out->subscription_id = kvl_json_strdup(item, "subscriptionId");
	if (out->subscription_id == NULL && id != NULL)
		out->subscription_id = id_segment_after(id, "subscriptions");
	if (out->subscription_id == NULL)
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("subscription without an id"));
	/* Kept as Azure sent it (valid UTF-8 only), so that JSON output
	 * shows the real name; every screen and text output sanitises it. */
	out->display_name = kvl_utf8_repair(kvl_json_str(item,
							  "displayName"));
	out->state = kvl_json_strdup(item, "state");
	out->tenant_id = kvl_json_strdup(item, "tenantId");
	return KVL_OK;
}

static kvl_result parse_resource_group_fields(json_object *item,
					      struct kvl_resource_group *out,
					      struct kvl_error *err)
{
	memset(out, 0, sizeof(*out));
	out->name = kvl_json_strdup(item, "name");
	if (out->name == NULL)
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("resource group without a name"));
	out->location = kvl_json_strdup(item, "location");
	return KVL_OK;
}

/* The entry's "permissions" object as compact JSON text; caller frees. */
static char *permissions_text(json_object *item)
{
	json_object *perms = kvl_json_path(item, "permissions");

	const char *text;

	if (perms == NULL || !json_object_is_type(perms, json_type_object))
		return strdup("{}");
	text = json_object_to_json_string_ext(perms, JSON_C_TO_STRING_PLAIN |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
	return text != NULL ? strdup(text) : NULL;
}

static kvl_result parse_policy(json_object *item, struct kvl_access_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->tenant_id = kvl_json_strdup(item, "tenantId");
	p->object_id = kvl_json_strdup(item, "objectId");
	p->application_id = kvl_json_strdup(item, "applicationId");
	p->keys = strv_from_json(item, "permissions.keys");
	p->secrets = strv_from_json(item, "permissions.secrets");
	p->certificates = strv_from_json(item, "permissions.certificates");
	p->permissions_json = permissions_text(item);
	if (!p->keys || !p->secrets || !p->certificates ||
	    !p->permissions_json)
		return KVL_ERR_NOMEM;
	return KVL_OK;
}

static void policy_clear(struct kvl_access_policy *p)
{
	free(p->tenant_id);
	free(p->object_id);
	free(p->application_id);
	strv_free(p->keys);
	strv_free(p->secrets);
	strv_free(p->certificates);
	free(p->permissions_json);
	memset(p, 0, sizeof(*p));
}

static kvl_result parse_policies(json_object *item, struct kvl_vault *v)
{
	json_object *array = kvl_json_path(item, "properties.accessPolicies");
	size_t n;

	if (array == NULL || !json_object_is_type(array, json_type_array))
		return KVL_OK;
	n = json_object_array_length(array);
	v->policies = calloc(n ? n : 1, sizeof(*v->policies));
	if (v->policies == NULL)
		return KVL_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		json_object *entry = json_object_array_get_idx(array, i);

		if (!json_object_is_type(entry, json_type_object))
			continue;
		if (parse_policy(entry, &v->policies[v->n_policies++]) !=
		    KVL_OK)
			return KVL_ERR_NOMEM;
	}
	return KVL_OK;
}

static kvl_result parse_vault_fields(json_object *item,
				     struct kvl_vault *out,
				     struct kvl_error *err)
{
	memset(out, 0, sizeof(*out));
	out->id = kvl_json_strdup(item, "id");
	if (out->id == NULL || out->id[0] != '/')
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("key vault without a resource id"));

	out->name = kvl_json_strdup(item, "name");
	if (out->name == NULL)
		out->name = kvl_arm_id_last_segment(out->id);
	out->subscription_id = id_segment_after(out->id, "subscriptions");
	out->resource_group = id_segment_after(out->id, "resourceGroups");

	out->location = kvl_json_strdup(item, "location");
	out->tenant_id = kvl_json_strdup(item, "properties.tenantId");
	out->vault_uri = kvl_json_strdup(item, "properties.vaultUri");
	out->sku = kvl_json_strdup(item, "properties.sku.name");

	out->rbac = kvl_json_bool(item, "properties.enableRbacAuthorization",
				  false);
	out->soft_delete = kvl_json_bool(item, "properties.enableSoftDelete",
					 true);
	out->purge_protection =
		kvl_json_bool(item, "properties.enablePurgeProtection", false);

	out->default_action =
		kvl_json_strdup(item, "properties.networkAcls.defaultAction");
	out->bypass = kvl_json_strdup(item, "properties.networkAcls.bypass");
	out->public_network_access =
		kvl_json_strdup(item, "properties.publicNetworkAccess");
	out->provisioning_state =
		kvl_json_strdup(item, "properties.provisioningState");

	if (parse_policies(item, out) != KVL_OK)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	if (out->subscription_id == NULL || out->resource_group == NULL)
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("key vault id '%s' has no subscription "
				       "or resource group"), out->id);
	return KVL_OK;
}

static kvl_result parse_permission_fields(json_object *item,
					  struct kvl_permission *out,
					  struct kvl_error *err)
{
	memset(out, 0, sizeof(*out));
	out->actions = strv_from_json(item, "actions");
	out->not_actions = strv_from_json(item, "notActions");
	if (out->actions == NULL || out->not_actions == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	return KVL_OK;
}

static kvl_result parse_role_assignment_fields(json_object *item,
					       struct kvl_role_assignment *out,
					       struct kvl_error *err)
{
	memset(out, 0, sizeof(*out));
	out->id = kvl_json_strdup(item, "id");
	out->name = kvl_json_strdup(item, "name");
	out->scope = kvl_json_strdup(item, "properties.scope");
	out->role_definition_id =
		kvl_json_strdup(item, "properties.roleDefinitionId");
	out->principal_id = kvl_json_strdup(item, "properties.principalId");
	out->principal_type = kvl_json_strdup(item, "properties.principalType");
	if (out->id == NULL)
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("role assignment without an id"));
	return KVL_OK;
}

void kvl_subscription_clear(struct kvl_subscription *s)
{
	free(s->subscription_id);
	free(s->display_name);
	free(s->state);
	free(s->tenant_id);
	free(s->tenant_name);
	memset(s, 0, sizeof(*s));
}

void kvl_resource_group_clear(struct kvl_resource_group *rg)
{
	free(rg->name);
	free(rg->location);
	memset(rg, 0, sizeof(*rg));
}

void kvl_vault_clear(struct kvl_vault *v)
{
	free(v->id);
	free(v->name);
	free(v->subscription_id);
	free(v->resource_group);
	free(v->location);
	free(v->tenant_id);
	free(v->vault_uri);
	free(v->sku);
	free(v->default_action);
	free(v->bypass);
	free(v->public_network_access);
	free(v->provisioning_state);
	for (size_t i = 0; i < v->n_policies; i++)
		policy_clear(&v->policies[i]);
	free(v->policies);
	memset(v, 0, sizeof(*v));
}

void kvl_permission_clear(struct kvl_permission *p)
{
	strv_free(p->actions);
	strv_free(p->not_actions);
	memset(p, 0, sizeof(*p));
}

void kvl_role_assignment_clear(struct kvl_role_assignment *ra)
{
	free(ra->id);
	free(ra->name);
	free(ra->scope);
	free(ra->role_definition_id);
	free(ra->principal_id);
	free(ra->principal_type);
	memset(ra, 0, sizeof(*ra));
}

bool kvl_subscription_usable(const struct kvl_subscription *sub)
{
	return sub->state == NULL ||
	       (strcasecmp(sub->state, "Disabled") != 0 &&
		strcasecmp(sub->state, "Deleted") != 0);
}

void kvl_subscriptions_free(struct kvl_subscription *v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++)
		kvl_subscription_clear(&v[i]);
	free(v);
}

void kvl_resource_groups_free(struct kvl_resource_group *v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++)
		kvl_resource_group_clear(&v[i]);
	free(v);
}

void kvl_vaults_free(struct kvl_vault *v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++)
		kvl_vault_clear(&v[i]);
	free(v);
}

void kvl_permissions_free(struct kvl_permission *v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++)
		kvl_permission_clear(&v[i]);
	free(v);
}

void kvl_role_assignments_free(struct kvl_role_assignment *v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++)
		kvl_role_assignment_clear(&v[i]);
	free(v);
}

/* Case-insensitive glob match where '*' matches any run of characters. */
static bool wildcard_match(const char *pattern, const char *text)
{
	const char *star = NULL, *resume = NULL;

	while (*text != '\0') {
		if (*pattern == '*') {
			star = pattern++;
			resume = text;
		} else if (tolower((unsigned char)*pattern) ==
			   tolower((unsigned char)*text)) {
			pattern++;
			text++;
		} else if (star != NULL) {
			pattern = star + 1;
			text = ++resume;
		} else {
			return false;
		}
	}
	while (*pattern == '*')
		pattern++;
	return *pattern == '\0';
}

static bool any_match(char *const *patterns, const char *action)
{
	for (size_t i = 0; patterns != NULL && patterns[i] != NULL; i++) {
		if (wildcard_match(patterns[i], action))
			return true;
	}
	return false;
}

bool kvl_permissions_allow(const struct kvl_permission *p, size_t n,
			   const char *action)
{
	for (size_t i = 0; i < n; i++) {
		if (any_match(p[i].actions, action) &&
		    !any_match(p[i].not_actions, action))
			return true;
	}
	return false;
}

bool kvl_region_equal(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return false;
	for (;;) {
		while (*a == ' ')
			a++;
		while (*b == ' ')
			b++;
		if (*a == '\0' || *b == '\0')
			return *a == *b;
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return false;
		a++;
		b++;
	}
}

kvl_result kvl_arm_parse_subscription(json_object *item,
				      struct kvl_subscription *out,
				      struct kvl_error *err)
{
	kvl_result res = parse_subscription_fields(item, out, err);

	if (res != KVL_OK)
		kvl_subscription_clear(out);
	return res;
}

kvl_result kvl_arm_parse_resource_group(json_object *item,
					struct kvl_resource_group *out,
					struct kvl_error *err)
{
	kvl_result res = parse_resource_group_fields(item, out, err);

	if (res != KVL_OK)
		kvl_resource_group_clear(out);
	return res;
}

kvl_result kvl_arm_parse_vault(json_object *item, struct kvl_vault *out,
			       struct kvl_error *err)
{
	kvl_result res = parse_vault_fields(item, out, err);

	if (res != KVL_OK)
		kvl_vault_clear(out);
	return res;
}

kvl_result kvl_arm_parse_permission(json_object *item,
				    struct kvl_permission *out,
				    struct kvl_error *err)
{
	kvl_result res = parse_permission_fields(item, out, err);

	if (res != KVL_OK)
		kvl_permission_clear(out);
	return res;
}

kvl_result kvl_arm_parse_role_assignment(json_object *item,
					 struct kvl_role_assignment *out,
					 struct kvl_error *err)
{
	kvl_result res = parse_role_assignment_fields(item, out, err);

	if (res != KVL_OK)
		kvl_role_assignment_clear(out);
	return res;
}

/* --- Calls ---------------------------------------------------------------- */

/* Collects parsed items of a paged list into a growing array. */
struct collector {
	char *items;
	size_t n;
	size_t size;
	kvl_result (*parse)(json_object *item, void *out,
			    struct kvl_error *err);
	const char *item_kind;	/* for the log: "key vault" */
};

static kvl_result collect_item(json_object *item, void *ctx)
{
	struct collector *c = ctx;
	struct kvl_error err;
	char *grown;

	grown = realloc(c->items, (c->n + 1) * c->size);
	if (grown == NULL)
		return KVL_ERR_NOMEM;
	c->items = grown;
	kvl_error_init(&err);
	if (c->parse(item, c->items + c->n * c->size, &err) == KVL_OK)
		c->n++;
	else
		kvl_log("skipping a %s Azure listed: %s", c->item_kind,
			err.message ? err.message : "unreadable");
	kvl_error_clear(&err);
	return KVL_OK;
}

static kvl_result parse_resource_group_any(json_object *item, void *out,
					   struct kvl_error *err)
{
	return kvl_arm_parse_resource_group(item, out, err);
}

static kvl_result parse_vault_any(json_object *item, void *out,
				  struct kvl_error *err)
{
	return kvl_arm_parse_vault(item, out, err);
}

static kvl_result parse_permission_any(json_object *item, void *out,
				       struct kvl_error *err)
{
	return kvl_arm_parse_permission(item, out, err);
}

/* Appends a path segment percent-encoded, so names cannot add segments. */
static void add_segment(struct kvl_buf *url, const char *segment)
{
	kvl_buf_adds(url, "/");
	kvl_buf_add_urlencoded(url, segment);
}

/* Starts {resourceManager}{id}, or returns false for a bad resource id. */
static bool start_url(struct kvl_buf *url, struct kvl_azure *az,
		      const char *id)
{
	kvl_buf_init(url);
	kvl_buf_adds(url, az->cloud.resource_manager);
	if (id == NULL)
		return true;
	if (id[0] != '/' || strstr(id, "..") != NULL ||
	    strpbrk(id, "?#% ") != NULL)
		return false;
	kvl_buf_adds(url, id);
	return true;
}

/* A Resource Manager token for url, from the tenant recorded for the
 * subscription that url names (the sign-in tenant when none is). */
static kvl_result arm_token(struct kvl_azure *az, const char *url,
			    const char **token, struct kvl_error *err)
{
	return kvl_azure_arm_token(az, kvl_azure_tenant_of(az, url), token,
				   err);
}

/* Copies the last path segment of the authority URL that Resource
 * Manager names in an InvalidAuthenticationTokenTenant message ("...
 * Please use the authority (URL) 'https://login.windows.net/{tenant}'
 * to get the token."); NULL when the message has none. */
static char *authority_tenant(const char *message)
{
	static const char marker[] = "authority (URL) '";
	const char *start = message ? strstr(message, marker) : NULL;
	const char *end, *seg;

	if (start == NULL)
		return NULL;
	start += strlen(marker);
	end = strchr(start, '\'');
	while (end != NULL && end > start && end[-1] == '/')
		end--;
	if (end == NULL || end == start)
		return NULL;
	seg = end;
	while (seg > start && seg[-1] != '/')
		seg--;
	return seg < end ? strndup(seg, (size_t)(end - seg)) : NULL;
}

/*
 * Learns the tenant of the subscription in url from Resource Manager's
 * 401 InvalidAuthenticationTokenTenant, its response to a token of
 * another tenant, and records it. Returns whether the call is worth repeating
 * with that tenant's token.
 */
static bool learn_tenant(struct kvl_azure *az, const char *url,
			 const struct kvl_error *err)
{
	static const char key[] = "/subscriptions/";
	const char *known = kvl_azure_tenant_of(az, url);
	const char *start = strcasestr(url, key);
	char *tenant, *sub = NULL;
	bool learned = false;

	if (err->azure_code == NULL || start == NULL ||
	    strcmp(err->azure_code, "InvalidAuthenticationTokenTenant") != 0)
		return false;
	tenant = authority_tenant(err->azure_message);
	start += strlen(key);
	sub = strndup(start, strcspn(start, "/?"));
	if (tenant != NULL && sub != NULL && *sub != '\0' &&
	    (known == NULL || strcasecmp(known, tenant) != 0))
		learned = kvl_azure_set_tenant_of(az, sub, tenant) == KVL_OK;
	free(tenant);
	free(sub);
	return learned;
}

static kvl_result arm_list(struct kvl_azure *az, struct kvl_buf *url,
			   const char *operation, struct collector *c,
			   struct kvl_error *err)
{
	const char *token;
	kvl_result res;

	if (url->data == NULL) {
		res = kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
		goto out;
	}
	res = arm_token(az, url->data, &token, err);
	if (res == KVL_OK)
		res = kvl_http_list(az->http, url->data, token, "nextLink",
				    operation, collect_item, c, err);
	if (res != KVL_OK && c->n == 0 && learn_tenant(az, url->data, err)) {
		kvl_error_clear(err);
		res = arm_token(az, url->data, &token, err);
		if (res == KVL_OK)
			res = kvl_http_list(az->http, url->data, token,
					    "nextLink", operation,
					    collect_item, c, err);
	}
out:
	kvl_buf_clear(url);
	return res;
}


/* Sends one Resource Manager request with the token of url's tenant,
 * and once more when the response names another tenant. */
static kvl_result arm_send(struct kvl_azure *az, const char *method,
			   const char *url, json_object *body,
			   const char *operation, json_object **reply,
			   struct kvl_error *err)
{
	const char *token;
	kvl_result res;

	res = arm_token(az, url, &token, err);
	if (res == KVL_OK)
		res = kvl_http_json(az->http, method, url, token, body,
				    operation, reply, err);
	if (res == KVL_OK || !learn_tenant(az, url, err))
		return res;
	kvl_error_clear(err);
	json_object_put(*reply);
	*reply = NULL;
	res = arm_token(az, url, &token, err);
	if (res == KVL_OK)
		res = kvl_http_json(az->http, method, url, token, body,
				    operation, reply, err);
	return res;
}

static kvl_result arm_get(struct kvl_azure *az, struct kvl_buf *url,
			  const char *operation, json_object **body,
			  struct kvl_error *err)
{
	kvl_result res;

	*body = NULL;
	if (url->data == NULL) {
		res = kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
		goto out;
	}
	res = arm_send(az, "GET", url->data, NULL, operation, body, err);
out:
	kvl_buf_clear(url);
	return res;
}

kvl_result kvl_arm_list_path(struct kvl_azure *az, const char *path,
			     const char *operation, const char *item_kind,
			     size_t item_size, kvl_arm_parse_fn parse,
			     void **out, size_t *n, struct kvl_error *err)
{
	struct collector c = { NULL, 0, item_size, parse, item_kind };
	struct kvl_buf url;
	kvl_result res;

	start_url(&url, az, NULL);
	kvl_buf_adds(&url, path);
	res = arm_list(az, &url, operation, &c, err);
	*out = c.items;
	*n = c.n;
	return res;
}

kvl_result kvl_arm_get_path(struct kvl_azure *az, const char *path,
			    const char *operation, json_object **body,
			    struct kvl_error *err)
{
	struct kvl_buf url;

	start_url(&url, az, NULL);
	kvl_buf_adds(&url, path);
	return arm_get(az, &url, operation, body, err);
}

kvl_result kvl_arm_get_subscription(struct kvl_azure *az, const char *sub,
				    struct kvl_subscription *out,
				    struct kvl_error *err)
{
	struct kvl_buf url;
	json_object *body;
	kvl_result res;

	memset(out, 0, sizeof(*out));
	start_url(&url, az, NULL);
	kvl_buf_adds(&url, "/subscriptions");
	add_segment(&url, sub);
	kvl_buf_addf(&url, "?api-version=%s", KVL_API_SUBSCRIPTIONS);
	res = arm_get(az, &url, _("get the subscription"), &body, err);
	if (res == KVL_OK)
		res = kvl_arm_parse_subscription(body, out, err);
	json_object_put(body);
	return res;
}

kvl_result kvl_arm_list_resource_groups(struct kvl_azure *az, const char *sub,
					struct kvl_resource_group **out,
					size_t *n, struct kvl_error *err)
{
	struct collector c = { NULL, 0, sizeof(**out),
			       parse_resource_group_any, "resource group" };
	struct kvl_buf url;
	kvl_result res;

	start_url(&url, az, NULL);
	kvl_buf_adds(&url, "/subscriptions");
	add_segment(&url, sub);
	kvl_buf_addf(&url, "/resourcegroups?api-version=%s",
		     KVL_API_RESOURCE_GROUPS);
	kvl_sink_progress(az->sink, _("Listing resource groups"));
	res = arm_list(az, &url, _("list resource groups"), &c, err);
	if (res != KVL_OK) {
		kvl_resource_groups_free((struct kvl_resource_group *)c.items,
					 c.n);
		c.items = NULL, c.n = 0;
	}
	*out = (struct kvl_resource_group *)c.items;
	*n = c.n;
	return res;
}

static void vault_path(struct kvl_buf *url, const char *sub, const char *rg)
{
	kvl_buf_adds(url, "/subscriptions");
	add_segment(url, sub);
	if (rg != NULL) {
		kvl_buf_adds(url, "/resourceGroups");
		add_segment(url, rg);
	}
	kvl_buf_adds(url, "/providers/Microsoft.KeyVault/vaults");
}

kvl_result kvl_arm_list_vaults(struct kvl_azure *az, const char *sub,
			       const char *resource_group,
			       struct kvl_vault **out, size_t *n,
			       struct kvl_error *err)
{
	struct collector c = { NULL, 0, sizeof(**out), parse_vault_any,
			       "key vault" };
	struct kvl_buf url;
	kvl_result res;

	start_url(&url, az, NULL);
	vault_path(&url, sub, resource_group);
	kvl_buf_addf(&url, "?api-version=%s", KVL_API_KEYVAULT);
	kvl_sink_progress(az->sink, _("Listing key vaults"));
	res = arm_list(az, &url, _("list the key vaults of the subscription"),
		       &c, err);
	if (res != KVL_OK) {
		kvl_vaults_free((struct kvl_vault *)c.items, c.n);
		c.items = NULL, c.n = 0;
	}
	*out = (struct kvl_vault *)c.items;
	*n = c.n;
	return res;
}

kvl_result kvl_arm_get_vault(struct kvl_azure *az, const char *sub,
			     const char *resource_group, const char *name,
			     struct kvl_vault *out, struct kvl_error *err)
{
	struct kvl_buf url;
	json_object *body;
	char *operation = NULL;
	kvl_result res;

	memset(out, 0, sizeof(*out));
	start_url(&url, az, NULL);
	vault_path(&url, sub, resource_group);
	add_segment(&url, name);
	kvl_buf_addf(&url, "?api-version=%s", KVL_API_KEYVAULT);
	if (asprintf(&operation, _("get key vault %s"), name) < 0)
		operation = NULL;
	res = arm_get(az, &url, operation ? operation : _("get key vault"),
							&body,
		      err);
	free(operation);
	if (res == KVL_OK)
		res = kvl_arm_parse_vault(body, out, err);
	json_object_put(body);
	return res;
}

kvl_result kvl_arm_get_permissions(struct kvl_azure *az, const char *scope,
				   struct kvl_permission **out, size_t *n,
				   struct kvl_error *err)
{
	struct collector c = { NULL, 0, sizeof(**out), parse_permission_any,
			       "permission entry" };
	struct kvl_buf url;
	char *operation;
	kvl_result res;

	*out = NULL;
	*n = 0;
	if (!start_url(&url, az, scope)) {
		kvl_buf_clear(&url);
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("'%s' is not a resource id"), scope);
	}
	kvl_buf_addf(&url, "/providers/Microsoft.Authorization/permissions"
		     "?api-version=%s", KVL_API_AUTHORIZATION);
	operation = operation_on(_("check permissions"), scope);
	res = arm_list(az, &url, operation ? operation : _("check permissions"),
		       &c, err);
	free(operation);
	if (res != KVL_OK) {
		kvl_permissions_free((struct kvl_permission *)c.items, c.n);
		c.items = NULL, c.n = 0;
	}
	*out = (struct kvl_permission *)c.items;
	*n = c.n;
	return res;
}

static kvl_result parse_role_assignment_any(json_object *item, void *out,
					    struct kvl_error *err)
{
	return kvl_arm_parse_role_assignment(item, out, err);
}

kvl_result kvl_arm_list_role_assignments(struct kvl_azure *az,
					 const char *scope,
					 const char *principal_id,
					 struct kvl_role_assignment **out,
					 size_t *n, struct kvl_error *err)
{
	struct collector c = { NULL, 0, sizeof(**out),
			       parse_role_assignment_any, "role assignment" };
	struct kvl_buf url;
	char *operation;
	kvl_result res;

	*out = NULL;
	*n = 0;
	if (!start_url(&url, az, scope)) {
		kvl_buf_clear(&url);
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("'%s' is not a resource id"), scope);
	}
	kvl_buf_addf(&url, "/providers/Microsoft.Authorization/"
		     "roleAssignments?api-version=%s&$filter=",
		     KVL_API_AUTHORIZATION);
	kvl_buf_add_urlencoded(&url, "principalId eq '");
	kvl_buf_add_urlencoded(&url, principal_id);
	kvl_buf_add_urlencoded(&url, "'");
	operation = operation_on(_("list role assignments"), scope);
	res = arm_list(az, &url, operation ? operation
		       : _("list role assignments"), &c, err);
	free(operation);
	if (res != KVL_OK) {
		kvl_role_assignments_free(
			(struct kvl_role_assignment *)c.items, c.n);
		c.items = NULL, c.n = 0;
	}
	*out = (struct kvl_role_assignment *)c.items;
	*n = c.n;
	return res;
}

static json_object *get_list_array(void)
{
	json_object *a = json_object_new_array();

	json_object_array_add(a, json_object_new_string("get"));
	json_object_array_add(a, json_object_new_string("list"));
	return a;
}

/* Get and list on keys, secrets and certificates: what a link grants. */
static json_object *get_list_permissions(void)
{
	json_object *perms = json_object_new_object();

	json_object_object_add(perms, "keys", get_list_array());
	json_object_object_add(perms, "secrets", get_list_array());
	json_object_object_add(perms, "certificates", get_list_array());
	return perms;
}

/*
 * {"properties":{"accessPolicies":[{tenantId, objectId, permissions}]}}.
 * Takes ownership of perms.
 */
static json_object *access_policy_body(const char *tenant_id,
				       const char *object_id,
				       json_object *perms)
{
	json_object *entry = json_object_new_object();
	json_object *list = json_object_new_array();
	json_object *props = json_object_new_object();
	json_object *body = json_object_new_object();

	json_object_object_add(entry, "tenantId",
			       json_object_new_string(tenant_id));
	json_object_object_add(entry, "objectId",
			       json_object_new_string(object_id));
	json_object_object_add(entry, "permissions", perms);
	json_object_array_add(list, entry);
	json_object_object_add(props, "accessPolicies", list);
	json_object_object_add(body, "properties", props);
	return body;
}

/* PUT .../accessPolicies/<kind> for object_id; takes ownership of perms. */
static kvl_result update_access_policy(struct kvl_azure *az,
				       const struct kvl_vault *vault,
				       const char *object_id,
				       json_object *perms, const char *kind,
				       const char *operation,
				       struct kvl_error *err)
{
	json_object *body = NULL, *reply = NULL;
	struct kvl_buf url;
	char *named = NULL;
	kvl_result res;

	if (vault->tenant_id == NULL || object_id == NULL) {
		json_object_put(perms);
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("key vault '%s' has no tenant id, or "
				       "no principal was given"), vault->name);
	}
	if (!start_url(&url, az, vault->id)) {
		json_object_put(perms);
		kvl_buf_clear(&url);
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("'%s' is not a key vault resource id"),
				     vault->id);
	}

	kvl_buf_addf(&url, "/accessPolicies/%s?api-version=%s", kind,
		     KVL_API_KEYVAULT);
	body = access_policy_body(vault->tenant_id, object_id, perms);
	if (url.data == NULL || body == NULL)
		res = kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	else if (asprintf(&named, _("%s on %s"), operation, vault->name) < 0)
		res = kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	else
		res = arm_send(az, "PUT", url.data, body, named, &reply, err);
	if (res == KVL_OK)
		kvl_log("access policy %s for %s on %s", kind, object_id,
			vault->id);
	free(named);

	json_object_put(reply);
	json_object_put(body);
	kvl_buf_clear(&url);
	return res;
}

kvl_result kvl_arm_add_access_policy(struct kvl_azure *az,
				     const struct kvl_vault *vault,
				     const char *object_id,
				     struct kvl_error *err)
{
	return update_access_policy(az, vault, object_id,
				    get_list_permissions(), "add",
				    _("add access policy"), err);
}

kvl_result kvl_arm_remove_access_policy(struct kvl_azure *az,
					const struct kvl_vault *vault,
					const char *object_id,
					struct kvl_error *err)
{
	return update_access_policy(az, vault, object_id,
				    get_list_permissions(), "remove",
				    _("remove access policy"), err);
}

kvl_result kvl_arm_replace_access_policy(struct kvl_azure *az,
					 const struct kvl_vault *vault,
					 const char *object_id,
					 const char *permissions_json,
					 struct kvl_error *err)
{
	json_object *perms = NULL;
	kvl_result res;

	res = kvl_json_parse(permissions_json,
			     permissions_json ? strlen(permissions_json) : 0,
			     "the recorded access policy permissions", &perms,
			     err);
	if (res != KVL_OK)
		return res;
	if (!json_object_is_type(perms, json_type_object)) {
		json_object_put(perms);
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("the recorded access policy "
				       "permissions are not a JSON object; "
				       "fix environment.json or move it "
				       "aside"));
	}
	return update_access_policy(az, vault, object_id, perms, "replace",
				    _("restore access policy"), err);
}

static json_object *role_assignment_body(const char *sub,
					 const char *role_guid,
					 const char *principal_id)
{
	json_object *props = json_object_new_object();
	json_object *body = json_object_new_object();
	char *role_id = NULL;

	if (asprintf(&role_id, "/subscriptions/%s/providers/"
		     "Microsoft.Authorization/roleDefinitions/%s", sub,
		     role_guid) < 0)
		role_id = NULL;
	json_object_object_add(props, "roleDefinitionId",
			       json_object_new_string(role_id ? role_id : ""));
	json_object_object_add(props, "principalId",
			       json_object_new_string(principal_id));
	json_object_object_add(props, "principalType",
			       json_object_new_string("ServicePrincipal"));
	json_object_object_add(body, "properties", props);
	free(role_id);
	return body;
}

/*
 * Builds the full id of the existing assignment that a 409
 * RoleAssignmentExists message names ("... is 0123abcd...", 32 hex
 * digits without hyphens). NULL when the message names none.
 */
static char *existing_assignment_id(const char *scope, const char *message)
{
	const char *p = message;
	char *id = NULL;

	for (; p != NULL && *p != '\0'; p++) {
		size_t n = 0;

		while (n < 33 && isxdigit((unsigned char)p[n]))
			n++;
		if (n != 32 || (p > message && isalnum((unsigned char)p[-1])))
			continue;
		if (asprintf(&id, "%s/providers/Microsoft.Authorization/"
			     "roleAssignments/%.8s-%.4s-%.4s-%.4s-%.12s",
			     scope, p, p + 8, p + 12, p + 16, p + 20) < 0)
			id = NULL;
		for (char *c = id ? strrchr(id, '/') : NULL; c && *c; c++)
			*c = (char)tolower((unsigned char)*c);
		return id;
	}
	return NULL;
}

/* Sends the PUT once; on success *id gets the assignment's full id. */
static kvl_result put_role_assignment(struct kvl_azure *az, const char *url,
				      json_object *body, char **id,
				      struct kvl_error *err)
{
	json_object *reply = NULL;
	char *operation = operation_on(_("create role assignment"), url);
	kvl_result res;

	res = arm_send(az, "PUT", url, body, operation ? operation
		       : _("create role assignment"), &reply, err);
	free(operation);
	if (res == KVL_OK)
		*id = kvl_json_strdup(reply, "id");
	json_object_put(reply);
	return res;
}

static bool azure_code_is(const struct kvl_error *err, const char *code)
{
	return err->azure_code != NULL && strcmp(err->azure_code, code) == 0;
}

kvl_result kvl_arm_create_role_assignment(struct kvl_azure *az,
					  const char *scope,
					  const char *assignment_name,
					  const char *role_guid,
					  const char *principal_id,
					  char **assignment_id, bool *existing,
					  struct kvl_error *err)
{
	char *sub = scope ? id_segment_after(scope, "subscriptions") : NULL;
	json_object *body = NULL;
	struct kvl_buf url;
	kvl_result res;

	*assignment_id = NULL;
	*existing = false;
	if (sub == NULL || !start_url(&url, az, scope)) {
		free(sub);
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("'%s' is not a resource id inside a "
				       "subscription"), scope ? scope : "");
	}

	kvl_buf_adds(&url,
		     "/providers/Microsoft.Authorization/roleAssignments");
	add_segment(&url, assignment_name);
	kvl_buf_addf(&url, "?api-version=%s", KVL_API_AUTHORIZATION);
	body = role_assignment_body(sub, role_guid, principal_id);
	if (url.data == NULL || body == NULL) {
		res = kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
		goto out;
	}

	for (int attempt = 0;; attempt++) {
		res = put_role_assignment(az, url.data, body, assignment_id,
					  err);
		if (res != KVL_ERR_HTTP || attempt >= PRINCIPAL_RETRIES ||
		    !azure_code_is(err, "PrincipalNotFound"))
			break;
		kvl_log("role assignment: principal %s not found yet, "
			"retrying (attempt %d)", principal_id, attempt + 1);
		if (!kvl_http_backoff_wait(az->http, attempt)) {
			res = kvl_error_set(err, KVL_ERR_CANCELLED,
					    "cancelled");
			break;
		}
		kvl_error_clear(err);
	}

	if (res == KVL_ERR_CONFLICT &&
	    azure_code_is(err, "RoleAssignmentExists")) {
		*existing = true;
		*assignment_id = existing_assignment_id(scope,
							err->azure_message);
		kvl_log("role assignment already exists: %s",
			*assignment_id ? *assignment_id : "(id not given)");
		kvl_error_clear(err);
		res = KVL_OK;
	}

out:
	json_object_put(body);
	kvl_buf_clear(&url);
	free(sub);
	return res;
}

kvl_result kvl_arm_delete_role_assignment(struct kvl_azure *az,
					  const char *assignment_id,
					  struct kvl_error *err)
{
	json_object *reply = NULL;
	struct kvl_buf url;
	char *operation;
	kvl_result res;

	if (!start_url(&url, az, assignment_id)) {
		kvl_buf_clear(&url);
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("'%s' is not a role assignment id"),
				     assignment_id);
	}
	kvl_buf_addf(&url, "?api-version=%s", KVL_API_AUTHORIZATION);
	operation = operation_on(_("delete role assignment"), assignment_id);
	res = arm_send(az, "DELETE", url.data, NULL, operation ? operation
		       : _("delete role assignment"), &reply, err);
	free(operation);
	if (res == KVL_ERR_NOT_FOUND) {
		kvl_log("role assignment %s was already gone", assignment_id);
		kvl_error_clear(err);
		res = KVL_OK;
	}
	json_object_put(reply);
	kvl_buf_clear(&url);
	return res;
}
