/*
 * Line mode's entry and Home: the environment, the sign-in, and a
 * numbered menu of the link flow, Admin > Connections, the status and
 * the notifications.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli/plain.h"
#include "core/sanitize.h"
#include "env/notifications.h"
#include "i18n.h"

/* A string member of a notification, or NULL. */
static const char *member(json_object *item, const char *key)
{
	json_object *value = NULL;

	if (!json_object_object_get_ex(item, key, &value) ||
	    !json_object_is_type(value, json_type_string))
		return NULL;
	return json_object_get_string(value);
}

static void print_notification(json_object *item)
{
	json_object *names = NULL;

	putchar('\n');
	plain_say("%s [%s]", member(item, "severity") ? member(item,
		  "severity") : "?", member(item, "id") ? member(item, "id")
		  : "?");
	kvl_cli_print_lines(stdout, "  ", member(item, "cause"));
	plain_say("  %s", _("How to fix:"));
	kvl_cli_print_lines(stdout, "    ", member(item, "fix"));
	if (!json_object_object_get_ex(item, "connections", &names) ||
	    !json_object_is_type(names, json_type_array) ||
	    json_object_array_length(names) == 0)
		return;
	plain_say("  %s", _("Connections affected:"));
	for (size_t i = 0; i < json_object_array_length(names); i++)
		kvl_cli_print_lines(stdout, "    ", json_object_get_string(
			json_object_array_get_idx(names, i)));
}

/* Prints the stored notifications, as the last check left them. */
static void show_notifications(const struct kvl_cli *cli)
{
	json_object *list = kvl_notifications_get(&cli->session.env);
	const char *checked = kvl_notifications_checked_at(&cli->session.env);
	size_t n = list != NULL ? json_object_array_length(list) : 0;

	putchar('\n');
	if (checked != NULL)
		plain_say(_("Last check: %s"), checked);
	else
		plain_say("%s", _("No check has run yet; 'kvlink check' runs "
				  "one."));
	if (n == 0)
		plain_say("%s", _("No notifications."));
	for (size_t i = 0; i < n; i++)
		print_notification(json_object_array_get_idx(list, i));
}

static void show_status(struct kvl_cli *cli)
{
	struct kvl_error err;

	kvl_error_init(&err);
	putchar('\n');
	if (kvl_cli_cmd_status(cli, &err) != KVL_OK)
		plain_report(_("Could not show the status"), &err);
	kvl_error_clear(&err);
}

static void print_home(const struct kvl_cli *cli)
{
	const struct kvl_environment *env = &cli->session.env;
	const struct kvl_vault_link *link = &env->vault;

	putchar('\n');
	plain_say(_("Environment: %s (%s)"), env->display_name,
		  env->region ? env->region : "?");
	if (link->state == KVL_LINK_LINKED)
		plain_say(_("Key vault: %s (linked)"), link->name);
	else if (link->state == KVL_LINK_PENDING)
		plain_say(_("Key vault: the link of %s is pending; 'kvlink "
			    "link' finishes it"), link->name);
	else
		plain_say("%s", _("Key vault: none linked"));
	plain_say(_("Notifications: %zu"), kvl_notifications_count(env));
}

enum home_item {
	HOME_LINK,
	HOME_CONNECTIONS,
	HOME_STATUS,
	HOME_NOTIFICATIONS,
	HOME_QUIT,
	HOME_COUNT
};

/* Runs Home's menu until Quit, q or the end of input. *in_flow is set
 * when the input ended inside a flow, before it saved anything. */
static enum plain_answer home(struct kvl_cli *cli, bool *in_flow)
{
	const char *items[HOME_COUNT] = {
		[HOME_LINK] = _("Admin > Security > Link a key vault"),
		[HOME_CONNECTIONS] = _("Admin > Connections"),
		[HOME_STATUS] = _("Status"),
		[HOME_NOTIFICATIONS] = _("Notifications"),
		[HOME_QUIT] = _("Quit"),
	};
	enum plain_answer a = PLAIN_OK;
	size_t choice = 0;

	while (a != PLAIN_END) {
		print_home(cli);
		a = plain_choose(_("Home"), items, HOME_COUNT, &choice);
		if (a != PLAIN_OK || choice == HOME_QUIT)
			return a == PLAIN_END ? PLAIN_END : PLAIN_OK;
		*in_flow = choice == HOME_LINK || choice == HOME_CONNECTIONS;
		switch ((enum home_item)choice) {
		case HOME_LINK:
			a = plain_link_flow(cli);
			break;
		case HOME_CONNECTIONS:
			a = plain_connections(cli);
			break;
		case HOME_STATUS:
			show_status(cli);
			break;
		case HOME_NOTIFICATIONS:
			show_notifications(cli);
			break;
		default:
			break;
		}
	}
	return a;
}

int kvl_cli_plain_run(struct kvl_cli *cli)
{
	struct kvl_error err;
	bool in_flow = false;
	kvl_result r;

	kvl_error_init(&err);
	r = kvl_cli_require_env(cli, &err);
	if (r == KVL_OK)
		r = kvl_cli_sign_in(cli, &err);
	if (r != KVL_OK) {
		kvl_cli_print_error(cli, &err);
		kvl_error_clear(&err);
		return kvl_result_exit_code(r);
	}
	plain_say("%s", cli->opt.sandbox ?
		  _("kvlink line mode, against the sandbox: answer each "
		    "prompt with a number and Enter; q goes back.") :
		  _("kvlink line mode: answer each prompt with a number and "
		    "Enter; q goes back."));
	if (home(cli, &in_flow) != PLAIN_END)
		return KVL_EXIT_OK;
	if (kvl_cli_interrupted) {
		plain_say("%s", _("Interrupted; leaving line mode."));
		return KVL_EXIT_INTERRUPTED;
	}
	if (!in_flow) {
		plain_say("%s", _("End of input; leaving line mode."));
		return KVL_EXIT_OK;
	}
	/* Input that ends in the middle of a flow leaves the flow unfinished,
	 * so the exit status reports a failure. */
	plain_say("%s", _("Input ended before the step was finished; "
			  "nothing more was saved."));
	return KVL_EXIT_FAILURE;
}
