/*
 * kvlink unlink: removes what the link granted on the linked key vault
 * and clears the link (kvl_unlink). --vault must name the linked vault,
 * which is the confirmation for scripts; on a terminal without --yes the
 * user types the name once more.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/sanitize.h"
#include "flow/unlink.h"
#include "i18n.h"

/* The connections that stop working, and what happens to each grant. */
static void print_preview(const struct kvl_vault_link *link,
			  char **names, size_t n)
{
	char *plan = kvl_unlink_describe(link);
	size_t i;

	if (n == 0)
		puts(_("No connection uses the key vault."));
	else
		puts(_("These connections use the key vault; they stay but "
		       "stop working:"));
	for (i = 0; i < n; i++)
		kvl_cli_print_lines(stdout, "  ", names[i]);
	puts(_("Unlinking will:"));
	if (plan != NULL)
		kvl_cli_print_lines(stdout, "  ", plan);
	free(plan);
	fflush(stdout);
}

/* Asks the user on the terminal to type the vault's name again. */
static kvl_result ask_vault_name(const char *vault, struct kvl_error *err)
{
	char *line = NULL, *safe = kvl_sanitize(vault);
	size_t cap = 0;
	ssize_t len;
	bool same;

	fprintf(stderr, _("Type the name of the key vault (%s) to unlink it: "),
		safe != NULL ? safe : "?");
	fflush(stderr);
	free(safe);
	len = getline(&line, &cap, stdin);
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		line[--len] = '\0';
	same = len > 0 && strcasecmp(line, vault) == 0;
	free(line);

	/* A wrong name is a usage error, not an interruption: exit 2. */
	if (!same)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("key vault '%s' was not unlinked: the "
				       "name typed does not match"), vault);
	return KVL_OK;
}

/* Checks before signing in that there is a link and --vault names it. */
static kvl_result check_target(const struct kvl_cli *cli,
			       struct kvl_error *err)
{
	const struct kvl_vault_link *link = &cli->session.env.vault;

	if (link->state == KVL_LINK_NONE || link->name == NULL)
		return kvl_error_set(err, KVL_ERR_NOT_FOUND,
				     _("no key vault is linked to this "
				       "environment, so there is nothing to "
				       "unlink"));
	if (strcasecmp(link->name, cli->opt.vault) != 0)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("'%s' is not the name of the linked "
				       "key vault '%s'; pass the linked "
				       "vault's name with --vault to confirm "
				       "the unlink"),
				     cli->opt.vault, link->name);
	return KVL_OK;
}

static void print_json(const char *vault, char **names, size_t n)
{
	json_object *doc = json_object_new_object();
	json_object *list = json_object_new_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_object_array_add(list, json_object_new_string(names[i]));
	json_object_object_add(doc, "unlinked", json_object_new_boolean(1));
	kvl_cli_json_add_string(doc, "vault", vault);
	json_object_object_add(doc, "connectionsStopWorking", list);
	kvl_cli_print_json(doc);
	json_object_put(doc);
}

kvl_result kvl_cli_cmd_unlink(struct kvl_cli *cli, struct kvl_error *err)
{
	const bool json = cli->opt.output == KVL_OUTPUT_JSON;
	char **names = NULL, *vault = NULL;
	size_t n = 0;
	kvl_result r;

	r = kvl_cli_require_env(cli, err);
	if (r == KVL_OK)
		r = check_target(cli, err);
	if (r == KVL_OK)
		r = kvl_unlink_affected(&cli->session.env, &names, &n, err);
	if (r != KVL_OK)
		goto out;

	vault = strdup(cli->session.env.vault.name);
	if (vault == NULL) {
		r = kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
		goto out;
	}
	if (!json)
		print_preview(&cli->session.env.vault, names, n);
	if (!cli->opt.yes && isatty(STDIN_FILENO)) {
		r = ask_vault_name(vault, err);
		if (r != KVL_OK)
			goto out;
	}

	r = kvl_cli_sign_in(cli, err);
	if (r != KVL_OK)
		goto out;
	kvl_sink_progress(&cli->sink, _("Unlinking the key vault"));
	r = kvl_unlink(&cli->session.az, cli->session.store,
		       &cli->session.env, cli->opt.vault, err);
	if (r != KVL_OK) {
		kvl_error_context(err, _("unlink the key vault"));
		goto out;
	}

	if (json) {
		print_json(vault, names, n);
	} else {
		char *safe = kvl_sanitize(vault);

		printf(_("\nUnlinked key vault %s.\n"), safe ? safe : "?");
		free(safe);
	}

out:
	free(vault);
	kvl_unlink_names_free(names, n);
	return r;
}
