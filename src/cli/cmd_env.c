/* kvlink env create. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/arm.h"
#include "core/buf.h"
#include "i18n.h"

/* The canonical name ("westeurope") of a region given by name or display
 * name, or NULL when kvlink does not offer it. */
static const char *find_region(const char *input)
{
	for (size_t i = 0; kvl_env_regions[i] != NULL; i += 2) {
		if (kvl_region_equal(kvl_env_regions[i], input) ||
		    (kvl_env_regions[i + 1] != NULL &&
		     kvl_region_equal(kvl_env_regions[i + 1], input)))
			return kvl_env_regions[i];
	}
	return NULL;
}

static kvl_result unknown_region(const char *input, struct kvl_error *err)
{
	struct kvl_buf list;

	kvl_buf_init(&list);
	for (size_t i = 0; kvl_env_regions[i] != NULL; i += 2) {
		if (i > 0)
			kvl_buf_adds(&list, ", ");
		kvl_buf_adds(&list, kvl_env_regions[i]);
	}
	kvl_error_set(err, KVL_ERR_INVALID,
		      _("unknown region '%s'; use one of: %s"), input,
		      list.data != NULL ? list.data : "");
	kvl_buf_clear(&list);
	return KVL_ERR_INVALID;
}

static kvl_result env_exists(const struct kvl_cli *cli, struct kvl_error *err)
{
	const struct kvl_environment *env = &cli->session.env;

	return kvl_error_set(err, KVL_ERR_CONFLICT,
			     _("environment '%s' (id %s) already exists in "
			       "'%s'; kvlink keeps one environment per "
			       "directory, so use --env-dir for another one"),
			     env->display_name, env->id,
			     kvl_envstore_dir(cli->session.store));
}

static void print_created(const struct kvl_cli *cli,
			  const struct kvl_environment *env)
{
	if (cli->opt.output == KVL_OUTPUT_JSON) {
		json_object *doc = json_object_new_object();

		json_object_object_add(doc, "environment",
				       kvl_cli_env_json(env));
		kvl_cli_print_json(doc);
		json_object_put(doc);
		return;
	}
	puts(_("Environment created; you are its Admin."));
	kvl_cli_print_env(env);
}

kvl_result kvl_cli_cmd_env_create(struct kvl_cli *cli, struct kvl_error *err)
{
	struct kvl_environment env;
	const struct kvl_identity *id;
	const char *region = find_region(cli->opt.region);
	kvl_result r;

	memset(&env, 0, sizeof(env));
	if (region == NULL)
		return unknown_region(cli->opt.region, err);
	if (cli->session.env_loaded)
		return env_exists(cli, err);

	r = kvl_cli_sign_in(cli, err);
	if (r != KVL_OK)
		return r;
	id = kvl_auth_identity(cli->session.az.auth);
	if (id == NULL || id->object_id == NULL)
		return kvl_error_set(err, KVL_ERR_AUTH,
				     _("signed in, but the token does not say "
				       "who you are"));

	r = kvl_env_create(&env, cli->opt.name, region, id->object_id,
			   id->name, err);
	if (r == KVL_OK)
		r = kvl_envstore_save(cli->session.store, &env, err);
	if (r != KVL_OK) {
		kvl_error_operation(err, _("create the environment"));
		goto out;
	}
	print_created(cli, &env);

out:
	kvl_env_clear(&env);
	return r;
}
