/*
 * Tenant description files: loading, checking and looking things up.
 *
 * A tenant file is one JSON object (kvlink-sandbox(1) has a full example):
 *
 *   tenant            {id, displayName, defaultDomain}
 *   defaultUser       object id or userPrincipalName of the user that the
 *                     device code flow signs in
 *   otherTenants      optional more directories (see tenants.c)
 *   users             [{id, userPrincipalName, displayName, tenantId?,
 *                       homeObjectId?}]
 *   servicePrincipals [{id, appId, displayName, tenantId?, clientSecret?,
 *                       certificates? (PEM texts), managedIdentity?,
 *                       federatedCredentials? [{name, issuer, subject,
 *                       audiences}]}]
 *   subscriptions     [{subscriptionId, displayName, state, tenantId?,
 *                       resourceGroups: [{name, location, tags?}]}]
 *   roleDefinitions   optional [{name (GUID), roleName, type, description,
 *                       permissions: [{actions, notActions, dataActions,
 *                       notDataActions}]}]; built-in roles are added
 *   roleAssignments   [{name (GUID), scope, role (roleName or GUID),
 *                       principalId, principalType?}]
 *   vaults            [{name, subscriptionId, resourceGroup, location,
 *                       tags?, sku?, enableRbacAuthorization?,
 *                       enableSoftDelete?, softDeleteRetentionInDays?,
 *                       enablePurgeProtection?, publicNetworkAccess?,
 *                       networkAcls?, accessPolicies?, secrets?}]
 *   secrets           [{name, value, version?, contentType?, tags?,
 *                       managed?, attributes: {enabled, nbf?, exp?,
 *                       created?, updated?}}]
 *   generated         optional {subscriptions, vaults, secrets,
 *                       materialized}: the vaults that --generate adds
 *                       without listing them (see generated.c)
 *
 * Loading fills in defaults (role GUIDs for role names, principal types,
 * secret versions, vault properties) so the rest of the sandbox and the
 * --state file always see the complete form.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox/sandbox.h"

#define DEFAULT_CREATED 1714550400	/* 2024-05-01T08:00:00Z */

struct check {
	const char *what;	/* file name or "the built-in tenant" */
	char *errbuf;
	size_t errlen;
	bool failed;
};

static void fail(struct check *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fail(struct check *c, const char *fmt, ...)
{
	char detail[384];
	va_list ap;

	if (c->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	snprintf(c->errbuf, c->errlen, "invalid tenant file '%s': %s",
		 c->what, detail);
	c->failed = true;
}

static json_object *need_array(struct check *c, json_object *obj,
			       const char *key, const char *where)
{
	json_object *v = sb_jarr(obj, key);

	if (v == NULL)
		fail(c, "%s: \"%s\" must be an array", where, key);
	return v;
}

static const char *need_string(struct check *c, json_object *obj,
			       const char *key, const char *where)
{
	const char *v = sb_jstr(obj, key);

	if (v == NULL || *v == '\0')
		fail(c, "%s: \"%s\" is missing or not a string", where, key);
	return v;
}

static void set_default_string(json_object *obj, const char *key,
			       const char *value)
{
	if (sb_jstr(obj, key) == NULL)
		json_object_object_add(obj, key,
				       json_object_new_string(value));
}

static void set_default_bool(json_object *obj, const char *key, bool value)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v))
		json_object_object_add(obj, key,
				       json_object_new_boolean(value));
}

static void set_default_int(json_object *obj, const char *key,
			    int64_t value)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v))
		json_object_object_add(obj, key, json_object_new_int64(value));
}

/* Checks that every element of the named array is an object with the
 * given string members. */
