/*
 * The link flow end to end against a real kvlink-sandbox: sign in with the
 * device code flow, plan and apply links, and compare the sandbox's state
 * before and after each step. The same sandbox also serves a workload
 * identity sign-in whose token file changes between two token requests.
 */
#include "config.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/arm.h"
#include "core/auth.h"
#include "core/graph.h"
#include "core/http.h"
#include "core/jsonutil.h"
#include "core/log.h"
#include "flow/link.h"
#include "flow/link_grants.h"
#include "flow/session.h"
#include "request_log.h"

#define S1 "11111111-1111-4111-8111-111111111111"
#define S3 "33333333-3333-4333-8333-333333333333"
#define RILEY "a0000000-0000-4000-8000-000000000002"
#define CI_OBJECT_ID "c1000000-0000-4000-8000-0000000000c1"

struct world {
	pid_t sandbox_pid;
	FILE *sandbox_out;
	char base[256];		/* https://127.0.0.1:PORT */
	char dir[64];		/* temporary directory of this run */
	struct kvl_session session;
	struct kvl_link_options options;
	int before_save_calls;
};

static struct world world;

/* Set to make the session's sink report a cancel, as Ctrl-C would. */
static bool cancel_requested;

static bool sink_cancelled(void *ctx)
{
	(void)ctx;
	return cancel_requested;
}

static const struct kvl_sink silent_sink = { .cancelled = sink_cancelled };

/* Starts kvlink-sandbox on a free port, with the tenant in tenant_path
 * or the built-in one when NULL, and waits for its first line. */
static int start_sandbox(struct world *w, const char *cloud_path,
			 const char *tenant_path)
{
	const char *builddir = getenv("KVL_BUILDDIR");
	char program[512], line[256];
	const char *prefix = "kvlink-sandbox: listening on ";
	const char *log = kvl_test_request_log("test_link_flow");
	const char *argv[10];
	size_t argc = 0;
	int fds[2];

	if (builddir == NULL)
		builddir = ".";
	snprintf(program, sizeof(program), "%s/src/kvlink-sandbox", builddir);
	argv[argc++] = program;
	argv[argc++] = "--port";
	argv[argc++] = "0";
	argv[argc++] = "--cloud-out";
	argv[argc++] = cloud_path;
	if (log != NULL) {
		argv[argc++] = "--request-log";
		argv[argc++] = log;
	}
	if (tenant_path != NULL) {
		argv[argc++] = "--tenant";
		argv[argc++] = tenant_path;
	}
	argv[argc] = NULL;
	if (pipe(fds) != 0)
		return -1;

	w->sandbox_pid = fork();
	if (w->sandbox_pid < 0)
		return -1;
	if (w->sandbox_pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execv(program, (char *const *)argv);
		fprintf(stderr, "cannot run %s\n", program);
		_exit(127);
	}

	close(fds[1]);
	w->sandbox_out = fdopen(fds[0], "r");
	if (w->sandbox_out == NULL ||
	    fgets(line, sizeof(line), w->sandbox_out) == NULL ||
	    strncmp(line, prefix, strlen(prefix)) != 0) {
		fprintf(stderr, "kvlink-sandbox did not start (%s)\n",
			program);
		return -1;
	}
	line[strcspn(line, "\r\n")] = '\0';
	snprintf(w->base, sizeof(w->base), "%s", line + strlen(prefix));
	return 0;
}

static void stop_sandbox(struct world *w)
{
	int status;

	if (w->sandbox_pid > 0) {
		kill(w->sandbox_pid, SIGTERM);
		waitpid(w->sandbox_pid, &status, 0);
		w->sandbox_pid = 0;
	}
	if (w->sandbox_out != NULL)
		fclose(w->sandbox_out);
	w->sandbox_out = NULL;
}

static void show_error(const char *what, const struct kvl_error *err)
{
	char *text = kvl_error_format(err);

	fprintf(stderr, "%s: %s\n", what, text != NULL ? text : "?");
	free(text);
}

/* Sends a control request to the sandbox and returns its JSON body. */
static json_object *sandbox_call(const char *method, const char *route)
{
	struct kvl_error err;
	json_object *out = NULL;
	char url[320];

	kvl_error_init(&err);
	snprintf(url, sizeof(url), "%s%s", world.base, route);
	if (kvl_http_json(world.session.az.http, method, url, NULL, NULL,
			  route, &out, &err) != KVL_OK)
		show_error(route, &err);
	kvl_error_clear(&err);
	assert_non_null(out);
	return out;
}

static json_object *sandbox_state(void)
{
	return sandbox_call("GET", "/_sandbox/state");
}

/* kvlink's 30 s request limit, times KVL_TIMEOUT_SCALE: the valgrind
 * suite (scripts/check-sanitizers) sets the scale, because under
 * memcheck the sandbox needs longer than that for some requests. */
static long request_timeout_s(void)
{
	const char *scale = getenv("KVL_TIMEOUT_SCALE");
	long n = scale != NULL ? strtol(scale, NULL, 10) : 1;

	return 30 * (n > 0 && n <= 100 ? n : 1);
}

