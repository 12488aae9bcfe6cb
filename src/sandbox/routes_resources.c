/*
 * Resource Manager's generic resource list of a subscription:
 * GET /subscriptions/{s}/resources[?$filter=resourceType eq 'TYPE'].
 * The sandbox's only resources are key vaults, listed in the generic
 * shape (id, name, type, location, tags). azure-mgmt-keyvault's
 * vaults.list(), which az keyvault list calls, reads vaults this way with
 * api-version 2015-11-01.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox/sandbox.h"

#define VAULT_TYPE "Microsoft.KeyVault/vaults"

static const char *const resources_versions[] = {
	"2015-11-01", "2016-09-01", "2019-10-01", "2020-06-01", "2021-04-01",
	"2022-09-01", NULL };

/*
 * Sets *type to the resource type that filter requests: NULL for no
 * filter, else the TYPE of "resourceType eq 'TYPE'" (caller frees).
 * Returns false for any other filter.
 */
static bool filter_type(const char *filter, char **type)
{
	static const char prefix[] = "resourcetype eq '";
	size_t len;

	*type = NULL;
	if (filter == NULL)
		return true;
	while (isspace((unsigned char)*filter))
		filter++;
	if (strncasecmp(filter, prefix, sizeof(prefix) - 1) != 0)
		return false;
	filter += sizeof(prefix) - 1;
	len = strlen(filter);
	while (len > 0 && isspace((unsigned char)filter[len - 1]))
		len--;
	if (len < 2 || filter[len - 1] != '\'' ||
	    memchr(filter, '\'', len - 1) != NULL)
		return false;
	*type = strndup(filter, len - 1);
	return true;
}

static json_object *generic_json(json_object *vault_json)
{
	static const char *const keys[] = {
		"id", "name", "type", "location", "tags" };
	json_object *o = json_object_new_object();
	json_object *v;
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (json_object_object_get_ex(vault_json, keys[i], &v))
			json_object_object_add(o, keys[i],
					       json_object_get(v));
	return o;
}

/* The vaults of sub that the caller may read, in the generic shape. */
static json_object *readable_vaults(struct sb_request *req,
				    json_object *sub)
{
	json_object *items = json_object_new_array();
	struct sb_vault_refs refs;
	struct sb_gen_fields f;
	json_object *v, *full;
	char *scope;
	size_t i;

	sb_vault_refs_list(req->sb->tenant, sb_jstr(sub, "subscriptionId"),
			   &refs);
	for (i = 0; i < refs.n; i++) {
		sb_vault_ref_fields(req->sb->tenant, &refs.items[i], &f);
		scope = sb_vault_fields_scope(&f);
		if (sb_rbac_allows(req->sb->tenant,
				   sb_jstr(req->claims, "oid"), scope,
				   "Microsoft.KeyVault/vaults/read")) {
			v = sb_vault_ref_get(req->sb->tenant, &refs.items[i]);
			full = v ? sb_vault_json(req->sb, v) : NULL;
			if (full != NULL)
				json_object_array_add(items,
						      generic_json(full));
			json_object_put(full);
			json_object_put(v);
		}
		free(scope);
	}
	sb_vault_refs_clear(&refs);
	return items;
}

/* sb_arm_page's nextLink keeps api-version and $top; the filter must
 * carry over too, so that the next page lists the same type. */
static void keep_filter(struct sb_reply *reply, const char *filter)
{
	json_object *next;
	const char *p;
	char *link;
	size_t len = 0;

	if (filter == NULL || reply->json == NULL ||
	    !json_object_object_get_ex(reply->json, "nextLink", &next))
		return;
	link = malloc(strlen(json_object_get_string(next)) +
		      3 * strlen(filter) + sizeof("&$filter="));
	if (link == NULL)
		abort();
	len = (size_t)sprintf(link, "%s&$filter=",
			      json_object_get_string(next));
	for (p = filter; *p != '\0'; p++) {
		if (isalnum((unsigned char)*p) || strchr("-._~", *p))
			link[len++] = *p;
		else
			len += (size_t)sprintf(link + len, "%%%02X",
					       (unsigned char)*p);
	}
	link[len] = '\0';
	json_object_object_add(reply->json, "nextLink",
			       json_object_new_string(link));
	free(link);
}

void sb_route_resources(struct sb_request *req, struct sb_reply *reply,
			json_object *sub)
{
	const char *filter = sb_query(req, "$filter");
	char *type = NULL;

	if (!sb_arm_only_get(req, reply) ||
	    !sb_arm_check_version(req, reply, resources_versions))
		return;
	if (!filter_type(filter, &type)) {
		sb_arm_error(reply, 400, "BadRequest",
			     "The $filter '%s' is not supported by the "
			     "sandbox: use resourceType eq 'TYPE' or no "
			     "filter.", filter);
		return;
	}
	if (type == NULL || sb_ieq(type, VAULT_TYPE))
		sb_arm_page(req, reply, readable_vaults(req, sub));
	else
		sb_arm_page(req, reply, json_object_new_array());
	keep_filter(reply, filter);
	free(type);
}