static json_object *check_list(struct check *c, json_object *root,
			       const char *key, const char *const *fields)
{
	json_object *list = need_array(c, root, key, "top level");
	size_t i, n;

	if (list == NULL)
		return NULL;
	n = json_object_array_length(list);
	for (i = 0; i < n && !c->failed; i++) {
		json_object *item = json_object_array_get_idx(list, i);
		const char *const *f;
		char where[64];

		snprintf(where, sizeof(where), "%s[%zu]", key, i);
		if (!json_object_is_type(item, json_type_object)) {
			fail(c, "%s must be an object", where);
			break;
		}
		for (f = fields; *f != NULL; f++)
			need_string(c, item, *f, where);
	}
	return list;
}

/* Whether s is a GUID in the 8-4-4-4-12 hex digit form. */
static bool is_guid(const char *s)
{
	for (size_t i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
	}
	return s[36] == '\0';
}

static void check_directory(struct check *c, json_object *root)
{
	static const char *const user_fields[] = {
		"id", "userPrincipalName", "displayName", NULL };
	static const char *const sp_fields[] = {
		"id", "appId", "displayName", NULL };
	json_object *tenant = sb_jobj(root, "tenant");
	const char *id;

	if (tenant == NULL) {
		fail(c, "\"tenant\" must be an object with an \"id\"");
		return;
	}
	id = need_string(c, tenant, "id", "tenant");
	if (id != NULL && *id != '\0' && !is_guid(id))
		fail(c, "tenant: \"id\" must be a GUID like "
		     "72f988bf-0000-4000-8000-00000000a001, not '%s'", id);
	set_default_string(tenant, "displayName", "Sandbox tenant");
	set_default_string(tenant, "defaultDomain", "sandbox.test");
	check_list(c, root, "users", user_fields);
	check_list(c, root, "servicePrincipals", sp_fields);
}

static void check_tenants(struct check *c, json_object *root)
{
	char *problem = sb_tenants_check(root);

	if (problem != NULL)
		fail(c, "%s", problem);
	free(problem);
}

static void check_subscriptions(struct check *c, json_object *root)
{
	static const char *const fields[] = {
		"subscriptionId", "displayName", "state", NULL };
	json_object *subs = check_list(c, root, "subscriptions", fields);
	size_t i, n = subs ? json_object_array_length(subs) : 0;

	for (i = 0; i < n && !c->failed; i++) {
		json_object *sub = json_object_array_get_idx(subs, i);
		static const char *const rg_fields[] = {
			"name", "location", NULL };
		json_object *rgs = sb_jarr(sub, "resourceGroups");
		size_t j, m = rgs ? json_object_array_length(rgs) : 0;

		if (rgs == NULL) {
			fail(c, "subscriptions[%zu]: \"resourceGroups\" must "
			     "be an array", i);
			break;
		}
		for (j = 0; j < m && !c->failed; j++) {
			json_object *rg = json_object_array_get_idx(rgs, j);
			const char *const *f;

			for (f = rg_fields; *f != NULL; f++)
				need_string(c, rg, *f, "a resource group");
		}
	}
}

/* Adds the built-in role definitions that the file does not define. */
static void add_builtin_roles(struct check *c, json_object *root)
{
	json_object *defs = sb_jarr(root, "roleDefinitions");
	json_object *builtins = sb_builtin_roles();
	size_t i, n = json_object_array_length(builtins);

	if (defs == NULL) {
		if (json_object_object_get_ex(root, "roleDefinitions", NULL)) {
			fail(c, "\"roleDefinitions\" must be an array");
			goto out;
		}
		defs = json_object_new_array();
		json_object_object_add(root, "roleDefinitions", defs);
	}
	for (i = 0; i < n; i++) {
		json_object *role = json_object_array_get_idx(builtins, i);

		if (sb_find_by(defs, "name", sb_jstr(role, "name")) == NULL)
			json_object_array_add(defs, json_object_get(role));
	}
out:
	json_object_put(builtins);
}

