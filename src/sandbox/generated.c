/*
 * Generated tenants (--generate): subscriptions, vaults and secrets made
 * up from three numbers, so that the sandbox can stand in for a large
 * organisation without holding every vault in memory.
 *
 * sb_gen_tenant() adds the subscriptions to the tenant, each with three
 * resource groups in rotating regions and with Owner and Key Vault
 * Administrator assignments for the tenant's default user, and records
 * the numbers in the tenant's "generated" object. The vaults themselves
 * exist only as numbers: vault V of subscription S is kvgen-SSSS-VVVVV.
 * The first lookup by name (sb_tenant_vault) turns a generated vault
 * into a real entry of "vaults" and adds its name to
 * generated.materialized. From then on that entry, or its absence once
 * it is deleted, is the truth for that name. Lists walk the numbers and
 * build JSON only for the page they return.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox/sandbox.h"

#define GEN_MAX_SUBSCRIPTIONS 9999
#define GEN_MAX_VAULTS 99999
#define GEN_MAX_SECRETS 100
#define GEN_MAX_TOTAL 1000000L		/* vaults in all */
#define GEN_OWNER_ROLE "Owner"
#define GEN_DATA_ROLE "Key Vault Administrator"

static const char *const regions[] = {
	"westeurope", "northeurope", "eastus", "westus2", "uksouth",
	"southeastasia",
};

/* Reads one "key=N" item of a --generate value into *out. */
static bool parse_item(const char *item, const char *key, long max,
		       long *out, char *errbuf, size_t errlen)
{
	size_t len = strlen(key);
	char *end;
	long v;

	if (strncmp(item, key, len) != 0 || item[len] != '=')
		return false;
	errno = 0;
	v = strtol(item + len + 1, &end, 10);
	if (errno != 0 || end == item + len + 1 || *end != '\0' || v < 0 ||
	    v > max) {
		snprintf(errbuf, errlen, "invalid %s '%s': use a whole number "
			 "from 0 to %ld", key, item + len + 1, max);
		*out = -2;
		return true;
	}
	*out = v;
	return true;
}

/* Parses the items of text into gen; false with a message in errbuf. */
static bool parse_items(char *text, struct sb_gen *gen, char *errbuf,
			size_t errlen)
{
	char *save = NULL, *item;

	for (item = strtok_r(text, ",", &save); item != NULL;
	     item = strtok_r(NULL, ",", &save)) {
		if (!parse_item(item, "subscriptions", GEN_MAX_SUBSCRIPTIONS,
				&gen->subscriptions, errbuf, errlen) &&
		    !parse_item(item, "vaults", GEN_MAX_VAULTS, &gen->vaults,
				errbuf, errlen) &&
		    !parse_item(item, "secrets", GEN_MAX_SECRETS,
				&gen->secrets, errbuf, errlen)) {
			snprintf(errbuf, errlen, "unknown item '%s': use "
				 "subscriptions=N, vaults=N and secrets=N",
				 item);
			return false;
		}
		if (gen->subscriptions == -2 || gen->vaults == -2 ||
		    gen->secrets == -2)
			return false;
	}
	return true;
}

bool sb_gen_parse(const char *text, struct sb_gen *gen, char *errbuf,
		  size_t errlen)
{
	char *copy = strdup(text);
	bool ok;

	if (copy == NULL)
		abort();
	*gen = (struct sb_gen){ .subscriptions = -1, .vaults = -1,
				.secrets = 1 };
	ok = parse_items(copy, gen, errbuf, errlen);
	free(copy);
	if (ok && (gen->subscriptions < 1 || gen->vaults < 0)) {
		snprintf(errbuf, errlen, "subscriptions=N (at least 1) and "
			 "vaults=N are required, as in "
			 "subscriptions=200,vaults=50,secrets=3");
		ok = false;
	}
	if (ok && gen->subscriptions * gen->vaults > GEN_MAX_TOTAL) {
		snprintf(errbuf, errlen, "%ld vaults in all is too many: "
			 "subscriptions times vaults may be at most %ld",
			 gen->subscriptions * gen->vaults, GEN_MAX_TOTAL);
		ok = false;
	}
	return ok;
}

void sb_gen_subscription_id(long sub, char out[37])
{
	snprintf(out, 37, "5e000000-0000-4000-8000-%012d", (int)(sub + 1));
}

/* Whether id is a generated subscription's id; *sub gets its index. */
static bool subscription_index(const struct sb_gen *gen, const char *id,
			       long *sub)
{
	char expected[37];
	long n;

	if (id == NULL || strlen(id) != 36 ||
	    sscanf(id + 24, "%12ld", &n) != 1 || n < 1 ||
	    n > gen->subscriptions)
		return false;
	sb_gen_subscription_id(n - 1, expected);
	if (!sb_ieq(id, expected))
		return false;
	*sub = n - 1;
	return true;
}