static int open_world(struct world *w, const char *tenant_path)
{
	struct kvl_session_options options = {
		.auth_method = KVL_AUTH_DEVICE_CODE,
		.interactive = true,
		.timeout_s = request_timeout_s(),
	};
	const struct kvl_identity *me;
	struct kvl_error err;
	char cloud[128], env_dir[128];

	kvl_error_init(&err);
	snprintf(cloud, sizeof(cloud), "%s/cloud.json", w->dir);
	snprintf(env_dir, sizeof(env_dir), "%s/env", w->dir);
	if (start_sandbox(w, cloud, tenant_path) != 0)
		return -1;

	options.cloud_file = cloud;
	options.env_dir = env_dir;
	if (kvl_session_open(&w->session, &options, &silent_sink, &err) !=
	    KVL_OK ||
	    kvl_auth_sign_in(w->session.az.auth, true, &err) != KVL_OK) {
		show_error("session", &err);
		kvl_error_clear(&err);
		return -1;
	}

	me = kvl_auth_identity(w->session.az.auth);
	if (me == NULL ||
	    kvl_env_create(&w->session.env, "Contoso Insights", "westeurope",
			   me->object_id, me->name, &err) != KVL_OK ||
	    kvl_envstore_save(w->session.store, &w->session.env, &err) !=
	    KVL_OK) {
		show_error("environment", &err);
		kvl_error_clear(&err);
		return -1;
	}
	w->session.env_loaded = true;
	return 0;
}

static int group_setup(void **state)
{
	(void)state;
	strcpy(world.dir, "/tmp/kvl-link-flow-XXXXXX");
	if (mkdtemp(world.dir) == NULL)
		return -1;
	return open_world(&world, NULL);
}