static void check_assignment(struct check *c, json_object *root,
			     json_object *ra, size_t i)
{
	const char *role = sb_jstr(ra, "role");
	const char *principal = sb_jstr(ra, "principalId");
	json_object *def;
	const char *type;

	if (role == NULL)
		role = sb_jstr(ra, "roleDefinitionId");
	if (role != NULL && strrchr(role, '/') != NULL)
		role = strrchr(role, '/') + 1;
	def = sb_tenant_role_definition(root, role);
	if (def == NULL) {
		fail(c, "roleAssignments[%zu]: role '%s' is not defined", i,
		     role ? role : "(missing)");
		return;
	}
	json_object_object_add(ra, "roleDefinitionId",
			       json_object_new_string(sb_jstr(def, "name")));
	json_object_object_del(ra, "role");

	if (sb_tenant_principal(root, principal, &type) == NULL) {
		fail(c, "roleAssignments[%zu]: principalId '%s' is neither a "
		     "user nor a service principal of the tenant", i,
		     principal ? principal : "(missing)");
		return;
	}
	set_default_string(ra, "principalType", type);
	set_default_string(ra, "createdOn", "2024-05-01T08:00:00.0000000Z");
}

static void check_assignments(struct check *c, json_object *root)
{
	static const char *const fields[] = {
		"name", "scope", "principalId", NULL };
	json_object *list = check_list(c, root, "roleAssignments", fields);
	size_t i, n = list ? json_object_array_length(list) : 0;

	for (i = 0; i < n && !c->failed; i++)
		check_assignment(c, root, json_object_array_get_idx(list, i),
				 i);
}

static void fill_secret(struct check *c, const char *vault,
			json_object *secret)
{
	json_object *attrs = sb_jobj(secret, "attributes");
	char *seed, hex[65];

	need_string(c, secret, "name", vault);
	need_string(c, secret, "value", vault);
	if (c->failed)
		return;
	if (sb_jstr(secret, "version") == NULL) {
		seed = sb_printf("%s/%s", vault, sb_jstr(secret, "name"));
		sb_sha256_hex(seed, hex);
		hex[32] = '\0';
		json_object_object_add(secret, "version",
				       json_object_new_string(hex));
		free(seed);
	}
	if (attrs == NULL) {
		attrs = json_object_new_object();
		json_object_object_add(secret, "attributes", attrs);
	}
	set_default_bool(attrs, "enabled", true);
	set_default_int(attrs, "created", DEFAULT_CREATED);
	set_default_int(attrs, "updated", sb_jint(attrs, "created",
						  DEFAULT_CREATED));
	set_default_bool(secret, "managed", false);
}

static void fill_network(json_object *vault)
{
	json_object *acls = sb_jobj(vault, "networkAcls");

	if (acls == NULL) {
		acls = json_object_new_object();
		json_object_object_add(vault, "networkAcls", acls);
	}
	set_default_string(acls, "bypass", "AzureServices");
	set_default_string(acls, "defaultAction", "Allow");
	if (sb_jarr(acls, "ipRules") == NULL)
		json_object_object_add(acls, "ipRules",
				       json_object_new_array());
	if (sb_jarr(acls, "virtualNetworkRules") == NULL)
		json_object_object_add(acls, "virtualNetworkRules",
				       json_object_new_array());
	set_default_string(vault, "publicNetworkAccess", "Enabled");
}

