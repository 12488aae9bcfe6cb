/* The wizard's session cache of listings: lookups by key in any case,
 * replacing and dropping entries, and what a reload drops with it. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "flow/listcache.h"

static struct kvl_resource_group *groups_named(const char *name)
{
	struct kvl_resource_group *g = calloc(1, sizeof(*g));

	assert_non_null(g);
	g->name = strdup(name);
	assert_non_null(g->name);
	return g;
}

static void vaults_named(struct kvl_vault_discovery *d, const char *name)
{
	memset(d, 0, sizeof(*d));
	d->vaults = calloc(1, sizeof(*d->vaults));
	assert_non_null(d->vaults);
	d->vaults[0].name = strdup(name);
	assert_non_null(d->vaults[0].name);
	d->n_vaults = 1;
}

static void groups_found_any_case(void **state)
{
	struct kvl_listcache cache;
	const struct kvl_listcache_groups *got;

	(void)state;
	kvl_listcache_init(&cache);
	assert_null(kvl_listcache_groups(&cache, "sub-A"));
	assert_true(kvl_listcache_put_groups(&cache, "sub-A",
					     groups_named("rg-one"), 1));
	got = kvl_listcache_groups(&cache, "SUB-a");
	assert_non_null(got);
	assert_string_equal(got->groups[0].name, "rg-one");
	assert_null(kvl_listcache_groups(&cache, "sub-B"));
	assert_int_equal(cache.hits, 1);

	/* A new listing replaces the old one. */
	assert_true(kvl_listcache_put_groups(&cache, "sub-a",
					     groups_named("rg-two"), 1));
	assert_int_equal(cache.n_groups, 1);
	got = kvl_listcache_groups(&cache, "sub-A");
	assert_string_equal(got->groups[0].name, "rg-two");

	kvl_listcache_drop_groups(&cache, "sub-a");
	assert_null(kvl_listcache_groups(&cache, "sub-a"));
	kvl_listcache_clear(&cache);
}

static void vaults_keyed_by_group(void **state)
{
	struct kvl_listcache cache;
	struct kvl_vault_discovery d;
	const struct kvl_listcache_vaults *got;

	(void)state;
	kvl_listcache_init(&cache);
	vaults_named(&d, "kv-all");
	assert_true(kvl_listcache_put_vaults(&cache, "sub-a", NULL, &d));
	assert_null(d.vaults);
	vaults_named(&d, "kv-rg");
	assert_true(kvl_listcache_put_vaults(&cache, "sub-a", "rg-x", &d));

	got = kvl_listcache_vaults(&cache, "sub-a", NULL);
	assert_non_null(got);
	assert_string_equal(got->found.vaults[0].name, "kv-all");
	got = kvl_listcache_vaults(&cache, "sub-a", "RG-X");
	assert_non_null(got);
	assert_string_equal(got->found.vaults[0].name, "kv-rg");
	assert_null(kvl_listcache_vaults(&cache, "sub-a", "rg-y"));
	assert_null(kvl_listcache_vaults(&cache, NULL, NULL));

	kvl_listcache_drop_vaults(&cache, "sub-a", "rg-x");
	assert_null(kvl_listcache_vaults(&cache, "sub-a", "rg-x"));
	assert_non_null(kvl_listcache_vaults(&cache, "sub-a", NULL));
	kvl_listcache_clear(&cache);
}

static void subscriptions_drop_discovery(void **state)
{
	struct kvl_listcache cache;
	struct kvl_subscription *subs = calloc(1, sizeof(*subs));
	struct kvl_vault_discovery d;

	(void)state;
	assert_non_null(subs);
	subs[0].subscription_id = strdup("sub-a");
	kvl_listcache_init(&cache);
	assert_null(kvl_listcache_subscriptions(&cache));
	assert_true(kvl_listcache_put_subscriptions(&cache, subs, 1, NULL,
						    0));
	vaults_named(&d, "kv-everywhere");
	assert_true(kvl_listcache_put_vaults(&cache, NULL, NULL, &d));
	vaults_named(&d, "kv-one");
	assert_true(kvl_listcache_put_vaults(&cache, "sub-a", NULL, &d));
	assert_non_null(kvl_listcache_subscriptions(&cache));
	assert_non_null(kvl_listcache_vaults(&cache, NULL, NULL));

	/* The vaults of every subscription came from the old list, so a
	 * reload of the subscriptions drops them; one subscription's stay. */
	kvl_listcache_drop_subscriptions(&cache);
	assert_null(kvl_listcache_subscriptions(&cache));
	assert_null(kvl_listcache_vaults(&cache, NULL, NULL));
	assert_non_null(kvl_listcache_vaults(&cache, "sub-a", NULL));
	kvl_listcache_clear(&cache);
	assert_int_equal(cache.n_vaults, 0);
	assert_int_equal(cache.n_groups, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(groups_found_any_case),
		cmocka_unit_test(vaults_keyed_by_group),
		cmocka_unit_test(subscriptions_drop_discovery),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
