/*
 * kvlink repair: grants the Customer Insights service principal again what
 * the link gave it and a check found missing (kvl_repair), then shows the
 * check that ran after the repair. Exits with status 0 when that check
 * finds no error, 5 when it does or when a prerequisite of linking is not
 * met.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "core/sanitize.h"
#include "env/notifications.h"
#include "flow/repair.h"
#include "i18n.h"

static json_object *grant_json(const struct kvl_grant *grant)
{
	json_object *obj = json_object_new_object();

	kvl_cli_json_add_string(obj, "kind", grant->kind);
	kvl_cli_json_add_string(obj, "principalId", grant->principal_id);
	if (grant->role_definition_id != NULL)
		kvl_cli_json_add_string(obj, "roleDefinitionId",
					grant->role_definition_id);
	if (grant->assignment_id != NULL)
		kvl_cli_json_add_string(obj, "assignmentId",
					grant->assignment_id);
	json_object_object_add(obj, "existed",
			       json_object_new_boolean(grant->existed));
	return obj;
}

static void print_json(const struct kvl_cli *cli,
		       const struct kvl_repair_outcome *out)
{
	json_object *doc = json_object_new_object();
	json_object *granted = json_object_new_array();
	json_object *list = kvl_notifications_get(&cli->session.env);
	size_t i;

	for (i = 0; i < out->n_granted; i++)
		json_object_array_add(granted, grant_json(&out->granted[i]));
	json_object_object_add(doc, "repaired",
			       json_object_new_boolean(out->repaired));
	kvl_cli_json_add_string(doc, "vault", cli->session.env.vault.name);
	json_object_object_add(doc, "granted", granted);
	json_object_object_add(doc, "healthy", json_object_new_boolean(
			kvl_health_errors(&out->health) == 0));
	json_object_object_add(doc, "errors", json_object_new_int64(
			(int64_t)kvl_health_errors(&out->health)));
	if (out->repaired) {
		json_object_object_add(doc, "findings", list != NULL ?
				       json_object_get(list) :
				       json_object_new_array());
	}
	kvl_cli_print_json(doc);
	json_object_put(doc);
}

static void print_granted(const struct kvl_repair_outcome *out,
			  const char *vault)
{
	size_t i;

	if (!out->repaired) {
		printf(_("Nothing to repair: the Customer Insights service "
			 "principal has all the access the link gave it on "
			 "key vault %s.\n"), vault ? vault : "?");
		return;
	}
	printf(_("Granted again on key vault %s:\n"), vault ? vault : "?");
	for (i = 0; i < out->n_granted; i++) {
		char *line = kvl_repair_describe(&out->granted[i]);

		printf("  %s\n", line ? line : "?");
		free(line);
	}
}

static void print_text(const struct kvl_cli *cli,
		       const struct kvl_repair_outcome *out)
{
	const struct kvl_health *health = &out->health;
	char *vault = kvl_sanitize(cli->session.env.vault.name);
	size_t i;

	print_granted(out, vault);
	kvl_cli_print_field(_("Health"), kvl_health_errors(health) == 0 ?
			    _("healthy") : _("not healthy"));
	for (i = 0; i < health->n_findings; i++) {
		char *id = kvl_sanitize(health->findings[i].id);

		printf("  %s [%s]\n", health->findings[i].severity ==
		       KVL_FINDING_ERROR ? _("Error") : _("Recommendation"),
		       id ? id : "?");
		free(id);
	}
	if (health->n_findings > 0)
		puts(_("Run 'kvlink check' for the details of each finding."));
	free(vault);
}

kvl_result kvl_cli_cmd_repair(struct kvl_cli *cli, struct kvl_error *err)
{
	struct kvl_repair_outcome out = { 0 };
	struct kvl_secret_reader reader = { 0 };
	size_t errors;
	kvl_result r;

	r = kvl_cli_open_health(cli, _("no key vault is linked to this "
					"environment, so there is nothing to "
					"repair; link one with 'kvlink link'"),
				false, &reader, err);
	if (r != KVL_OK)
		goto out;

	kvl_sink_progress(&cli->sink, _("Repairing the access on the key "
					"vault"));
	r = kvl_repair(&cli->session.az, &reader.health, cli->session.store,
		       &cli->session.env, (int64_t)time(NULL), &out, err);
	if (r != KVL_OK) {
		if (err->operation == NULL)
			kvl_error_operation(err, _("repair the key vault's "
						   "access"));
		goto out;
	}
	if (cli->opt.output == KVL_OUTPUT_JSON)
		print_json(cli, &out);
	else
		print_text(cli, &out);
	errors = kvl_health_errors(&out.health);
	if (errors > 0)
		r = kvl_error_set(err, KVL_ERR_PREREQ,
				  _("key vault '%s' still has %zu problem(s) "
				    "that stop connections from working and "
				    "that repair cannot fix; run 'kvlink "
				    "check' for each one's fix"),
				  cli->session.env.vault.name, errors);
out:
	kvl_repair_outcome_clear(&out);
	kvl_secret_reader_close(&reader);
	return r;
}
