/*
 * Listings kept for one wizard session: the subscriptions, each
 * subscription's resource groups and each vault listing, so that going
 * back and forth between the link steps sends no request twice. A step
 * that reloads (the r key) drops its entry first. Entries own what they
 * contain and keep it at a fixed address until dropped, so a step may
 * point into an entry. Not thread-safe: only the wizard's main thread
 * uses it.
 */
#ifndef KVL_LISTCACHE_H
#define KVL_LISTCACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arm.h"
#include "core/resourcegraph.h"

struct kvl_listcache_subscriptions {
	struct kvl_subscription *subs;
	size_t n;
	struct kvl_tenant *skipped;	/* tenants left out, with notes */
	size_t n_skipped;
};

struct kvl_listcache_groups {
	char *subscription_id;
	struct kvl_resource_group *groups;
	size_t n;
};

/* One vault listing: of one subscription (and resource group), or of
 * every usable subscription when subscription_id is NULL. */
struct kvl_listcache_vaults {
	char *subscription_id;
	char *resource_group;	/* NULL: every resource group */
	struct kvl_vault_discovery found;
};

struct kvl_listcache {
	struct kvl_listcache_subscriptions *subscriptions;	/* or NULL */
	struct kvl_listcache_groups **groups;
	size_t n_groups;
	struct kvl_listcache_vaults **vaults;
	size_t n_vaults;
	/* Listings served from the cache, for tests and the debug log. */
	unsigned long hits;
};

void kvl_listcache_init(struct kvl_listcache *cache);
void kvl_listcache_clear(struct kvl_listcache *cache);

/*
 * The cached subscription list, or NULL. Taking it over with _put
 * moves the arrays into the cache (the caller's pointers become the
 * cache's) and returns false only when out of memory, when the caller
 * still owns them.
 */
const struct kvl_listcache_subscriptions *kvl_listcache_subscriptions(
	struct kvl_listcache *cache);
bool kvl_listcache_put_subscriptions(struct kvl_listcache *cache,
				     struct kvl_subscription *subs, size_t n,
				     struct kvl_tenant *skipped,
				     size_t n_skipped);
/* Drops the subscription list and the listing of every subscription's
 * vaults, which was made from it. */
void kvl_listcache_drop_subscriptions(struct kvl_listcache *cache);

/* Resource groups of a subscription (ids compare in any case). */
const struct kvl_listcache_groups *kvl_listcache_groups(
	struct kvl_listcache *cache, const char *subscription_id);
bool kvl_listcache_put_groups(struct kvl_listcache *cache,
			      const char *subscription_id,
			      struct kvl_resource_group *groups, size_t n);
void kvl_listcache_drop_groups(struct kvl_listcache *cache,
			       const char *subscription_id);

/*
 * Vaults of one subscription and resource group (NULL: all of them), or
 * of every subscription with subscription_id NULL. _put moves found
 * into the cache and clears it; on false (out of memory) found is left
 * as it was.
 */
const struct kvl_listcache_vaults *kvl_listcache_vaults(
	struct kvl_listcache *cache, const char *subscription_id,
	const char *resource_group);
bool kvl_listcache_put_vaults(struct kvl_listcache *cache,
			      const char *subscription_id,
			      const char *resource_group,
			      struct kvl_vault_discovery *found);
void kvl_listcache_drop_vaults(struct kvl_listcache *cache,
			       const char *subscription_id,
			       const char *resource_group);

#endif
