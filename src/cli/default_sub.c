/*
 * az CLI's default subscription for commands that need one when
 * --subscription is left out. The file is only a preference: the
 * subscription is used only when Resource Manager lists it too.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "core/azcli.h"
#include "i18n.h"

/* Resource Manager's subscription ids are GUIDs (36 characters). */
static char chosen_id[64];

static kvl_result subscription_missing(struct kvl_error *err)
{
	return kvl_error_set(err, KVL_ERR_INVALID,
			     _("missing option '--subscription', and az CLI "
			       "has no default subscription for this cloud; "
			       "give one of the ids that 'kvlink list "
			       "subscriptions' shows"));
}

static const struct kvl_subscription *
find_live(const struct kvl_subscription *subs, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++) {
		if (subs[i].subscription_id != NULL &&
		    strcasecmp(subs[i].subscription_id, id) == 0)
			return &subs[i];
	}
	return NULL;
}

/* Signs in, lists the subscriptions live and takes id when listed. */
static kvl_result confirm_live(struct kvl_cli *cli, const char *id,
			       struct kvl_error *err)
{
	struct kvl_subscription *subs = NULL;
	const struct kvl_subscription *live;
	size_t n = 0;
	kvl_result r;

	r = kvl_cli_sign_in(cli, err);
	if (r == KVL_OK)
		r = kvl_arm_list_subscriptions(&cli->session.az, &subs, &n,
					       err);
	if (r != KVL_OK)
		return r;

	live = find_live(subs, n, id);
	if (live == NULL ||
	    strlen(live->subscription_id) >= sizeof(chosen_id)) {
		r = kvl_error_set(err, KVL_ERR_INVALID,
				  _("missing option '--subscription', and az "
				    "CLI's default subscription %s is not "
				    "one that Resource Manager lists for this "
				    "account; give one of the ids that "
				    "'kvlink list subscriptions' shows"), id);
	} else {
		snprintf(chosen_id, sizeof(chosen_id), "%s",
			 live->subscription_id);
		cli->opt.subscription = chosen_id;
		kvl_sink_message(&cli->sink, KVL_LEVEL_INFO,
				 _("kvlink: using the default subscription "
				   "from az CLI: %s (%s)"),
				 live->display_name != NULL
				 ? live->display_name : "?", chosen_id);
	}
	kvl_subscriptions_free(subs, n);
	return r;
}

kvl_result kvl_cli_default_subscription(struct kvl_cli *cli,
					struct kvl_error *err)
{
	char *id = NULL, *name = NULL, *warning = NULL;
	kvl_result r;

	if (cli->opt.subscription != NULL)
		return KVL_OK;
	r = kvl_azcli_default_subscription(cli->session.az.cloud.name, &id,
					   &name, &warning);
	if (warning != NULL)
		kvl_sink_message(&cli->sink, KVL_LEVEL_WARNING, "%s", warning);
	if (r != KVL_OK)
		r = kvl_error_set(err, r, _("out of memory"));
	else if (id == NULL)
		r = subscription_missing(err);
	else
		r = confirm_live(cli, id, err);
	free(id);
	free(name);
	free(warning);
	return r;
}
