/*
 * kvlink link and kvlink privacy-statement. link finishes a pending link
 * first, then checks the prerequisites (kvl_link_plan), prints each
 * check, and grants and records the link (kvl_link_apply) when all of
 * them passed and the user accepted the privacy statement.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "core/sanitize.h"
#include "flow/advice.h"
#include "flow/link.h"
#include "flow/link_lock.h"
#include "i18n.h"

/* Result of one run of `kvlink link`, for the JSON document. */
struct link_outcome {
	const struct kvl_link_plan *plan;	/* NULL: no checks were run */
	bool ready;
	bool linked;
	bool already_linked;
	bool resumed;		/* a pending link was finished first */
};

void kvl_cli_cmd_privacy_statement(const struct kvl_cli *cli)
{
	const char *text = kvl_link_privacy_statement();

	if (cli->opt.output == KVL_OUTPUT_JSON) {
		json_object *doc = json_object_new_object();

		kvl_cli_json_add_string(doc, "privacyStatement", text);
		kvl_cli_print_json(doc);
		json_object_put(doc);
		return;
	}
	printf("%s\n\n", _("Data privacy and compliance"));
	kvl_cli_print_lines(stdout, "", text);
}

static json_object *subscription_json(const struct kvl_subscription *s)
{
	json_object *doc = json_object_new_object();

	kvl_cli_json_add_string(doc, "subscriptionId", s->subscription_id);
	kvl_cli_json_add_string(doc, "name", s->display_name);
	kvl_cli_json_add_string(doc, "state", s->state);
	return doc;
}

static json_object *principal_json(const struct kvl_link_plan *plan)
{
	json_object *doc = json_object_new_object();

	json_object_object_add(doc, "found",
			       json_object_new_boolean(plan->principal_found));
	kvl_cli_json_add_string(doc, "objectId", plan->principal.object_id);
	kvl_cli_json_add_string(doc, "appId", plan->principal.app_id);
	kvl_cli_json_add_string(doc, "name", plan->principal.display_name);
	return doc;
}

static json_object *checks_json(const struct kvl_link_plan *plan)
{
	json_object *list = json_object_new_array();

	for (int i = 0; plan != NULL && i < KVL_CHECK_COUNT; i++) {
		const struct kvl_check *c = &plan->checks[i];
		json_object *o = json_object_new_object();

		kvl_cli_json_add_string(o, "name", kvl_check_name(c->id));
		kvl_cli_json_add_string(o, "state",
					kvl_check_state_name(c->state));
		kvl_cli_json_add_string(o, "reason", c->reason);
		kvl_cli_json_add_string(o, "fix", c->fix);
		json_object_array_add(list, o);
	}
	return list;
}

static void plan_advice(const struct kvl_link_plan *plan,
			struct kvl_advice *advice)
{
	kvl_advice_collect(plan, advice);
}

static json_object *advice_json(const struct kvl_link_plan *plan)
{
	json_object *list = json_object_new_array();
	struct kvl_advice advice;

	if (plan == NULL)
		return list;
	plan_advice(plan, &advice);
	for (size_t i = 0; i < advice.n; i++) {
		json_object *o = json_object_new_object();

		kvl_cli_json_add_string(o, "name", advice.items[i].name);
		kvl_cli_json_add_string(o, "text", advice.items[i].text);
		json_object_array_add(list, o);
	}
	kvl_advice_clear(&advice);
	return list;
}

static void print_outcome_json(const struct kvl_cli *cli,
			       const struct link_outcome *out)
{
	const struct kvl_link_plan *plan = out->plan;
	json_object *doc = json_object_new_object();

	json_object_object_add(doc, "dryRun",
			       json_object_new_boolean(cli->opt.dry_run));
	json_object_object_add(doc, "ready",
			       json_object_new_boolean(out->ready));
	json_object_object_add(doc, "linked",
			       json_object_new_boolean(out->linked));
	json_object_object_add(doc, "alreadyLinked",
			       json_object_new_boolean(out->already_linked));
	json_object_object_add(doc, "resumed",
			       json_object_new_boolean(out->resumed));
	json_object_object_add(doc, "subscription", plan ?
			       subscription_json(&plan->subscription) : NULL);
	json_object_object_add(doc, "vault", plan ?
			       kvl_cli_vault_json(&plan->vault) : NULL);
	json_object_object_add(doc, "servicePrincipal",
			       plan ? principal_json(plan) : NULL);
	json_object_object_add(doc, "checks", checks_json(plan));
	json_object_object_add(doc, "recommendations", advice_json(plan));
	kvl_cli_json_add_string(doc, "manualSteps",
				plan ? plan->manual_steps : NULL);
	json_object_object_add(doc, "link", out->linked ?
			       kvl_cli_link_json(&cli->session.env.vault) :
			       NULL);
	kvl_cli_print_json(doc);
	json_object_put(doc);
}

