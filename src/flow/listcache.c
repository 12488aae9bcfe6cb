#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "flow/listcache.h"

void kvl_listcache_init(struct kvl_listcache *cache)
{
	memset(cache, 0, sizeof(*cache));
}

/* Whether two optional names are equal, in any case. */
static bool same_name(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcasecmp(a, b) == 0;
}

/* strdup that keeps NULL; false when out of memory. */
static bool copy_name(const char *name, char **out)
{
	*out = name != NULL ? strdup(name) : NULL;
	return name == NULL || *out != NULL;
}

/* --- Subscriptions -------------------------------------------------- */

const struct kvl_listcache_subscriptions *kvl_listcache_subscriptions(
	struct kvl_listcache *cache)
{
	if (cache->subscriptions != NULL)
		cache->hits++;
	return cache->subscriptions;
}

bool kvl_listcache_put_subscriptions(struct kvl_listcache *cache,
				     struct kvl_subscription *subs, size_t n,
				     struct kvl_tenant *skipped,
				     size_t n_skipped)
{
	struct kvl_listcache_subscriptions *entry = calloc(1, sizeof(*entry));

	if (entry == NULL)
		return false;
	kvl_listcache_drop_subscriptions(cache);
	entry->subs = subs;
	entry->n = n;
	entry->skipped = skipped;
	entry->n_skipped = n_skipped;
	cache->subscriptions = entry;
	return true;
}

void kvl_listcache_drop_subscriptions(struct kvl_listcache *cache)
{
	struct kvl_listcache_subscriptions *entry = cache->subscriptions;

	kvl_listcache_drop_vaults(cache, NULL, NULL);
	if (entry == NULL)
		return;
	kvl_subscriptions_free(entry->subs, entry->n);
	kvl_tenants_free(entry->skipped, entry->n_skipped);
	free(entry);
	cache->subscriptions = NULL;
}

/* --- Resource groups ------------------------------------------------ */

static long find_groups(const struct kvl_listcache *cache,
			const char *subscription_id)
{
	for (size_t i = 0; i < cache->n_groups; i++)
		if (same_name(cache->groups[i]->subscription_id,
			      subscription_id))
			return (long)i;
	return -1;
}

const struct kvl_listcache_groups *kvl_listcache_groups(
	struct kvl_listcache *cache, const char *subscription_id)
{
	long i = find_groups(cache, subscription_id);

	if (i < 0)
		return NULL;
	cache->hits++;
	return cache->groups[i];
}

bool kvl_listcache_put_groups(struct kvl_listcache *cache,
			      const char *subscription_id,
			      struct kvl_resource_group *groups, size_t n)
{
	struct kvl_listcache_groups *entry = calloc(1, sizeof(*entry));
	struct kvl_listcache_groups **grown;

	if (entry == NULL || !copy_name(subscription_id,
					&entry->subscription_id) ||
	    entry->subscription_id == NULL) {
		free(entry);
		return false;
	}
	kvl_listcache_drop_groups(cache, subscription_id);
	grown = realloc(cache->groups, (cache->n_groups + 1) * sizeof(*grown));
	if (grown == NULL) {
		free(entry->subscription_id);
		free(entry);
		return false;
	}
	cache->groups = grown;
	cache->groups[cache->n_groups++] = entry;
	entry->groups = groups;
	entry->n = n;
	return true;
}

void kvl_listcache_drop_groups(struct kvl_listcache *cache,
			       const char *subscription_id)
{
	long i = find_groups(cache, subscription_id);
	struct kvl_listcache_groups *entry;

	if (i < 0)
		return;
	entry = cache->groups[i];
	kvl_resource_groups_free(entry->groups, entry->n);
	free(entry->subscription_id);
	free(entry);
	memmove(&cache->groups[i], &cache->groups[i + 1],
		(cache->n_groups - (size_t)i - 1) * sizeof(*cache->groups));
	cache->n_groups--;
}

/* --- Vaults --------------------------------------------------------- */

static long find_vaults(const struct kvl_listcache *cache,
			const char *subscription_id,
			const char *resource_group)
{
	for (size_t i = 0; i < cache->n_vaults; i++)
		if (same_name(cache->vaults[i]->subscription_id,
			      subscription_id) &&
		    same_name(cache->vaults[i]->resource_group,
			      resource_group))
			return (long)i;
	return -1;
}

const struct kvl_listcache_vaults *kvl_listcache_vaults(
	struct kvl_listcache *cache, const char *subscription_id,
	const char *resource_group)
{
	long i = find_vaults(cache, subscription_id, resource_group);

	if (i < 0)
		return NULL;
	cache->hits++;
	return cache->vaults[i];
}

static void vaults_entry_free(struct kvl_listcache_vaults *entry)
{
	kvl_vault_discovery_clear(&entry->found);
	free(entry->subscription_id);
	free(entry->resource_group);
	free(entry);
}

bool kvl_listcache_put_vaults(struct kvl_listcache *cache,
			      const char *subscription_id,
			      const char *resource_group,
			      struct kvl_vault_discovery *found)
{
	struct kvl_listcache_vaults *entry = calloc(1, sizeof(*entry));
	struct kvl_listcache_vaults **grown;

	if (entry == NULL)
		return false;
	if (!copy_name(subscription_id, &entry->subscription_id) ||
	    !copy_name(resource_group, &entry->resource_group)) {
		vaults_entry_free(entry);
		return false;
	}
	kvl_listcache_drop_vaults(cache, subscription_id, resource_group);
	grown = realloc(cache->vaults, (cache->n_vaults + 1) * sizeof(*grown));
	if (grown == NULL) {
		vaults_entry_free(entry);
		return false;
	}
	cache->vaults = grown;
	cache->vaults[cache->n_vaults++] = entry;
	entry->found = *found;
	memset(found, 0, sizeof(*found));
	kvl_error_init(&found->fallback);
	return true;
}

void kvl_listcache_drop_vaults(struct kvl_listcache *cache,
			       const char *subscription_id,
			       const char *resource_group)
{
	long i = find_vaults(cache, subscription_id, resource_group);

	if (i < 0)
		return;
	vaults_entry_free(cache->vaults[i]);
	memmove(&cache->vaults[i], &cache->vaults[i + 1],
		(cache->n_vaults - (size_t)i - 1) * sizeof(*cache->vaults));
	cache->n_vaults--;
}

void kvl_listcache_clear(struct kvl_listcache *cache)
{
	kvl_listcache_drop_subscriptions(cache);
	while (cache->n_groups > 0)
		kvl_listcache_drop_groups(cache,
					  cache->groups[0]->subscription_id);
	for (size_t i = 0; i < cache->n_vaults; i++)
		vaults_entry_free(cache->vaults[i]);
	free(cache->groups);
	free(cache->vaults);
	kvl_log("wizard: %lu listings came from the session cache",
		cache->hits);
	kvl_listcache_init(cache);
}