long sb_gen_group(const struct sb_gen *gen, long vault)
{
	return vault * SB_GEN_GROUPS / (gen->vaults > 0 ? gen->vaults : 1);
}

/* Writes value as width decimal digits; value must have no more. */
static char *put_digits(char *out, long value, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		out[i] = (char)('0' + value % 10);
		value /= 10;
	}
	return out + width;
}

void sb_gen_name(long sub, long vault, char *out, size_t size)
{
	char *p = out;

	/* Lists call this for every generated vault, and snprintf() was a
	 * large part of listing 10,000 of them. */
	if (sub < 0 || sub >= GEN_MAX_SUBSCRIPTIONS || vault < 0 ||
	    vault >= GEN_MAX_VAULTS || size < 17) {
		snprintf(out, size, "kvgen-%04ld-%05ld", sub + 1, vault + 1);
		return;
	}
	memcpy(p, "kvgen-", 6);
	p = put_digits(p + 6, sub + 1, 4);
	*p++ = '-';
	p = put_digits(p, vault + 1, 5);
	*p = '\0';
}

void sb_gen_subscription_entries(json_object *tenant,
				 const struct sb_gen *gen,
				 json_object **entries)
{
	json_object *subs = sb_jarr(tenant, "subscriptions");
	size_t i, n = subs ? json_object_array_length(subs) : 0;
	json_object *entry;
	long sub;

	memset(entries, 0, (size_t)gen->subscriptions * sizeof(*entries));
	for (i = 0; i < n; i++) {
		entry = json_object_array_get_idx(subs, i);
		if (subscription_index(gen, sb_jstr(entry, "subscriptionId"),
				       &sub) && entries[sub] == NULL)
			entries[sub] = entry;
	}
}

void sb_gen_fields(const struct sb_gen *gen, long sub, long vault,
		   struct sb_gen_fields *f)
{
	long group = sb_gen_group(gen, vault);

	sb_gen_name(sub, vault, f->name, sizeof(f->name));
	sb_gen_subscription_id(sub, f->subscription_id);
	snprintf(f->group, sizeof(f->group), "rg-vaults-%ld", group + 1);
	f->location = regions[(size_t)(sub + group) %
			      (sizeof(regions) / sizeof(regions[0]))];
}

/* Whether name is a generated vault's name; sets *sub and *vault. */
static bool vault_index(const struct sb_gen *gen, const char *name,
			long *sub, long *vault)
{
	struct sb_gen_fields f;
	long s, v;

	if (strlen(name) != 16 ||
	    sscanf(name, "kvgen-%4ld-%5ld", &s, &v) != 2 || s < 1 ||
	    s > gen->subscriptions || v < 1 || v > gen->vaults)
		return false;
	/* sscanf also takes signs and spaces; only the canonical form of
	 * the numbers names the vault. */
	sb_gen_fields(gen, s - 1, v - 1, &f);
	if (strcmp(name, f.name) != 0)
		return false;
	*sub = s - 1;
	*vault = v - 1;
	return true;
}

bool sb_gen_read(json_object *tenant, struct sb_gen *gen)
{
	json_object *g = sb_jobj(tenant, "generated");

	if (g == NULL)
		return false;
	gen->subscriptions = (long)sb_jint(g, "subscriptions", 0);
	gen->vaults = (long)sb_jint(g, "vaults", 0);
	gen->secrets = (long)sb_jint(g, "secrets", 0);
	gen->materialized = sb_jobj(g, "materialized");
	return gen->materialized != NULL;
}

static json_object *secret_json(const struct sb_gen_fields *f, long index)
{
	json_object *secret = json_object_new_object();
	char *name = sb_printf("secret-%ld", index + 1);
	char *value = sb_printf("value-%s-%ld", f->name, index + 1);

	json_object_object_add(secret, "name", json_object_new_string(name));
	json_object_object_add(secret, "value",
			       json_object_new_string(value));
	free(name);
	free(value);
	return secret;
}

