/*
 * kvlink check: the health check of the linked key vault and the secrets
 * the connections use (kvl_health_check), for people and for cron. The
 * findings are stored as the environment's notifications, and the exit
 * status is 0 when none of them is an error.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cli/cli.h"
#include "core/sanitize.h"
#include "env/notifications.h"
#include "flow/health.h"
#include "i18n.h"

/* Whether the environment reloaded after a conflict still links the
 * vault that was checked, so the findings still apply to it. */
static bool same_link(const struct kvl_cli *cli, const char *vault)
{
	const struct kvl_vault_link *link = &cli->session.env.vault;

	return cli->session.env_loaded && link->state == KVL_LINK_LINKED &&
	       link->name != NULL && strcasecmp(link->name, vault) == 0;
}

static kvl_result save_notices(struct kvl_cli *cli,
			       const struct kvl_notice *notices, size_t n,
			       const char *now, struct kvl_error *err)
{
	kvl_result r;

	r = kvl_notifications_update(&cli->session.env, notices, n, now, err);
	if (r == KVL_OK)
		r = kvl_envstore_save(cli->session.store, &cli->session.env,
				      err);
	return r;
}

/*
 * Stores the findings as notifications. When another kvlink saved the
 * environment in between, the check's result is applied once more to
 * what it saved, unless that changed the link. NOTE: no test makes a
 * save conflict here yet, so the retry has only been reviewed.
 */
static kvl_result store_notifications(struct kvl_cli *cli,
				      const struct kvl_health *health,
				      struct kvl_error *err)
{
	struct kvl_notice *notices;
	char now[32], *vault = NULL;
	time_t t = time(NULL);
	struct tm tm;
	size_t i;
	kvl_result r;

	notices = calloc(health->n_findings + 1, sizeof(*notices));
	vault = strdup(cli->session.env.vault.name);
	if (notices == NULL || vault == NULL) {
		r = kvl_error_set(err, KVL_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < health->n_findings; i++) {
		const struct kvl_finding *f = &health->findings[i];

		notices[i] = (struct kvl_notice){ f->id,
			kvl_finding_severity_name(f->severity), f->cause,
			f->fix, f->connections, f->n_connections };
	}
	gmtime_r(&t, &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);

	r = save_notices(cli, notices, health->n_findings, now, err);
	if (r != KVL_ERR_CONFLICT)
		goto out;
	kvl_error_clear(err);
	r = kvl_session_reload(&cli->session, err);
	if (r == KVL_OK && !same_link(cli, vault))
		r = kvl_error_set(err, KVL_ERR_CONFLICT,
				  _("the environment's link changed while "
				    "key vault '%s' was checked; run 'kvlink "
				    "check' again"), vault);
	if (r == KVL_OK)
		r = save_notices(cli, notices, health->n_findings, now, err);
out:
	free(notices);
	free(vault);
	return r;
}

static void print_json(const struct kvl_cli *cli,
		       const struct kvl_cli_reader *reader, size_t errors)
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
		       const struct kvl_cli_reader *reader,
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

static kvl_result check_linked(const struct kvl_cli *cli,
			       struct kvl_error *err)
{
	if (cli->session.env.vault.state == KVL_LINK_LINKED)
		return KVL_OK;
	return kvl_error_set(err, KVL_ERR_NOT_FOUND,
			     _("no key vault is linked to this environment, "
			       "so there is nothing to check; link one with "
			       "'kvlink link'"));
}

kvl_result kvl_cli_cmd_check(struct kvl_cli *cli, struct kvl_error *err)
{
	struct kvl_health health = { 0 };
	struct kvl_cli_reader reader = { 0 };
	size_t errors;
	kvl_result r;

	r = kvl_cli_require_env(cli, err);
	if (r == KVL_OK)
		r = check_linked(cli, err);
	if (r == KVL_OK)
		r = kvl_cli_sign_in(cli, err);
	if (r == KVL_OK)
		r = kvl_cli_reader_open(cli, &reader, err);
	if (r == KVL_OK)
		r = kvl_health_check_as(&cli->session.az, &reader.health,
					&cli->session.env,
					(int64_t)time(NULL), &health, err);
	if (r == KVL_OK)
		r = store_notifications(cli, &health, err);
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
	kvl_cli_reader_close(&reader);
	return r;
}