static const char *state_word(enum kvl_check_state state)
{
	switch (state) {
	case KVL_CHECK_PASSED:
		return _("passed");
	case KVL_CHECK_FAILED:
		return _("FAILED");
	default:
		return _("unknown");
	}
}

static void print_check(const struct kvl_check *c)
{
	char *title = kvl_sanitize(kvl_check_title(c->id));

	printf("  %-8s %s\n", state_word(c->state), title ? title : "?");
	free(title);
	if (c->reason != NULL)
		kvl_cli_print_lines(stdout, "           ", c->reason);
	if (c->fix != NULL && c->state != KVL_CHECK_PASSED) {
		char *fix = NULL;

		if (asprintf(&fix, _("Fix: %s"), c->fix) >= 0) {
			kvl_cli_print_lines(stdout, "           ", fix);
			free(fix);
		}
	}
}

/* Recommendations do not block the link, so they get no state word. */
static void print_advice(const struct kvl_link_plan *plan)
{
	struct kvl_advice advice;

	plan_advice(plan, &advice);
	if (advice.n > 0)
		puts(_("\nRecommendations (they do not block the link):"));
	for (size_t i = 0; i < advice.n; i++)
		kvl_cli_print_lines(stdout, "  - ", advice.items[i].text);
	kvl_advice_clear(&advice);
}

void kvl_cli_print_plan(const struct kvl_link_plan *plan)
{
	char *vault = kvl_sanitize(plan->vault.name);

	printf(_("Prerequisites for key vault '%s':\n"), vault ? vault : "?");
	free(vault);
	for (int i = 0; i < KVL_CHECK_COUNT; i++)
		print_check(&plan->checks[i]);

	if (!plan->principal_found)
		printf(_("  %-8s %s\n"), _("FAILED"),
		       _("The Customer Insights service principal was not "
			 "found in the vault's tenant; an administrator of "
			 "the tenant must add it first."));
	print_advice(plan);
	if (plan->manual_steps != NULL) {
		puts(_("\nManual steps:"));
		kvl_cli_print_lines(stdout, "  ", plan->manual_steps);
	}
}

/* Fills err with a summary of what kept the plan from being ready. */
static kvl_result not_ready(const struct kvl_link_plan *plan, bool json,
			    struct kvl_error *err)
{
	int failed = 0, unknown = 0;

	for (int i = 0; i < KVL_CHECK_COUNT; i++) {
		if (plan->checks[i].state == KVL_CHECK_FAILED)
			failed++;
		else if (plan->checks[i].state == KVL_CHECK_UNKNOWN)
			unknown++;
	}
	if (!plan->principal_found)
		failed++;
	if (json)
		return kvl_error_set(err, KVL_ERR_PREREQ,
				     _("key vault '%s' cannot be linked because "
				       "not every prerequisite passed (failed: "
				       "%d, unknown: %d); the \"checks\" of the "
				       "JSON output say what to fix"),
				     plan->vault.name, failed, unknown);
	return kvl_error_set(err, KVL_ERR_PREREQ,
			     _("key vault '%s' cannot be linked because not "
			       "every prerequisite passed (failed: %d, "
			       "unknown: %d); fix them as shown above and run "
			       "the command again"),
			     plan->vault.name, failed, unknown);
}

static bool same_vault(const struct kvl_vault_link *link,
		       const struct kvl_cli_options *opt)
{
	return link->name != NULL && link->subscription_id != NULL &&
	       strcasecmp(link->name, opt->vault) == 0 &&
	       strcasecmp(link->subscription_id, opt->subscription) == 0;
}

/* Finishes a link an earlier run left pending, before anything else. */
static kvl_result resume_pending(struct kvl_cli *cli, bool *resumed,
				 struct kvl_error *err)
{
	struct kvl_environment *env = &cli->session.env;
	kvl_result r;

	if (env->vault.state != KVL_LINK_PENDING)
		return KVL_OK;

	/* A dry run changes nothing, so it only mentions the pending link. */
	if (cli->opt.dry_run) {
		kvl_sink_message(&cli->sink, KVL_LEVEL_WARNING,
				 _("the link of key vault '%s' is pending; "
				   "run the command without --dry-run to "
				   "finish it"),
				 env->vault.name ? env->vault.name : "?");
		return KVL_OK;
	}

	if (same_vault(&env->vault, &cli->opt))
		kvl_sink_message(&cli->sink, KVL_LEVEL_INFO,
				 _("Finishing the link of key vault '%s' that "
				   "an earlier run left pending."),
				 env->vault.name ? env->vault.name : "?");
	else
		kvl_sink_message(&cli->sink, KVL_LEVEL_WARNING,
				 _("an earlier run left the link of key vault "
				   "'%s' pending, not of '%s'; that link is "
				   "finished first, and an environment has "
				   "one linked vault"),
				 env->vault.name ? env->vault.name : "?",
				 cli->opt.vault);
	r = kvl_link_resume(&cli->session.az, cli->session.store, env, NULL,
			    err);