/* A new, complete vault entry for generated vault (sub, vault). */
static json_object *vault_new(json_object *tenant, const struct sb_gen *gen,
			      long sub, long vault)
{
	struct sb_gen_fields f;
	json_object *v = json_object_new_object();
	json_object *secrets = json_object_new_array();
	char errbuf[256];
	long i;

	sb_gen_fields(gen, sub, vault, &f);
	json_object_object_add(v, "name", json_object_new_string(f.name));
	json_object_object_add(v, "subscriptionId",
			       json_object_new_string(f.subscription_id));
	json_object_object_add(v, "resourceGroup",
			       json_object_new_string(f.group));
	json_object_object_add(v, "location",
			       json_object_new_string(f.location));
	json_object_object_add(v, "enableRbacAuthorization",
			       json_object_new_boolean(true));
	for (i = 0; i < gen->secrets; i++)
		json_object_array_add(secrets, secret_json(&f, i));
	json_object_object_add(v, "secrets", secrets);
	if (!sb_tenant_fill_vault(tenant, v, errbuf, sizeof(errbuf))) {
		/* Only a tenant whose generated subscriptions were removed
		 * can get here; the vault then does not exist. */
		json_object_put(v);
		return NULL;
	}
	return v;
}

json_object *sb_gen_materialize(json_object *tenant, const char *name)
{
	struct sb_gen gen;
	json_object *vault;
	long sub, index;

	if (!sb_gen_read(tenant, &gen) ||
	    !vault_index(&gen, name, &sub, &index) ||
	    json_object_object_get_ex(gen.materialized, name, NULL))
		return NULL;
	vault = vault_new(tenant, &gen, sub, index);
	if (vault == NULL)
		return NULL;
	json_object_array_add(sb_jarr(tenant, "vaults"), vault);
	json_object_object_add(gen.materialized, name,
			       json_object_new_boolean(true));
	return vault;
}

json_object *sb_vault_ref_get(json_object *tenant,
			      const struct sb_vault_ref *ref)
{
	struct sb_gen gen;

	if (ref->vault != NULL)
		return json_object_get(ref->vault);
	if (!sb_gen_read(tenant, &gen))
		return NULL;
	return vault_new(tenant, &gen, ref->sub, ref->index);
}

void sb_vault_ref_fields(json_object *tenant, const struct sb_vault_ref *ref,
			 struct sb_gen_fields *f)
{
	struct sb_gen gen;
	const char *location;

	if (ref->vault == NULL && sb_gen_read(tenant, &gen)) {
		sb_gen_fields(&gen, ref->sub, ref->index, f);
		return;
	}
	snprintf(f->name, sizeof(f->name), "%s", sb_jstr(ref->vault, "name"));
	snprintf(f->subscription_id, sizeof(f->subscription_id), "%s",
		 sb_jstr(ref->vault, "subscriptionId"));
	snprintf(f->group, sizeof(f->group), "%s",
		 sb_jstr(ref->vault, "resourceGroup"));
	location = sb_jstr(ref->vault, "location");
	f->location = location ? location : "";
}

char *sb_vault_fields_scope(const struct sb_gen_fields *f)
{
	return sb_printf("/subscriptions/%s/resourceGroups/%s/providers/"
			 "Microsoft.KeyVault/vaults/%s", f->subscription_id,
			 f->group, f->name);
}

/* Appends a reference to the list, growing it as needed. */
static void add_ref(struct sb_vault_refs *refs, json_object *vault,
		    long sub, long index)
{
	if (refs->n == refs->cap) {
		refs->cap = refs->cap ? refs->cap * 2 : 64;
		refs->items = realloc(refs->items,
				      refs->cap * sizeof(*refs->items));
		if (refs->items == NULL)
			abort();
	}
	refs->items[refs->n++] = (struct sb_vault_ref){ vault, sub, index };
}

/* Adds the generated vaults of subscription sub: materialised ones as
 * their entries (none once deleted), the others by number. */
static void add_generated(json_object *tenant, const struct sb_gen *gen,
			  long sub, struct sb_vault_refs *refs)
{
	json_object *entry;
	char name[17];
	long v;

	for (v = 0; v < gen->vaults; v++) {
		if (json_object_object_length(gen->materialized) == 0) {
			add_ref(refs, NULL, sub, v);
			continue;
		}
		sb_gen_name(sub, v, name, sizeof(name));
		if (!json_object_object_get_ex(gen->materialized, name,
					       NULL)) {
			add_ref(refs, NULL, sub, v);
			continue;
		}
		entry = sb_find_by(sb_jarr(tenant, "vaults"), "name", name);
		if (entry != NULL)
			add_ref(refs, entry, sub, v);
	}
}

void sb_vault_refs_list(json_object *tenant, const char *subscription_id,
			struct sb_vault_refs *refs)
{
	json_object *vaults = sb_jarr(tenant, "vaults");
	size_t i, n = vaults ? json_object_array_length(vaults) : 0;
	struct sb_gen gen;
	bool generated = sb_gen_read(tenant, &gen);
	long sub, first = 0, last = generated ? gen.subscriptions : 0;

