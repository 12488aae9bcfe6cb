/* One run of the health check with its notifications; see health_run.h. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "env/notifications.h"
#include "flow/health_run.h"
#include "flow/link_lock.h"
#include "i18n.h"

/* Whether env, reloaded after a conflict, still links the vault that
 * was checked, so the findings still apply to it. */
static bool same_link(const struct kvl_environment *env, const char *vault)
{
	const struct kvl_vault_link *link = &env->vault;

	return link->state == KVL_LINK_LINKED && link->name != NULL &&
	       strcasecmp(link->name, vault) == 0;
}

static kvl_result save_notices(struct kvl_envstore *store,
			       struct kvl_environment *env,
			       const struct kvl_notice *notices, size_t n,
			       const char *now, struct kvl_error *err)
{
	kvl_result r;

	r = kvl_notifications_update(env, notices, n, now, err);
	if (r == KVL_OK)
		r = kvl_envstore_save(store, env, err);
	return r;
}

static struct kvl_notice *notices_new(const struct kvl_health *health)
{
	struct kvl_notice *notices;
	size_t i;

	notices = calloc(health->n_findings + 1, sizeof(*notices));
	if (notices == NULL)
		return NULL;
	for (i = 0; i < health->n_findings; i++) {
		const struct kvl_finding *f = &health->findings[i];

		notices[i] = (struct kvl_notice){ f->id,
			kvl_finding_severity_name(f->severity), f->cause,
			f->fix, f->connections, f->n_connections };
	}
	return notices;
}

/*
 * Stores the findings as notifications. When another kvlink saved the
 * environment in between, the result is applied once more to what it
 * saved, unless that changed the link.
 */
static kvl_result store_notifications(struct kvl_envstore *store,
				      struct kvl_environment *env,
				      const struct kvl_health *health,
				      struct kvl_error *err)
{
	struct kvl_notice *notices = notices_new(health);
	char now[32], *vault = strdup(env->vault.name);
	time_t t = time(NULL);
	struct tm tm;
	kvl_result r;

	if (notices == NULL || vault == NULL) {
		r = kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
		goto out;
	}
	gmtime_r(&t, &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);

	r = save_notices(store, env, notices, health->n_findings, now, err);
	if (r != KVL_ERR_CONFLICT)
		goto out;
	kvl_error_clear(err);
	r = kvl_envstore_load(store, env, err);
	if (r == KVL_OK && !same_link(env, vault))
		r = kvl_error_set(err, KVL_ERR_CONFLICT,
				  _("the environment's link changed while "
				    "key vault '%s' was checked; run 'kvlink "
				    "check' again"), vault);
	if (r == KVL_OK)
		r = save_notices(store, env, notices, health->n_findings, now,
				 err);
out:
	free(notices);
	free(vault);
	return r;
}

kvl_result kvl_health_run(struct kvl_azure *az,
			  const struct kvl_health_reader *reader,
			  struct kvl_envstore *store,
			  struct kvl_environment *env, struct kvl_health *out,
			  struct kvl_error *err)
{
	int lock = -1;
	kvl_result r;

	r = kvl_link_lock(store, &lock, err);
	if (r == KVL_OK)
		r = kvl_health_check_as(az, reader, env, (int64_t)time(NULL),
					out, err);
	if (r == KVL_OK)
		r = store_notifications(store, env, out, err);
	kvl_link_unlock(lock);
	return r;
}

kvl_result kvl_health_forget(struct kvl_envstore *store,
			     struct kvl_environment *env,
			     struct kvl_error *err)
{
	int lock = -1;
	kvl_result r;

	r = kvl_link_lock(store, &lock, err);
	if (r == KVL_OK)
		r = kvl_envstore_load(store, env, err);
	if (r == KVL_OK && env->vault.state == KVL_LINK_NONE &&
	    kvl_notifications_count(env) > 0) {
		kvl_notifications_clear(env);
		r = kvl_envstore_save(store, env, err);
	}
	kvl_link_unlock(lock);
	return r;
}
