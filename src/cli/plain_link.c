/*
 * Line mode's link flow, in the wizard's six steps: subscription,
 * resource group, vault, prerequisite checks, privacy statement, and
 * review and save. The listings, the checks (kvl_link_plan) and the
 * grant and save (kvl_link_apply under the link lock) are the same calls
 * the wizard and `kvlink link` make.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/plain.h"
#include "core/sanitize.h"
#include "flow/link.h"
#include "flow/link_lock.h"
#include "i18n.h"

enum link_step {
	STEP_SUBSCRIPTION,
	STEP_RESOURCE_GROUP,
	STEP_VAULT,
	STEP_CHECKS,
	STEP_PRIVACY,
	STEP_REVIEW,
	STEP_DONE,
};

struct link_state {
	struct kvl_cli *cli;
	struct kvl_subscription *subs;
	size_t n_subs;
	struct kvl_tenant *skipped;
	size_t n_skipped;
	const struct kvl_subscription *sub;
	struct kvl_resource_group *groups;
	size_t n_groups;
	const char *group;	/* NULL: all resource groups */
	struct kvl_vault *vaults;
	size_t n_vaults;
	const struct kvl_vault *vault;
	struct kvl_link_plan plan;
};

/* Reports a failed call and prompts whether to try it again. PLAIN_OK
 * means try again. */
static enum plain_answer failed(const char *what, kvl_result r,
				struct kvl_error *err)
{
	const char *again[] = { _("Try again") };
	size_t choice;

	if (r == KVL_ERR_CANCELLED && kvl_cli_interrupted)
		return PLAIN_END;
	plain_report(what, err);
	kvl_error_clear(err);
	return plain_choose(_("What next?"), again, 1, &choice);
}

/* An array of n row texts for a numbered list, all NULL. */
static char **rows_new(size_t n)
{
	return calloc(n ? n : 1, sizeof(char *));
}

static void rows_free(char **rows, size_t n)
{
	for (size_t i = 0; rows != NULL && i < n; i++)
		free(rows[i]);
	free(rows);
}

static enum plain_answer list_subscriptions(struct link_state *st)
{
	struct kvl_error err;
	kvl_result r;

	kvl_error_init(&err);
	while (st->subs == NULL) {
		r = kvl_arm_list_all_subscriptions(&st->cli->session.az,
						   &st->subs, &st->n_subs,
						   &st->skipped,
						   &st->n_skipped, &err);
		if (r == KVL_OK)
			break;
		enum plain_answer a = failed(_("Could not list the "
					       "subscriptions"), r, &err);
		if (a != PLAIN_OK)
			return a;
	}
	for (size_t i = 0; i < st->n_skipped; i++)
		plain_say("%s", st->skipped[i].skip_note);
	return PLAIN_OK;
}

static enum plain_answer choose_subscription(struct link_state *st)
{
	enum plain_answer a = list_subscriptions(st);
	char **rows;
	size_t choice = 0;

	if (a != PLAIN_OK)
		return a;
	if (st->n_subs == 0) {
		plain_say("%s", _("The signed-in account sees no "
				  "subscriptions; sign in with another "
				  "account or ask for access."));
		return PLAIN_BACK;
	}
	rows = rows_new(st->n_subs);
	for (size_t i = 0; rows != NULL && i < st->n_subs; i++) {
		const struct kvl_subscription *s = &st->subs[i];

		if (asprintf(&rows[i], "%s  (%s, %s)", s->display_name,
			     s->subscription_id, s->state ? s->state : "?") < 0)
			rows[i] = NULL;
	}
	for (;;) {
		a = plain_choose(_("Step 1 of 6: choose the subscription that "
				   "contains the key vault."),
				 (const char *const *)rows, st->n_subs,
				 &choice);
		if (a != PLAIN_OK || kvl_subscription_usable(&st->subs[choice]))
			break;
		plain_say(_("Subscription %s is %s and cannot hold a linked "
			    "vault; choose another."),
			  st->subs[choice].display_name, st->subs[choice].state);
	}
	rows_free(rows, st->n_subs);
	if (a == PLAIN_OK)
		st->sub = &st->subs[choice];
	return a;
}

static void drop_groups(struct link_state *st)
{
	kvl_resource_groups_free(st->groups, st->n_groups);
	st->groups = NULL;
	st->n_groups = 0;
	st->group = NULL;
}