static void fill_vault(struct check *c, json_object *root,
		       json_object *vault, size_t i)
{
	const char *name = sb_jstr(vault, "name");
	json_object *sub = sb_tenant_subscription(root,
				sb_jstr(vault, "subscriptionId"));
	json_object *secrets;
	size_t j, n;

	if (sub == NULL) {
		fail(c, "vaults[%zu] (%s): subscriptionId is not one of the "
		     "tenant's subscriptions", i, name);
		return;
	}
	if (sb_tenant_resource_group(sub, sb_jstr(vault, "resourceGroup"))
	    == NULL) {
		fail(c, "vaults[%zu] (%s): resourceGroup is not a resource "
		     "group of subscription %s", i, name,
		     sb_jstr(sub, "subscriptionId"));
		return;
	}
	set_default_string(vault, "tenantId", sb_entry_tenant(root, sub));
	set_default_string(vault, "sku", "standard");
	set_default_bool(vault, "enableRbacAuthorization", false);
	set_default_bool(vault, "enableSoftDelete", true);
	set_default_int(vault, "softDeleteRetentionInDays", 90);
	set_default_bool(vault, "enablePurgeProtection", false);
	set_default_bool(vault, "enabledForDeployment", false);
	set_default_bool(vault, "enabledForDiskEncryption", false);
	set_default_bool(vault, "enabledForTemplateDeployment", false);
	if (sb_jarr(vault, "accessPolicies") == NULL)
		json_object_object_add(vault, "accessPolicies",
				       json_object_new_array());
	if (sb_jobj(vault, "tags") == NULL)
		json_object_object_add(vault, "tags", json_object_new_object());
	if (sb_jarr(vault, "diagnosticSettings") == NULL)
		json_object_object_add(vault, "diagnosticSettings",
				       json_object_new_array());
	fill_network(vault);

	secrets = sb_jarr(vault, "secrets");
	if (secrets == NULL) {
		secrets = json_object_new_array();
		json_object_object_add(vault, "secrets", secrets);
	}
	n = json_object_array_length(secrets);
	for (j = 0; j < n && !c->failed; j++)
		fill_secret(c, name, json_object_array_get_idx(secrets, j));
}

static void check_vaults(struct check *c, json_object *root)
{
	static const char *const fields[] = {
		"name", "subscriptionId", "resourceGroup", "location", NULL };
	json_object *list = check_list(c, root, "vaults", fields);
	size_t i, n = list ? json_object_array_length(list) : 0;

	for (i = 0; i < n && !c->failed; i++)
		fill_vault(c, root, json_object_array_get_idx(list, i), i);
}

static void check_default_user(struct check *c, json_object *root)
{
	json_object *users = sb_jarr(root, "users");
	const char *name = sb_jstr(root, "defaultUser");

	if (name == NULL) {
		if (json_object_array_length(users) == 0) {
			fail(c, "\"users\" must name at least one user");
			return;
		}
		name = sb_jstr(json_object_array_get_idx(users, 0), "id");
		set_default_string(root, "defaultUser", name);
	}
	if (sb_tenant_find_user(root, name) == NULL)
		fail(c, "defaultUser '%s' is not one of the users", name);
}

/* Parses and checks tenant JSON; returns NULL with a message in errbuf. */
json_object *sb_tenant_parse(const char *text, const char *what,
			     char *errbuf, size_t errlen)
{
	enum json_tokener_error jerr = json_tokener_success;
	json_object *root = json_tokener_parse_verbose(text, &jerr);

	if (root == NULL || !json_object_is_type(root, json_type_object)) {
		snprintf(errbuf, errlen, "invalid tenant file '%s': not a "
			 "JSON object (%s)", what,
			 root ? "wrong top-level type"
			      : json_tokener_error_desc(jerr));
		json_object_put(root);
		return NULL;
	}
	return sb_tenant_from_json(root, what, errbuf, errlen);
}

/* Makes a tenant from JSON objects built in memory, with the same checks
 * and defaults as sb_tenant_parse. It takes ROOT and, on failure, frees
 * it and returns NULL with a message in errbuf. */
json_object *sb_tenant_from_json(json_object *root, const char *what,
			     char *errbuf, size_t errlen)
{
	struct check c = { what, errbuf, errlen, false };

	check_directory(&c, root);
	if (!c.failed)
		check_default_user(&c, root);
	if (!c.failed)
		check_subscriptions(&c, root);
	if (!c.failed)
		check_tenants(&c, root);
	if (!c.failed)
		add_builtin_roles(&c, root);
	if (!c.failed)
		check_assignments(&c, root);
	if (!c.failed)
		check_vaults(&c, root);
	if (c.failed) {
		json_object_put(root);
		root = NULL;
	}
	return root;
}

