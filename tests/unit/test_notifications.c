/* The notifications stored in the environment: added, seen again,
 * cleared, and kept through a JSON round trip with unknown members. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "env/envstore.h"
#include "env/notifications.h"

static char *files_only[] = { "Files" };
static char *both[] = { "Files", "Mail" };

static const struct kvl_notice disabled = {
	"secret.disabled:sftp-password", "error", "it is disabled",
	"enable it", files_only, 1 };
static const struct kvl_notice firewall = {
	"vault.firewall", "error", "the firewall is on", "turn it off",
	both, 2 };

static json_object *stored(const struct kvl_environment *env,
			   const char *id)
{
	json_object *list = kvl_notifications_get(env);
	size_t i;

	for (i = 0; list != NULL && i < json_object_array_length(list); i++) {
		json_object *item = json_object_array_get_idx(list, i);
		json_object *value;

		if (json_object_object_get_ex(item, "id", &value) &&
		    strcmp(json_object_get_string(value), id) == 0)
			return item;
	}
	return NULL;
}

static const char *member(json_object *obj, const char *key)
{
	json_object *value = NULL;

	if (!json_object_object_get_ex(obj, key, &value))
		return NULL;
	return json_object_get_string(value);
}

static void update(struct kvl_environment *env,
		   const struct kvl_notice *notices, size_t n,
		   const char *now)
{
	struct kvl_error err;

	kvl_error_init(&err);
	assert_int_equal(kvl_notifications_update(env, notices, n, now,
						  &err), KVL_OK);
	kvl_error_clear(&err);
}

static void notifications_added_and_seen(void **state)
{
	struct kvl_environment env = { 0 };
	struct kvl_notice first[] = { disabled };
	struct kvl_notice second[] = { disabled, firewall };
	json_object *item;

	(void)state;
	assert_int_equal(kvl_notifications_count(&env), 0);
	update(&env, first, 1, "2026-01-01T00:00:00Z");
	assert_int_equal(kvl_notifications_count(&env), 1);

	update(&env, second, 2, "2026-01-02T00:00:00Z");
	assert_int_equal(kvl_notifications_count(&env), 2);
	item = stored(&env, "secret.disabled:sftp-password");
	assert_non_null(item);
	assert_string_equal(member(item, "firstSeen"), "2026-01-01T00:00:00Z");
	assert_string_equal(member(item, "lastSeen"), "2026-01-02T00:00:00Z");
	assert_string_equal(member(item, "severity"), "error");
	assert_string_equal(member(item, "fix"), "enable it");
	item = stored(&env, "vault.firewall");
	assert_non_null(item);
	assert_string_equal(member(item, "firstSeen"), "2026-01-02T00:00:00Z");
	assert_string_equal(member(item, "cause"), "the firewall is on");
	assert_int_equal(json_object_array_length(
		json_object_object_get(item, "connections")), 2);
	kvl_env_clear(&env);
}

static void notifications_cleared(void **state)
{
	struct kvl_environment env = { 0 };
	struct kvl_notice both_notices[] = { disabled, firewall };
	struct kvl_notice only_firewall[] = { firewall };

	(void)state;
	update(&env, both_notices, 2, "2026-01-01T00:00:00Z");
	update(&env, only_firewall, 1, "2026-01-02T00:00:00Z");
	assert_int_equal(kvl_notifications_count(&env), 1);
	assert_null(stored(&env, "secret.disabled:sftp-password"));
	assert_non_null(stored(&env, "vault.firewall"));

	update(&env, NULL, 0, "2026-01-03T00:00:00Z");
	assert_int_equal(kvl_notifications_count(&env), 0);
	kvl_env_clear(&env);
}

/* The time of the last update is kept, also when nothing was found, and
 * survives a JSON round trip. */
static void notifications_checked_at(void **state)
{
	static const char doc_text[] =
		"{\"format\":1,\"id\":\"e1\",\"displayName\":\"Contoso\","
		"\"region\":\"westeurope\",\"revision\":3,\"users\":[]}";
	struct kvl_environment env = { 0 }, again = { 0 };
	struct kvl_notice notices[] = { firewall };
	json_object *doc = json_tokener_parse(doc_text);
	struct kvl_error err;

	(void)state;
	kvl_error_init(&err);
	assert_non_null(doc);
	assert_int_equal(kvl_env_from_json(doc, &env, &err), KVL_OK);
	json_object_put(doc);
	assert_null(kvl_notifications_checked_at(&env));
	update(&env, notices, 1, "2026-01-01T00:00:00Z");
	assert_string_equal(kvl_notifications_checked_at(&env),
			    "2026-01-01T00:00:00Z");
	update(&env, NULL, 0, "2026-01-02T00:00:00Z");
	assert_int_equal(kvl_notifications_count(&env), 0);
	assert_string_equal(kvl_notifications_checked_at(&env),
			    "2026-01-02T00:00:00Z");

	doc = kvl_env_to_json(&env);
	assert_int_equal(kvl_env_from_json(doc, &again, &err), KVL_OK);
	assert_string_equal(kvl_notifications_checked_at(&again),
			    "2026-01-02T00:00:00Z");

	json_object_put(doc);
	kvl_env_clear(&env);
	kvl_env_clear(&again);
	kvl_error_clear(&err);
}

/* Through environment.json's JSON: a member a later version adds to a
 * notification stays, and firstSeen survives. */
static void notifications_round_trip(void **state)
{
	static const char doc_text[] =
		"{\"format\":1,\"id\":\"e1\",\"displayName\":\"Contoso\","
		"\"region\":\"westeurope\",\"revision\":3,\"users\":[],"
		"\"notifications\":[{\"id\":\"vault.firewall\","
		"\"firstSeen\":\"2025-12-01T00:00:00Z\",\"ticket\":\"T-7\"},"
		"{\"id\":\"vault.region\"}]}";
	struct kvl_environment env = { 0 }, again = { 0 };
	struct kvl_notice notices[] = { firewall };
	json_object *doc = json_tokener_parse(doc_text), *out;
	struct kvl_error err;
	json_object *item;

	(void)state;
	kvl_error_init(&err);
	assert_non_null(doc);
	assert_int_equal(kvl_env_from_json(doc, &env, &err), KVL_OK);
	assert_int_equal(kvl_notifications_count(&env), 2);

	update(&env, notices, 1, "2026-01-02T00:00:00Z");
	out = kvl_env_to_json(&env);
	assert_int_equal(kvl_env_from_json(out, &again, &err), KVL_OK);
	assert_int_equal(kvl_notifications_count(&again), 1);
	item = stored(&again, "vault.firewall");
	assert_non_null(item);
	assert_string_equal(member(item, "firstSeen"), "2025-12-01T00:00:00Z");
	assert_string_equal(member(item, "lastSeen"), "2026-01-02T00:00:00Z");
	assert_string_equal(member(item, "ticket"), "T-7");

	json_object_put(doc);
	json_object_put(out);
	kvl_env_clear(&env);
	kvl_env_clear(&again);
	kvl_error_clear(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(notifications_added_and_seen),
		cmocka_unit_test(notifications_cleared),
		cmocka_unit_test(notifications_round_trip),
		cmocka_unit_test(notifications_checked_at),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