static enum plain_answer choose_group(struct link_state *st)
{
	struct kvl_error err;
	enum plain_answer a;
	char **rows;
	size_t choice = 0;
	kvl_result r;

	kvl_error_init(&err);
	drop_groups(st);
	for (;;) {
		r = kvl_arm_list_resource_groups(&st->cli->session.az,
						 st->sub->subscription_id,
						 &st->groups, &st->n_groups,
						 &err);
		if (r == KVL_OK)
			break;
		a = failed(_("Could not list the resource groups"), r, &err);
		if (a != PLAIN_OK)
			return a;
	}
	rows = rows_new(st->n_groups + 1);
	if (rows != NULL)
		rows[0] = strdup(_("All resource groups"));
	for (size_t i = 0; rows != NULL && i < st->n_groups; i++) {
		if (asprintf(&rows[i + 1], "%s  (%s)", st->groups[i].name,
			     st->groups[i].location ? st->groups[i].location :
			     "?") < 0)
			rows[i + 1] = NULL;
	}
	a = plain_choose(_("Step 2 of 6: optionally limit the vault list to "
			   "one resource group."),
			 (const char *const *)rows, st->n_groups + 1, &choice);
	rows_free(rows, st->n_groups + 1);
	if (a == PLAIN_OK && choice > 0)
		st->group = st->groups[choice - 1].name;
	return a;
}

static enum plain_answer choose_vault(struct link_state *st)
{
	struct kvl_error err;
	enum plain_answer a;
	char **rows;
	size_t choice = 0;
	kvl_result r;

	kvl_error_init(&err);
	kvl_vaults_free(st->vaults, st->n_vaults);
	st->vaults = NULL;
	st->n_vaults = 0;
	for (;;) {
		r = kvl_arm_list_vaults(&st->cli->session.az,
					st->sub->subscription_id, st->group,
					&st->vaults, &st->n_vaults, &err);
		if (r == KVL_OK)
			break;
		a = failed(_("Could not list the key vaults"), r, &err);
		if (a != PLAIN_OK)
			return a;
	}
	if (st->n_vaults == 0) {
		plain_say("%s", _("No key vault is listed here; go back and "
				  "choose another subscription or resource "
				  "group."));
		return PLAIN_BACK;
	}
	rows = rows_new(st->n_vaults);
	for (size_t i = 0; rows != NULL && i < st->n_vaults; i++) {
		const struct kvl_vault *v = &st->vaults[i];

		if (asprintf(&rows[i], "%s  (%s, %s)", v->name,
			     v->resource_group ? v->resource_group : "?",
			     v->location ? v->location : "?") < 0)
			rows[i] = NULL;
	}
	a = plain_choose(_("Step 3 of 6: choose the key vault to link."),
			 (const char *const *)rows, st->n_vaults, &choice);
	rows_free(rows, st->n_vaults);
	if (a == PLAIN_OK)
		st->vault = &st->vaults[choice];
	return a;
}

/* Runs the prerequisite checks until they pass or the user goes back. */
static enum plain_answer run_checks(struct link_state *st)
{
	const char *next[] = { _("Continue to the privacy statement") };
	const char *again[] = { _("Run the checks again") };
	struct kvl_error err;
	enum plain_answer a;
	size_t choice;
	kvl_result r;

	kvl_error_init(&err);
	for (;;) {
		kvl_link_plan_clear(&st->plan);
		memset(&st->plan, 0, sizeof(st->plan));
		putchar('\n');
		plain_say("%s", _("Step 4 of 6: checking the prerequisites."));
		r = kvl_link_plan(&st->cli->session.az, &st->cli->session.env,
				  st->sub->subscription_id,
				  st->vault->resource_group, st->vault->name,
				  NULL, &st->plan, &err);
		if (r != KVL_OK) {
			a = failed(_("Could not check the key vault"), r,
				   &err);
		} else if (kvl_link_plan_ready(&st->plan)) {
			kvl_cli_print_plan(&st->plan);
			return plain_choose(_("Every prerequisite passed."),
					    next, 1, &choice);
		} else {
			kvl_cli_print_plan(&st->plan);
			a = plain_choose(_("Not every prerequisite passed; "
					   "fix them as shown above."),
					 again, 1, &choice);
		}
		if (a != PLAIN_OK)
			return a;
	}
}