	memset(refs, 0, sizeof(*refs));
	for (i = 0; i < n; i++) {
		json_object *v = json_object_array_get_idx(vaults, i);
		long s, x;

		if (generated && vault_index(&gen, sb_jstr(v, "name"), &s, &x))
			continue;
		if (subscription_id == NULL ||
		    sb_ieq(sb_jstr(v, "subscriptionId"), subscription_id))
			add_ref(refs, v, -1, -1);
	}
	if (generated && subscription_id != NULL) {
		if (!subscription_index(&gen, subscription_id, &sub))
			return;
		first = sub;
		last = sub + 1;
	}
	for (sub = first; sub < last; sub++)
		add_generated(tenant, &gen, sub, refs);
}

void sb_vault_refs_clear(struct sb_vault_refs *refs)
{
	free(refs->items);
	memset(refs, 0, sizeof(*refs));
}

/* Adds a role assignment of role at scope for principal. */
static void add_assignment(json_object *list, const char *scope,
			   const char *role, const char *principal,
			   long serial)
{
	json_object *a = json_object_new_object();
	char name[37];

	snprintf(name, sizeof(name), "5e00a551-0000-4000-8000-%012d",
		 (int)serial);
	json_object_object_add(a, "name", json_object_new_string(name));
	json_object_object_add(a, "scope", json_object_new_string(scope));
	json_object_object_add(a, "role", json_object_new_string(role));
	json_object_object_add(a, "principalId",
			       json_object_new_string(principal));
	json_object_array_add(list, a);
}

static json_object *subscription_new(long sub)
{
	json_object *s = json_object_new_object();
	json_object *groups = json_object_new_array();
	char id[37], *name;
	long g;

	sb_gen_subscription_id(sub, id);
	name = sb_printf("Generated %04ld", sub + 1);
	json_object_object_add(s, "subscriptionId",
			       json_object_new_string(id));
	json_object_object_add(s, "displayName", json_object_new_string(name));
	json_object_object_add(s, "state", json_object_new_string("Enabled"));
	for (g = 0; g < SB_GEN_GROUPS; g++) {
		json_object *rg = json_object_new_object();
		char *rg_name = sb_printf("rg-vaults-%ld", g + 1);

		json_object_object_add(rg, "name",
				       json_object_new_string(rg_name));
		json_object_object_add(rg, "location", json_object_new_string(
			regions[(size_t)(sub + g) %
				(sizeof(regions) / sizeof(regions[0]))]));
		json_object_array_add(groups, rg);
		free(rg_name);
	}
	json_object_object_add(s, "resourceGroups", groups);
	free(name);
	return s;
}

/* Adds the subscriptions, assignments and "generated" object to raw. */
static void add_generated_parts(json_object *raw, const struct sb_gen *gen)
{
	json_object *subs = sb_jarr(raw, "subscriptions");
	json_object *assignments = sb_jarr(raw, "roleAssignments");
	json_object *record = json_object_new_object();
	const char *user = sb_jstr(raw, "defaultUser");
	char id[37], *scope;
	long sub;

	for (sub = 0; sub < gen->subscriptions; sub++) {
		json_object_array_add(subs, subscription_new(sub));
		sb_gen_subscription_id(sub, id);
		scope = sb_printf("/subscriptions/%s", id);
		add_assignment(assignments, scope, GEN_OWNER_ROLE, user,
			       2 * sub + 1);
		add_assignment(assignments, scope, GEN_DATA_ROLE, user,
			       2 * sub + 2);
		free(scope);
	}
	json_object_object_add(record, "subscriptions",
			       json_object_new_int64(gen->subscriptions));
	json_object_object_add(record, "vaults",
			       json_object_new_int64(gen->vaults));
	json_object_object_add(record, "secrets",
			       json_object_new_int64(gen->secrets));
	json_object_object_add(record, "materialized",
			       json_object_new_object());
	json_object_object_add(raw, "generated", record);
}

json_object *sb_gen_tenant(json_object *tenant, const struct sb_gen *gen,
			   char *errbuf, size_t errlen)
{
	if (sb_jobj(tenant, "generated") != NULL) {
		snprintf(errbuf, errlen, "the tenant already has generated "
			 "vaults: give --generate only once, and not with a "
			 "tenant file that has \"generated\"");
		json_object_put(tenant);
		return NULL;
	}
	add_generated_parts(tenant, gen);
	/* Checking the tenant again fills in the role assignments' role
	 * ids and principal types, as for any tenant file. */
	return sb_tenant_from_json(tenant, "the generated tenant", errbuf,
			       errlen);
}