	/* The pending vault is gone and its record was dropped, so warn and
	 * go on with the requested vault. */
	if (r == KVL_ERR_NOT_FOUND && env->vault.state == KVL_LINK_NONE) {
		char *text = kvl_error_format(err);

		kvl_sink_message(&cli->sink, KVL_LEVEL_WARNING, "%s",
				 text != NULL ? text : "");
		free(text);
		kvl_error_clear(err);
		return KVL_OK;
	}
	if (r != KVL_OK)
		kvl_error_context(err, _("finish the pending link"));
	*resumed = r == KVL_OK;
	return r;
}

/* The environment is linked already: fine when it is the same vault. */
static kvl_result handle_linked(struct kvl_cli *cli, bool resumed,
				struct kvl_error *err)
{
	const struct kvl_environment *env = &cli->session.env;
	struct link_outcome out = {
		.ready = true, .linked = true, .already_linked = !resumed,
		.resumed = resumed,
	};

	if (!same_vault(&env->vault, &cli->opt))
		return kvl_error_set(err, KVL_ERR_CONFLICT,
				     _("environment '%s' is already linked to "
				       "key vault '%s' in subscription %s; an "
				       "environment has one linked vault"),
				     env->display_name, env->vault.name,
				     env->vault.subscription_id);

	if (cli->opt.output == KVL_OUTPUT_JSON) {
		print_outcome_json(cli, &out);
		return KVL_OK;
	}
	puts(resumed ? _("The pending link is finished.") :
	     _("The key vault is already linked to this environment."));
	kvl_cli_print_link(&env->vault);
	return KVL_OK;
}

static kvl_result apply_plan(struct kvl_cli *cli,
			     const struct kvl_link_plan *plan,
			     struct kvl_error *err)
{
	kvl_result r;

	kvl_sink_progress(&cli->sink, _("Granting access and saving the "
					"link"));
	r = kvl_link_apply(&cli->session.az, cli->session.store,
			   &cli->session.env, plan, true, NULL, err);
	if (r != KVL_OK)
		kvl_error_context(err, _("link the key vault"));
	return r;
}

static kvl_result plan_and_apply(struct kvl_cli *cli, struct kvl_error *err)
{
	struct kvl_link_plan plan;
	struct link_outcome out = { .plan = &plan };
	const bool json = cli->opt.output == KVL_OUTPUT_JSON;
	kvl_result r;

	memset(&plan, 0, sizeof(plan));
	r = kvl_link_plan(&cli->session.az, &cli->session.env,
			  cli->opt.subscription, cli->opt.resource_group,
			  cli->opt.vault, NULL, &plan, err);
	if (r != KVL_OK) {
		kvl_error_context(err, _("check the key vault"));
		goto out;
	}

	out.ready = kvl_link_plan_ready(&plan);
	if (!json)
		kvl_cli_print_plan(&plan);
	if (!out.ready) {
		r = not_ready(&plan, json, err);
	} else if (!cli->opt.dry_run) {
		r = apply_plan(cli, &plan, err);
		out.linked = r == KVL_OK;
	}

	if (json) {
		print_outcome_json(cli, &out);
	} else if (out.linked) {
		puts(_("\nLinked."));
		kvl_cli_print_link(&cli->session.env.vault);
	} else if (out.ready) {
		puts(_("\nEvery prerequisite passed; run the command again "
		       "without --dry-run to link the vault."));
	}

out:
	kvl_link_plan_clear(&plan);
	return r;
}

kvl_result kvl_cli_cmd_link(struct kvl_cli *cli, struct kvl_error *err)
{
	bool resumed = false;
	int lock_fd = -1;
	kvl_result r;

	/* --dry-run only reads, so it does not need the consent. */
	if (!cli->opt.accept_privacy_statement && !cli->opt.dry_run)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("linking shares data with Customer "
				       "Insights: read the statement with "
				       "'kvlink privacy-statement', then add "
				       "--accept-privacy-statement"));
	r = kvl_cli_default_subscription(cli, err);
	if (r != KVL_OK)
		return r;

	/* A dry run changes nothing, so it does not take the lock. The
	 * environment is read again under the lock because a run that had
	 * it until now may have changed the link. */
	r = kvl_cli_require_env(cli, err);
	if (r == KVL_OK && !cli->opt.dry_run) {
		r = kvl_link_lock(cli->session.store, &lock_fd, err);
		if (r == KVL_OK)
			r = kvl_session_reload(&cli->session, err);
		if (r == KVL_OK)
			r = kvl_cli_require_env(cli, err);
	}
	if (r == KVL_OK)
		r = kvl_cli_sign_in(cli, err);
	if (r == KVL_OK)
		r = resume_pending(cli, &resumed, err);
	if (r != KVL_OK)
		goto out;

	if (cli->session.env.vault.state == KVL_LINK_LINKED)
		r = handle_linked(cli, resumed, err);
	else
		r = plan_and_apply(cli, err);

out:
	kvl_link_unlock(lock_fd);
	return r;
}