/* Takes the link lock, reads the environment again and grants and
 * saves, as the wizard's save step does. */
static kvl_result save_link(struct link_state *st, struct kvl_error *err)
{
	struct kvl_session *s = &st->cli->session;
	int lock_fd = -1;
	kvl_result r;

	r = kvl_link_lock(s->store, &lock_fd, err);
	if (r == KVL_OK)
		r = kvl_session_reload(s, err);
	if (r == KVL_OK && s->env.vault.state != KVL_LINK_NONE)
		r = kvl_error_set(err, KVL_ERR_CONFLICT,
				  _("another kvlink linked key vault '%s' "
				    "meanwhile; an environment has one linked "
				    "vault"), s->env.vault.name ?
				  s->env.vault.name : "?");
	if (r == KVL_OK)
		r = kvl_link_apply(&s->az, s->store, &s->env, &st->plan, true,
				   NULL, err);
	kvl_link_unlock(lock_fd);
	return r;
}

static enum plain_answer review_and_save(struct link_state *st)
{
	const char *save[] = { _("Grant access and save the link") };
	const struct kvl_vault_link *link = &st->cli->session.env.vault;
	struct kvl_error err;
	enum plain_answer a;
	size_t choice;
	kvl_result r;

	kvl_error_init(&err);
	putchar('\n');
	plain_say("%s", _("Step 6 of 6: review and save."));
	kvl_cli_print_field(_("Subscription"), st->sub->display_name);
	kvl_cli_print_field(_("Resource group"), st->vault->resource_group);
	kvl_cli_print_field(_("Key vault"), st->vault->name);
	kvl_cli_print_field(_("Permission model"), st->vault->rbac ?
			    _("Azure RBAC") : _("Access policies"));
	plain_say("%s", _("Customer Insights gets read access to the "
			  "vault's secrets, and nothing more."));
	a = plain_choose(_("Save?"), save, 1, &choice);
	if (a != PLAIN_OK)
		return a;
	r = save_link(st, &err);
	if (r != KVL_OK) {
		plain_report(_("Could not link the key vault"), &err);
		kvl_error_clear(&err);
		return PLAIN_BACK;
	}
	putchar('\n');
	plain_say(_("Linked key vault %s (%s, %s)."), link->name,
		  link->resource_group, link->subscription_name);
	kvl_cli_print_link(link);
	return PLAIN_OK;
}

static enum plain_answer run_step(struct link_state *st, enum link_step step)
{
	switch (step) {
	case STEP_SUBSCRIPTION:
		return choose_subscription(st);
	case STEP_RESOURCE_GROUP:
		return choose_group(st);
	case STEP_VAULT:
		return choose_vault(st);
	case STEP_CHECKS:
		return run_checks(st);
	case STEP_PRIVACY:
		return plain_consent(_("Step 5 of 6: data privacy and "
				       "compliance."),
				     _("Linking shares data with Customer "
				       "Insights."));
	case STEP_REVIEW:
		return review_and_save(st);
	default:
		return PLAIN_OK;
	}
}

static void clear_state(struct link_state *st)
{
	kvl_link_plan_clear(&st->plan);
	kvl_vaults_free(st->vaults, st->n_vaults);
	drop_groups(st);
	kvl_subscriptions_free(st->subs, st->n_subs);
	kvl_tenants_free(st->skipped, st->n_skipped);
}

enum plain_answer plain_link_flow(struct kvl_cli *cli)
{
	struct link_state st;
	int step = STEP_SUBSCRIPTION;
	enum plain_answer a = PLAIN_OK;

	if (cli->session.env.vault.state != KVL_LINK_NONE) {
		plain_say(_("Key vault %s is linked or its link is pending; "
			    "an environment has one linked vault."),
			  cli->session.env.vault.name);
		return PLAIN_OK;
	}
	memset(&st, 0, sizeof(st));
	st.cli = cli;
	while (step >= STEP_SUBSCRIPTION && step < STEP_DONE) {
		a = run_step(&st, (enum link_step)step);
		if (a == PLAIN_END)
			break;
		step += a == PLAIN_OK ? 1 : -1;
	}
	clear_state(&st);
	return a == PLAIN_END ? PLAIN_END : PLAIN_OK;
}