static int group_teardown(void **state)
{
	char cmd[128];

	(void)state;
	kvl_session_close(&world.session);
	stop_sandbox(&world);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", world.dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Puts the sandbox back to its tenant and unlinks the environment. */
static int reset(void **state)
{
	struct kvl_error err;
	int rc = 0;

	(void)state;
	json_object_put(sandbox_call("POST", "/_sandbox/reset"));
	kvl_error_init(&err);
	if (kvl_session_reload(&world.session, &err) != KVL_OK)
		rc = -1;
	if (rc == 0 && world.session.env.vault.state != KVL_LINK_NONE) {
		kvl_vault_link_clear(&world.session.env.vault);
		if (kvl_envstore_save(world.session.store, &world.session.env,
				      &err) != KVL_OK)
			rc = -1;
	}
	if (rc != 0)
		show_error("reset", &err);
	kvl_error_clear(&err);
	memset(&world.options, 0, sizeof(world.options));
	world.before_save_calls = 0;
	cancel_requested = false;
	return rc;
}

static void plan_vault(const struct kvl_environment *env, const char *sub,
		       const char *group, const char *name,
		       struct kvl_link_plan *plan)
{
	struct kvl_error err;
	kvl_result rc;

	kvl_error_init(&err);
	rc = kvl_link_plan(&world.session.az, env, sub, group, name,
			   &world.options, plan, &err);
	if (rc != KVL_OK)
		show_error(name, &err);
	assert_int_equal(rc, KVL_OK);
	kvl_error_clear(&err);
}

static kvl_result apply_plan(const struct kvl_link_plan *plan, bool consent,
			     struct kvl_error *err)
{
	return kvl_link_apply(&world.session.az, world.session.store,
			      &world.session.env, plan, consent,
			      &world.options, err);
}

/* The link state of the environment as another process would see it. */
static enum kvl_link_state state_on_disk(struct kvl_environment *out)
{
	struct kvl_envstore *store = NULL;
	struct kvl_environment env = { 0 };
	struct kvl_error err;
	enum kvl_link_state state;

	kvl_error_init(&err);
	assert_int_equal(kvl_envstore_open(
		kvl_envstore_dir(world.session.store), &store, &err), KVL_OK);
	assert_int_equal(kvl_envstore_load(store, &env, &err), KVL_OK);
	state = env.vault.state;
	if (out != NULL)
		*out = env;
	else
		kvl_env_clear(&env);
	kvl_envstore_close(store);
	return state;
}

/* Prints the first place where two JSON values differ. */
static void show_difference(const char *path, json_object *a, json_object *b)
{
	char sub[512];
	size_t i;

	if (json_object_equal(a, b))
		return;
	if (json_object_is_type(a, json_type_object) &&
	    json_object_is_type(b, json_type_object)) {
		json_object_object_foreach(a, key, value) {
			json_object *other = json_object_object_get(b, key);

			snprintf(sub, sizeof(sub), "%s.%s", path, key);
			if (!json_object_equal(value, other)) {
				show_difference(sub, value, other);
				return;
			}
		}
		json_object_object_foreach(b, extra, unused) {
			(void)unused;
			if (!json_object_object_get_ex(a, extra, NULL)) {
				fprintf(stderr, "state differs at %s: new "
					"member %s\n", path, extra);
				return;
			}
		}
	} else if (json_object_is_type(a, json_type_array) &&
		   json_object_is_type(b, json_type_array) &&
		   json_object_array_length(a) ==
		   json_object_array_length(b)) {
		for (i = 0; i < json_object_array_length(a); i++) {
			json_object *x = json_object_array_get_idx(a, i);
			json_object *y = json_object_array_get_idx(b, i);

			snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
			if (!json_object_equal(x, y)) {
				show_difference(sub, x, y);
				return;
			}
		}
	}
	fprintf(stderr, "state differs at %s:\nexpected %s\nactual   %s\n",
		path, json_object_to_json_string(a),
		json_object_to_json_string(b));
}

static void assert_json_equal(json_object *expected, json_object *actual)
{
	show_difference("state", expected, actual);
	assert_true(json_object_equal(expected, actual));
}

static json_object *find_vault(json_object *state, const char *name)
{
	json_object *vaults = json_object_object_get(state, "vaults");
	size_t i;

	for (i = 0; i < json_object_array_length(vaults); i++) {
		json_object *v = json_object_array_get_idx(vaults, i);
		const char *n = kvl_json_str(v, "name");

		if (n != NULL && strcasecmp(n, name) == 0)
			return v;
	}
	fail_msg("vault %s is not in the sandbox state", name);
	return NULL;
}

/* Drops the record of who last changed the vault (Azure's systemData),
 * which an access policy update rightly refreshes. */
static void forget_modification(json_object *state, const char *vault)
{
	static const char *const members[] = {
		"lastModifiedBy", "lastModifiedByType", "lastModifiedAt",
	};
	json_object *v = find_vault(state, vault);
	size_t i;

	for (i = 0; i < sizeof(members) / sizeof(members[0]); i++)
		json_object_object_del(v, members[i]);
}

/* Removes and returns the access policy entry of object_id, or NULL. */
static json_object *take_policy(json_object *state, const char *vault,
				const char *object_id)
{
	json_object *policies = json_object_object_get(
		find_vault(state, vault), "accessPolicies");
	size_t i;

	for (i = 0; i < json_object_array_length(policies); i++) {
		json_object *p = json_object_array_get_idx(policies, i);
		const char *oid = kvl_json_str(p, "objectId");

		if (oid != NULL && strcasecmp(oid, object_id) == 0) {
			json_object_get(p);
			json_object_array_del_idx(policies, i, 1);
			return p;
		}
	}
	return NULL;
}

/* Asserts that the list contains exactly "get" and "list". */
static void assert_get_list(json_object *permissions, const char *kind)
{
	json_object *list = json_object_object_get(permissions, kind);
	bool get = false, lst = false;
	size_t i;

	assert_non_null(list);
	assert_int_equal(json_object_array_length(list), 2);
	for (i = 0; i < 2; i++) {
		const char *p = json_object_get_string(
			json_object_array_get_idx(list, i));

		get = get || strcasecmp(p, "get") == 0;
		lst = lst || strcasecmp(p, "list") == 0;
	}
	assert_true(get);
	assert_true(lst);
}

static void assert_ci_policy(json_object *entry)
{
	json_object *permissions, *storage;

	assert_non_null(entry);
	permissions = json_object_object_get(entry, "permissions");
	assert_get_list(permissions, "keys");
	assert_get_list(permissions, "secrets");
	assert_get_list(permissions, "certificates");
	storage = json_object_object_get(permissions, "storage");
	assert_true(storage == NULL ||
		    json_object_array_length(storage) == 0);
}

static json_object *find_assignment(json_object *list, const char *name)
{
	size_t i;

	for (i = 0; i < json_object_array_length(list); i++) {
		json_object *ra = json_object_array_get_idx(list, i);
		const char *n = kvl_json_str(ra, "name");

		if (n != NULL && strcasecmp(n, name) == 0)
			return ra;
	}
	return NULL;
}

/* Removes from after the role assignments that before lacks, and returns
 * them as a new array. */
static json_object *take_new_assignments(json_object *after,
					 json_object *before)
{
	json_object *list = json_object_object_get(after, "roleAssignments");
	json_object *old = json_object_object_get(before, "roleAssignments");
	json_object *added = json_object_new_array();
	size_t i = 0;

	while (i < json_object_array_length(list)) {
		json_object *ra = json_object_array_get_idx(list, i);
		const char *name = kvl_json_str(ra, "name");

		if (name != NULL && find_assignment(old, name) == NULL) {
			json_object_array_add(added, json_object_get(ra));
			json_object_array_del_idx(list, i, 1);
		} else {
			i++;
		}
	}
	return added;
}

/* Whether the assignment is for the role with this GUID. */
static bool assignment_role_is(json_object *ra, const char *guid)
{
	static const char *const fields[] = { "roleDefinitionId", "role" };
	size_t i;

	for (i = 0; i < 2; i++) {
		const char *v = kvl_json_str(ra, fields[i]);

		if (v != NULL && strcasestr(v, guid) != NULL)
			return true;
	}
	return false;
}

static void assert_ci_assignment(json_object *ra, const char *scope)
{
	assert_string_equal(kvl_json_str(ra, "principalId"), CI_OBJECT_ID);
	assert_int_equal(strcasecmp(kvl_json_str(ra, "scope"), scope), 0);
}

static void test_link_access_policy_vault(void **state)
{
	struct kvl_link_plan plan;
	struct kvl_error err;
	json_object *before, *after, *entry;
	struct kvl_environment disk;

	(void)state;
	kvl_error_init(&err);
	before = sandbox_state();
	plan_vault(&world.session.env, S1, "rg-ci-prod", "kv-ci-prod", &plan);
	assert_true(kvl_link_plan_ready(&plan));
	assert_null(plan.manual_steps);
	assert_string_equal(plan.principal.object_id, CI_OBJECT_ID);

	assert_int_equal(apply_plan(&plan, true, &err), KVL_OK);
	assert_int_equal(world.session.env.vault.state, KVL_LINK_LINKED);

	after = sandbox_state();
	assert_int_equal(json_object_array_length(json_object_object_get(
		find_vault(after, "kv-ci-prod"), "accessPolicies")), 3);
	entry = take_policy(after, "kv-ci-prod", CI_OBJECT_ID);
	assert_ci_policy(entry);
	json_object_put(entry);
	forget_modification(before, "kv-ci-prod");
	forget_modification(after, "kv-ci-prod");
	assert_json_equal(before, after);

	assert_int_equal(state_on_disk(&disk), KVL_LINK_LINKED);
	assert_string_equal(disk.vault.name, "kv-ci-prod");
	assert_string_equal(disk.vault.permission_model, "accessPolicy");
	assert_string_equal(disk.vault.subscription_name,
			    "Contoso Production");
	assert_int_equal(disk.vault.n_grants, 1);
	assert_string_equal(disk.vault.grants[0].kind, "accessPolicy");
	assert_string_equal(disk.vault.grants[0].principal_id, CI_OBJECT_ID);
	assert_false(disk.vault.grants[0].existed);
	assert_non_null(disk.vault.linked_at);
	assert_non_null(disk.vault.consent_at);
	assert_string_equal(disk.vault.linked_by,
			    world.session.env.users[0].object_id);

	kvl_env_clear(&disk);
	json_object_put(before);
	json_object_put(after);
	kvl_link_plan_clear(&plan);
	kvl_error_clear(&err);
}

/* Links an RBAC vault and checks that exactly expected_new role
 * assignments were added, all for the CI principal at the vault. */
static void link_rbac(const char *group, const char *vault,
		      size_t expected_new)
{
	struct kvl_link_plan plan;
	struct kvl_error err;
	json_object *before, *after, *added;
	size_t i;

	kvl_error_init(&err);
	before = sandbox_state();
	plan_vault(&world.session.env, S1, group, vault, &plan);
	assert_true(kvl_link_plan_ready(&plan));
	assert_true(plan.vault.rbac);

	assert_int_equal(apply_plan(&plan, true, &err), KVL_OK);
	assert_int_equal(state_on_disk(NULL), KVL_LINK_LINKED);

	after = sandbox_state();
	added = take_new_assignments(after, before);
	assert_int_equal(json_object_array_length(added), expected_new);
	for (i = 0; i < expected_new; i++)
		assert_ci_assignment(json_object_array_get_idx(added, i),
				     plan.vault.id);
	assert_json_equal(before, after);

	json_object_put(added);
	json_object_put(before);
	json_object_put(after);
	kvl_link_plan_clear(&plan);
	kvl_error_clear(&err);
}

static void test_link_rbac_vault(void **state)
{
	const struct kvl_vault_link *link = &world.session.env.vault;
	json_object *now;
	size_t i;

	(void)state;
	link_rbac("rg-ci-prod", "kv-ci-rbac", 2);

	assert_int_equal(link->n_grants, 2);
	assert_false(link->grants[0].existed);
	assert_false(link->grants[1].existed);
	assert_non_null(strcasestr(link->grants[0].role_definition_id,
				   KVL_ROLE_KEY_VAULT_READER));
	assert_non_null(strcasestr(link->grants[1].role_definition_id,
				   KVL_ROLE_KEY_VAULT_SECRETS_USER));

	/* The recorded ids name the assignments the sandbox now contains. */
	now = sandbox_state();
	for (i = 0; i < link->n_grants; i++) {
		const char *id = link->grants[i].assignment_id;
		const char *role = strrchr(link->grants[i].role_definition_id,
					   '/') + 1;
		json_object *ra;

		assert_non_null(id);
		ra = find_assignment(json_object_object_get(now,
			"roleAssignments"), strrchr(id, '/') + 1);
		assert_non_null(ra);
		assert_true(assignment_role_is(ra, role));
		assert_ci_assignment(ra, link->resource_id);
	}
	json_object_put(now);
}

static void test_link_rbac_existing_role(void **state)
{
	const struct kvl_vault_link *link = &world.session.env.vault;

	(void)state;
	link_rbac("rg-shared", "kv-rbac-existing", 1);

	/* Key Vault Reader was already there under another name. */
	assert_int_equal(link->n_grants, 2);
	assert_true(link->grants[0].existed);
	assert_false(link->grants[1].existed);
	assert_non_null(link->grants[1].assignment_id);
}

/* Plans a vault that fails one check and makes sure nothing changes. */
static void expect_check_failure(const struct kvl_environment *env,
				 const char *sub, const char *group,
				 const char *vault, enum kvl_check_id id)
{
	struct kvl_link_plan plan;
	struct kvl_error err;
	json_object *before, *after;

	kvl_error_init(&err);
	before = sandbox_state();
	plan_vault(env, sub, group, vault, &plan);
	if (plan.checks[id].state != KVL_CHECK_FAILED)
		fprintf(stderr, "%s: %s check is %s: %s\n", vault,
			kvl_check_name(id),
			kvl_check_state_name(plan.checks[id].state),
			plan.checks[id].reason);
	assert_int_equal(plan.checks[id].state, KVL_CHECK_FAILED);
	assert_non_null(plan.checks[id].fix);
	assert_false(kvl_link_plan_ready(&plan));

	assert_int_equal(apply_plan(&plan, true, &err), KVL_ERR_PREREQ);
	assert_non_null(strstr(err.message, kvl_check_name(id)));

	after = sandbox_state();
	assert_json_equal(before, after);
	assert_int_equal(state_on_disk(NULL), KVL_LINK_NONE);
	assert_int_equal(world.session.env.vault.state, KVL_LINK_NONE);

	json_object_put(before);
	json_object_put(after);
	kvl_link_plan_clear(&plan);
	kvl_error_clear(&err);
}

static void test_reject_without_admin(void **state)
{
	struct kvl_environment riley_env = { 0 };
	struct kvl_error err;

	(void)state;
	kvl_error_init(&err);
	assert_int_equal(kvl_env_create(&riley_env, "Riley's", "westeurope",
					RILEY, "Riley Reader", &err), KVL_OK);
	expect_check_failure(&riley_env, S1, "rg-ci-prod", "kv-ci-prod",
			     KVL_CHECK_ADMIN);
	kvl_env_clear(&riley_env);
}

static void test_reject_disabled_subscription(void **state)
{
	(void)state;
	expect_check_failure(&world.session.env, S3, "rg-archive",
			     "kv-archive", KVL_CHECK_SUBSCRIPTION);
}

static void test_reject_without_permission(void **state)
{
	struct kvl_link_plan plan;

	(void)state;
	expect_check_failure(&world.session.env, S1, "rg-restricted",
			     "kv-restricted-rbac", KVL_CHECK_PERMISSION);

	plan_vault(&world.session.env, S1, "rg-restricted",
		   "kv-restricted-rbac", &plan);
	assert_non_null(plan.manual_steps);
	assert_non_null(strstr(plan.manual_steps, "Key Vault Reader"));
	assert_non_null(strstr(plan.manual_steps, "Key Vault Secrets User"));
	assert_non_null(strstr(plan.manual_steps, plan.vault.id));
	assert_non_null(strstr(plan.manual_steps, CI_OBJECT_ID));
	assert_non_null(strstr(plan.manual_steps, KVL_CI_APP_ID));
	assert_non_null(strstr(plan.manual_steps,
			       "--assignee-principal-type ServicePrincipal"));
	kvl_link_plan_clear(&plan);
}

static void test_reject_firewalled_vaults(void **state)
{
	(void)state;
	expect_check_failure(&world.session.env, S1, "rg-ci-prod",
			     "kv-ci-firewall", KVL_CHECK_FIREWALL);
	expect_check_failure(&world.session.env, S1, "rg-shared",
			     "kv-ci-bypass", KVL_CHECK_FIREWALL);
	expect_check_failure(&world.session.env, S1, "rg-shared",
			     "kv-ci-private", KVL_CHECK_FIREWALL);
}

static void test_reject_other_region(void **state)
{
	(void)state;
	expect_check_failure(&world.session.env, S1, "rg-legacy",
			     "kv-legacy-ne", KVL_CHECK_REGION);
}

/* Whether the first page of s1's vault list names the vault. */
static bool on_first_page(const char *name, bool *more)
{
	struct kvl_error err;
	json_object *page = NULL, *value;
	const char *token = NULL;
	char url[256];
	bool found = false;
	size_t i;

	kvl_error_init(&err);
	assert_int_equal(kvl_azure_arm_token(&world.session.az, NULL, &token,
					     &err), KVL_OK);
	snprintf(url, sizeof(url), "%s/subscriptions/" S1 "/providers/"
		 "Microsoft.KeyVault/vaults?api-version=" KVL_API_KEYVAULT,
		 world.session.az.cloud.resource_manager);
	assert_int_equal(kvl_http_json(world.session.az.http, "GET", url,
				       token, NULL, "list", &page, &err),
			 KVL_OK);
	value = json_object_object_get(page, "value");
	for (i = 0; i < json_object_array_length(value); i++)
		if (strcasecmp(kvl_json_str(json_object_array_get_idx(value,
				i), "name"), name) == 0)
			found = true;
	*more = kvl_json_str(page, "nextLink") != NULL;
	json_object_put(page);
	kvl_error_clear(&err);
	return found;
}

static void test_find_vault_on_second_page(void **state)
{
	struct kvl_link_plan plan;
	bool more = false;

	(void)state;
	assert_false(on_first_page("kv-restricted-policy", &more));
	assert_true(more);

	plan_vault(&world.session.env, S1, NULL, "KV-Restricted-Policy",
		   &plan);
	assert_string_equal(plan.vault.name, "kv-restricted-policy");
	assert_string_equal(plan.vault.resource_group, "rg-restricted");
	assert_true(kvl_link_plan_ready(&plan));
	kvl_link_plan_clear(&plan);
}

static void test_unknown_vault_not_found(void **state)
{
	struct kvl_link_plan plan;
	struct kvl_error err;

	(void)state;
	kvl_error_init(&err);
	assert_int_equal(kvl_link_plan(&world.session.az, &world.session.env,
				       S1, NULL, "kv-missing", NULL, &plan,
				       &err), KVL_ERR_NOT_FOUND);
	assert_non_null(strstr(err.message, "kv-missing"));
	kvl_error_clear(&err);
}

static kvl_result fail_before_save(void *ctx)
{
	struct world *w = ctx;

	w->before_save_calls++;
	return KVL_ERR_IO;
}

/* A failure between grant and save undoes the grants. */
static void expect_rolled_back(const char *group, const char *vault)
{
	struct kvl_link_plan plan;
	struct kvl_error err;
	json_object *before, *after;

	kvl_error_init(&err);
	world.options.before_save = fail_before_save;
	world.options.ctx = &world;
	before = sandbox_state();
	plan_vault(&world.session.env, S1, group, vault, &plan);
	assert_true(kvl_link_plan_ready(&plan));

	assert_int_equal(apply_plan(&plan, true, &err), KVL_ERR_IO);
	assert_int_equal(world.before_save_calls, 1);
	assert_non_null(strstr(err.message, "removed again"));

	after = sandbox_state();
	forget_modification(before, vault);
	forget_modification(after, vault);
	assert_json_equal(before, after);
	assert_int_equal(state_on_disk(NULL), KVL_LINK_NONE);
	assert_int_equal(world.session.env.vault.state, KVL_LINK_NONE);

	json_object_put(before);
	json_object_put(after);
	kvl_link_plan_clear(&plan);
	kvl_error_clear(&err);
}

/* A cancel between grant and save, as Ctrl-C during the grant leaves
 * it: the sink keeps reporting the cancel while the undo runs. */
static kvl_result cancel_before_save(void *ctx)
{
	struct world *w = ctx;

	w->before_save_calls++;
	cancel_requested = true;
	return KVL_ERR_CANCELLED;
}

static void test_rollback_despite_cancel(void **state)
{
	struct kvl_link_plan plan;
	struct kvl_error err;
	json_object *before, *after;

	(void)state;
	kvl_error_init(&err);
	before = sandbox_state();
	plan_vault(&world.session.env, S1, "rg-ci-prod", "kv-ci-prod", &plan);
	assert_true(kvl_link_plan_ready(&plan));
	world.options.before_save = cancel_before_save;
	world.options.ctx = &world;

	assert_int_equal(apply_plan(&plan, true, &err), KVL_ERR_CANCELLED);
	cancel_requested = false;
	assert_int_equal(world.before_save_calls, 1);
	assert_non_null(strstr(err.message, "removed again"));
	assert_null(strstr(err.message, "could not be removed"));

	after = sandbox_state();
	forget_modification(before, "kv-ci-prod");
	forget_modification(after, "kv-ci-prod");
	assert_json_equal(before, after);
	assert_int_equal(state_on_disk(NULL), KVL_LINK_NONE);

	json_object_put(before);
	json_object_put(after);
	kvl_link_plan_clear(&plan);
	kvl_error_clear(&err);
}

static void test_rollback_access_policy(void **state)
{
	(void)state;
	expect_rolled_back("rg-ci-prod", "kv-ci-prod");
}

static void test_rollback_role_assignments(void **state)
{
	(void)state;
	expect_rolled_back("rg-ci-prod", "kv-ci-rbac");
}

/* The group's world while a test runs against a sandbox of its own. */
static struct world group_world;

/*
 * Starts a second sandbox whose tenant is the built-in one, except that
 * the Customer Insights principal already has an access policy entry on
 * kv-ci-prod with secrets:get and storage:list only. The test then runs
 * in that world.
 */
static int policy_world_setup(void **state)
{
	static const char *const categories[] = {
		"keys", "secrets", "certificates", "storage",
	};
	json_object *tenant, *vaults, *vault, *entry, *perms;
	char path[128];
	size_t i;

	(void)state;
	tenant = sandbox_state();
	vaults = json_object_object_get(tenant, "vaults");
	for (i = 0; i < json_object_array_length(vaults); i++)
		json_object_object_del(json_object_array_get_idx(vaults, i),
				       "secrets");
	vault = find_vault(tenant, "kv-ci-prod");
	perms = json_object_new_object();
	for (i = 0; i < 4; i++)
		json_object_object_add(perms, categories[i],
				       json_object_new_array());
	json_object_array_add(json_object_object_get(perms, "secrets"),
			      json_object_new_string("get"));
	json_object_array_add(json_object_object_get(perms, "storage"),
			      json_object_new_string("list"));
	entry = json_object_new_object();
	json_object_object_add(entry, "tenantId", json_object_get(
		json_object_object_get(vault, "tenantId")));
	json_object_object_add(entry, "objectId",
			       json_object_new_string(CI_OBJECT_ID));
	json_object_object_add(entry, "permissions", perms);
	json_object_array_add(json_object_object_get(vault, "accessPolicies"),
			      entry);
	snprintf(path, sizeof(path), "%s/tenant-ci-policy.json", world.dir);
	if (json_object_to_file(path, tenant) != 0)
		return -1;
	json_object_put(tenant);

	group_world = world;
	memset(&world, 0, sizeof(world));
	if (snprintf(world.dir, sizeof(world.dir), "%s/policy",
		     group_world.dir) >= (int)sizeof(world.dir) ||
	    mkdir(world.dir, 0700) != 0)
		return -1;
	return open_world(&world, path);
}

static int policy_world_teardown(void **state)
{
	(void)state;
	kvl_session_close(&world.session);
	stop_sandbox(&world);
	world = group_world;
	return 0;
}

/*
 * Linking merges get and list into the principal's existing entry, and
 * a failed save must put back exactly the permissions it had, storage
 * included, rather than leave the merged ones or drop the entry.
 */
static void test_rollback_restores_policy(void **state)
{
	json_object *before, *after, *entry_before, *entry_after;

	(void)state;
	before = sandbox_state();
	expect_rolled_back("rg-ci-prod", "kv-ci-prod");
	after = sandbox_state();

	entry_before = take_policy(before, "kv-ci-prod", CI_OBJECT_ID);
	entry_after = take_policy(after, "kv-ci-prod", CI_OBJECT_ID);
	assert_non_null(entry_before);
	assert_non_null(entry_after);
	assert_json_equal(entry_before, entry_after);

	json_object_put(entry_before);
	json_object_put(entry_after);
	json_object_put(before);
	json_object_put(after);
}

static void test_reject_without_consent(void **state)
{
	struct kvl_link_plan plan;
	struct kvl_error err;
	json_object *before, *after;

	(void)state;
	kvl_error_init(&err);
	before = sandbox_state();
	plan_vault(&world.session.env, S1, "rg-ci-prod", "kv-ci-prod", &plan);
	assert_true(kvl_link_plan_ready(&plan));

	assert_int_equal(apply_plan(&plan, false, &err), KVL_ERR_INVALID);
	after = sandbox_state();
	assert_json_equal(before, after);
	assert_int_equal(state_on_disk(NULL), KVL_LINK_NONE);

	json_object_put(before);
	json_object_put(after);
	kvl_link_plan_clear(&plan);
	kvl_error_clear(&err);
}

/* Writes a pending link to kv-ci-rbac, as a run that stopped between
 * recording the link and granting would have left it. */
static void write_pending_rbac_link(const struct kvl_link_plan *plan)
{
	static const char *const roles[] = {
		KVL_ROLE_KEY_VAULT_READER, KVL_ROLE_KEY_VAULT_SECRETS_USER,
	};
	struct kvl_vault_link *link = &world.session.env.vault;
	struct kvl_error err;
	char name[37];
	size_t i;

	kvl_error_init(&err);
	link->state = KVL_LINK_PENDING;
	link->subscription_id = strdup(S1);
	link->resource_group = strdup(plan->vault.resource_group);
	link->name = strdup(plan->vault.name);
	link->resource_id = strdup(plan->vault.id);
	link->permission_model = strdup("rbac");
	link->service_principal_id = strdup(CI_OBJECT_ID);
	link->grants = calloc(2, sizeof(*link->grants));
	assert_non_null(link->grants);
	link->n_grants = 2;
	for (i = 0; i < 2; i++) {
		struct kvl_grant *grant = &link->grants[i];

		assert_int_equal(kvl_link_assignment_name(plan->vault.id,
			CI_OBJECT_ID, roles[i], name), KVL_OK);
		grant->kind = strdup("roleAssignment");
		grant->principal_id = strdup(CI_OBJECT_ID);
		assert_true(asprintf(&grant->role_definition_id,
			"/subscriptions/" S1 "/providers/Microsoft."
			"Authorization/roleDefinitions/%s", roles[i]) > 0);
		assert_true(asprintf(&grant->assignment_id,
			"%s/providers/Microsoft.Authorization/"
			"roleAssignments/%s", plan->vault.id, name) > 0);
	}
	assert_int_equal(kvl_envstore_save(world.session.store,
					   &world.session.env, &err), KVL_OK);
	kvl_error_clear(&err);
}

static void test_resume_pending_link(void **state)
{
	struct kvl_link_plan plan;
	struct kvl_error err;
	json_object *before, *after, *added;
	size_t i;

	(void)state;
	kvl_error_init(&err);
	plan_vault(&world.session.env, S1, "rg-ci-prod", "kv-ci-rbac", &plan);
	write_pending_rbac_link(&plan);
	before = sandbox_state();

	assert_int_equal(kvl_link_resume(&world.session.az,
					 world.session.store,
					 &world.session.env, NULL, &err),
			 KVL_OK);
	assert_int_equal(world.session.env.vault.state, KVL_LINK_LINKED);
	assert_int_equal(state_on_disk(NULL), KVL_LINK_LINKED);

	/* The assignments carry the names recorded before granting. */
	after = sandbox_state();
	added = take_new_assignments(after, before);
	assert_int_equal(json_object_array_length(added), 2);
	for (i = 0; i < 2; i++) {
		const char *id = world.session.env.vault.grants[i]
				 .assignment_id;

		assert_non_null(find_assignment(added, strrchr(id, '/') + 1));
	}
	assert_json_equal(before, after);

	assert_int_equal(kvl_link_resume(&world.session.az,
					 world.session.store,
					 &world.session.env, NULL, &err),
			 KVL_ERR_INVALID);

	json_object_put(added);
	json_object_put(before);
	json_object_put(after);
	kvl_link_plan_clear(&plan);
	kvl_error_clear(&err);
}

/* Writes a fresh federated token of the sandbox's issuer for subject
 * (NULL: the automation app's federated credential) to path. */
static void write_federated_token(const char *path, const char *subject)
{
	json_object *in = json_object_new_object(), *out = NULL;
	struct kvl_error err;
	char url[320];
	FILE *f;

	if (subject != NULL)
		json_object_object_add(in, "subject",
				       json_object_new_string(subject));
	kvl_error_init(&err);
	snprintf(url, sizeof(url), "%s/_sandbox/federated-token", world.base);
	if (kvl_http_json(world.session.az.http, "POST", url, NULL, in,
			  "federated token", &out, &err) != KVL_OK)
		show_error("federated token", &err);
	kvl_error_clear(&err);
	assert_non_null(kvl_json_str(out, "token"));
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(kvl_json_str(out, "token"), f);
	fclose(f);
	json_object_put(out);
	json_object_put(in);
}

/*
 * Workload identity reads AZURE_FEDERATED_TOKEN_FILE at every token
 * request, because the platform rotates it: a token swapped in after the
 * sign-in is the one the next request sends, and the sandbox judges it.
 */
static void test_workload_identity_rotation(void **state)
{
	struct kvl_auth_options options = { .method = KVL_AUTH_AUTO };
	struct kvl_azure *az = &world.session.az;
	char path[128], *graph_scope = kvl_cloud_graph_scope(&az->cloud);
	struct kvl_auth *auth = NULL;
	struct kvl_error err;
	const char *token;

	(void)state;
	snprintf(path, sizeof(path), "%s/federated-token", world.dir);
	write_federated_token(path, NULL);
	setenv("AZURE_TENANT_ID", "72f988bf-0000-4000-8000-00000000a001", 1);
	setenv("AZURE_CLIENT_ID", "b0000000-0000-4000-8000-0000000000b1", 1);
	setenv("AZURE_FEDERATED_TOKEN_FILE", path, 1);
	kvl_error_init(&err);
	assert_int_equal(kvl_auth_new(az->http, &az->cloud, &options,
				      &silent_sink, &auth), KVL_OK);
	assert_int_equal(kvl_auth_sign_in(auth, false, &err), KVL_OK);
	assert_int_equal(kvl_auth_used_method(auth),
			 KVL_AUTH_WORKLOAD_IDENTITY);

	/* A token of another subject: the Graph token request fails. */
	write_federated_token(path, "system:serviceaccount:other:intruder");
	assert_int_equal(kvl_auth_token(auth, graph_scope, NULL, &token,
					&err), KVL_ERR_AUTH);
	assert_non_null(err.azure_message);
	assert_non_null(strstr(err.azure_message,
			       "no federated credential of the app matches"));
	kvl_error_clear(&err);

	/* The next rotation brings a valid token back. */
	write_federated_token(path, NULL);
	assert_int_equal(kvl_auth_token(auth, graph_scope, NULL, &token,
					&err), KVL_OK);

	unsetenv("AZURE_TENANT_ID");
	unsetenv("AZURE_CLIENT_ID");
	unsetenv("AZURE_FEDERATED_TOKEN_FILE");
	unlink(path);
	kvl_auth_free(auth);
	kvl_error_clear(&err);
	free(graph_scope);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup(fn, reset)
		T(test_link_access_policy_vault),
		T(test_link_rbac_vault),
		T(test_link_rbac_existing_role),
		T(test_reject_without_admin),
		T(test_reject_disabled_subscription),
		T(test_reject_without_permission),
		T(test_reject_firewalled_vaults),
		T(test_reject_other_region),
		T(test_find_vault_on_second_page),
		T(test_unknown_vault_not_found),
		T(test_rollback_access_policy),
		T(test_rollback_role_assignments),
		T(test_rollback_despite_cancel),
		cmocka_unit_test_setup_teardown(test_rollback_restores_policy,
						policy_world_setup,
						policy_world_teardown),
		T(test_reject_without_consent),
		T(test_resume_pending_link),
		T(test_workload_identity_rotation),
#undef T
	};
	const char *trace = kvl_test_trace_log("test_link_flow");

	/* The flows' HTTP traffic goes to the suite's trace logs, which
	 * tests/integration/no_secrets_in_logs.sh searches. */
	if (trace != NULL && kvl_log_open(trace) != KVL_OK)
		fprintf(stderr, "cannot open the trace log %s\n", trace);

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
