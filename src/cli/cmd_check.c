/*
 * kvlink check: the health check of the linked key vault and the secrets
 * the connections use (kvl_health_run), for people and for cron. The
 * findings are stored as the environment's notifications, and the exit
 * status is 0 when none of them is an error.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/sanitize.h"
#include "env/notifications.h"
#include "flow/health_run.h"
#include "i18n.h"

static void print_json(const struct kvl_cli *cli,
		       const struct kvl_secret_reader *reader, size_t errors)
{
	json_object *doc = json_object_new_object();
	json_object *list = kvl_notifications_get(&cli->session.env);

	json_object_object_add(doc, "healthy",
			       json_object_new_boolean(errors == 0));
	kvl_cli_json_add_string(doc, "vault", cli->session.env.vault.name);
	json_object_object_add(doc, "secretsReadAs",
			       kvl_cli_reader_json(reader));
	json_object_object_add(doc, "errors",
			       json_object_new_int64((int64_t)errors));
	json_object_object_add(doc, "findings", list != NULL ?
			       json_object_get(list) :
			       json_object_new_array());
	kvl_cli_print_json(doc);
	json_object_put(doc);
}

static void print_finding(const struct kvl_finding *f)
{
	size_t i;
	char *id = kvl_sanitize(f->id);

	printf("%s [%s]\n", f->severity == KVL_FINDING_ERROR ?
	       _("Error") : _("Recommendation"), id != NULL ? id : "?");
	free(id);
	kvl_cli_print_lines(stdout, "  ", f->cause);
	printf("  %s\n", _("How to fix:"));
	kvl_cli_print_lines(stdout, "    ", f->fix);
	if (f->n_connections > 0)
		printf("  %s\n", _("Connections affected:"));
	for (i = 0; i < f->n_connections; i++)
		kvl_cli_print_lines(stdout, "    ", f->connections[i]);
}

static void print_text(const struct kvl_cli *cli,
		       const struct kvl_secret_reader *reader,
		       const struct kvl_health *health, size_t errors)
{
	size_t i;

	kvl_cli_print_field(_("Key vault"), cli->session.env.vault.name);
	kvl_cli_print_field(_("Health"), errors == 0 ? _("healthy") :
			    _("not healthy"));
	kvl_cli_print_field(_("Secrets read as"), reader->name);
	for (i = 0; i < health->n_findings; i++) {
		putchar('\n');
		print_finding(&health->findings[i]);
	}
}

/* With no vault linked, notifications left over from the vault linked
 * before are removed, so that nothing shows problems of a vault that
 * kvlink no longer uses. */
kvl_result kvl_cli_open_health(struct kvl_cli *cli, const char *unlinked,
			       bool forget_stale,
			       struct kvl_secret_reader *reader,
			       struct kvl_error *err)
{
	enum kvl_link_state state;
	kvl_result r;

	r = kvl_cli_require_env(cli, err);
	if (r != KVL_OK)
		return r;

	state = cli->session.env.vault.state;
	if (state == KVL_LINK_NONE && forget_stale) {
		r = kvl_health_forget(cli->session.store, &cli->session.env,
				      err);
		if (r != KVL_OK)
			return r;
	}
	if (state != KVL_LINK_LINKED)
		return kvl_error_set(err, KVL_ERR_NOT_FOUND, "%s", unlinked);

	r = kvl_cli_sign_in(cli, err);
	if (r != KVL_OK)
		return r;
	return kvl_secret_reader_open(&cli->session.az,
				      kvl_envstore_dir(cli->session.store),
				      &cli->session.env, reader, err);
}

kvl_result kvl_cli_cmd_check(struct kvl_cli *cli, struct kvl_error *err)
{
	struct kvl_health health = { 0 };
	struct kvl_secret_reader reader = { 0 };
	size_t errors;
	kvl_result r;

	r = kvl_cli_open_health(cli, _("no key vault is linked to this "
					"environment, so there is nothing to "
					"check; link one with 'kvlink link'"),
				true, &reader, err);
	if (r == KVL_OK)
		r = kvl_health_run(&cli->session.az, &reader.health,
				   cli->session.store, &cli->session.env,
				   &health, err);
	if (r != KVL_OK)
		goto out;

	errors = kvl_health_errors(&health);
	if (cli->opt.output == KVL_OUTPUT_JSON)
		print_json(cli, &reader, errors);
	else
		print_text(cli, &reader, &health, errors);
	if (errors > 0)
		r = kvl_error_set(err, KVL_ERR_PREREQ,
				  _("key vault '%s' has %zu problem(s) that "
				    "stop connections from working; fix them "
				    "as described and run 'kvlink check' "
				    "again"), cli->session.env.vault.name,
				  errors);
out:
	kvl_health_clear(&health);
	kvl_secret_reader_close(&reader);
	return r;
}