json_object *sb_tenant_load(const char *path, char *errbuf, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t len = 0, cap = 0, got;
	json_object *root = NULL;

	if (f == NULL) {
		snprintf(errbuf, errlen, "cannot open tenant file '%s': %s",
			 path, strerror(errno));
		return NULL;
	}
	do {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 65536;
			text = realloc(text, cap + 1);
			if (text == NULL)
				abort();
		}
		got = fread(text + len, 1, cap - len, f);
		len += got;
	} while (got > 0 && len < 64 * 1024 * 1024);
	if (ferror(f)) {
		snprintf(errbuf, errlen, "cannot read tenant file '%s': %s",
			 path, strerror(errno));
		goto out;
	}
	text[len] = '\0';
	root = sb_tenant_parse(text, path, errbuf, errlen);
out:
	fclose(f);
	free(text);
	return root;
}

json_object *sb_tenant_copy(json_object *tenant)
{
	json_object *copy = NULL;

	if (json_object_deep_copy(tenant, &copy, NULL) != 0)
		abort();
	return copy;
}

const char *sb_tenant_id(json_object *tenant)
{
	return sb_jstr(sb_jobj(tenant, "tenant"), "id");
}

/* Finds a user by object id, userPrincipalName or displayName. */
json_object *sb_tenant_find_user(json_object *tenant, const char *name)
{
	json_object *users = sb_jarr(tenant, "users");
	json_object *user = sb_find_by(users, "id", name);

	if (user == NULL)
		user = sb_find_by(users, "userPrincipalName", name);
	if (user == NULL)
		user = sb_find_by(users, "displayName", name);
	return user;
}

json_object *sb_tenant_find_sp_by_app(json_object *tenant,
				      const char *app_id)
{
	return sb_find_by(sb_jarr(tenant, "servicePrincipals"), "appId",
			  app_id);
}

/* A user or service principal by object id; *type gets its ARM type. */
json_object *sb_tenant_principal(json_object *tenant, const char *oid,
				 const char **type)
{
	json_object *p = sb_find_by(sb_jarr(tenant, "users"), "id", oid);

	*type = "User";
	if (p == NULL) {
		p = sb_find_by(sb_jarr(tenant, "servicePrincipals"), "id",
			       oid);
		*type = "ServicePrincipal";
	}
	return p;
}

json_object *sb_tenant_subscription(json_object *tenant, const char *id)
{
	return sb_find_by(sb_jarr(tenant, "subscriptions"), "subscriptionId",
			  id);
}

json_object *sb_tenant_resource_group(json_object *sub, const char *name)
{
	return sb_find_by(sb_jarr(sub, "resourceGroups"), "name", name);
}

json_object *sb_tenant_vault(json_object *tenant, const char *name)
{
	json_object *vault = sb_find_by(sb_jarr(tenant, "vaults"), "name",
					name);

	if (vault == NULL && name != NULL)
		vault = sb_gen_materialize(tenant, name);
	return vault;
}

bool sb_tenant_fill_vault(json_object *root, json_object *vault,
			  char *errbuf, size_t errlen)
{
	struct check c = { "the generated tenant", errbuf, errlen, false };

	fill_vault(&c, root, vault, 0);
	return !c.failed;
}

json_object *sb_tenant_role_definition(json_object *tenant,
				       const char *guid_or_name)
{
	json_object *defs = sb_jarr(tenant, "roleDefinitions");
	json_object *def = sb_find_by(defs, "name", guid_or_name);

	if (def == NULL)
		def = sb_find_by(defs, "roleName", guid_or_name);
	return def;
}

char *sb_vault_scope(json_object *vault)
{
	return sb_printf("/subscriptions/%s/resourceGroups/%s/providers/"
			 "Microsoft.KeyVault/vaults/%s",
			 sb_jstr(vault, "subscriptionId"),
			 sb_jstr(vault, "resourceGroup"),
			 sb_jstr(vault, "name"));
}
