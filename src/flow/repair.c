#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/arm.h"
#include "core/auth.h"
#include "core/buf.h"
#include "core/sanitize.h"
#include "flow/health_run.h"
#include "flow/link.h"
#include "flow/link_grants.h"
#include "flow/link_lock.h"
#include "flow/repair.h"
#include "i18n.h"

#define POLICY_FINDING "vault.access-policy"
#define ROLE_FINDING "vault.role-assignment:"

/* The finding the health check gives for each role a link grants. */
static const struct {
	const char *guid;
	const char *finding;
	const char *name;
} role_findings[] = {
	{ KVL_ROLE_KEY_VAULT_READER, ROLE_FINDING "key-vault-reader",
	  "Key Vault Reader" },
	{ KVL_ROLE_KEY_VAULT_SECRETS_USER,
	  ROLE_FINDING "key-vault-secrets-user", "Key Vault Secrets User" },
};

#define N_ROLE_FINDINGS (sizeof(role_findings) / sizeof(role_findings[0]))

/* State of one repair; every member is owned and cleared at the end. */
struct repair_run {
	struct kvl_azure *az;
	/* Reads secret values in the checks; NULL for the signed-in user. */
	const struct kvl_health_reader *reader;
	struct kvl_envstore *store;
	struct kvl_environment disk;	/* read under the link lock */
	struct kvl_health before;
	struct kvl_link_plan plan;
	struct kvl_vault_link fresh;	/* the grants to make again */
	size_t attempted;
};

bool kvl_repair_fixes(const char *finding_id)
{
	return finding_id != NULL &&
	       (strcmp(finding_id, POLICY_FINDING) == 0 ||
		strncmp(finding_id, ROLE_FINDING, strlen(ROLE_FINDING)) == 0);
}

static bool is_policy(const struct kvl_grant *grant)
{
	return grant->kind != NULL && strcmp(grant->kind, "accessPolicy") == 0;
}

static bool has_finding(const struct kvl_health *health, const char *id)
{
	size_t i;

	for (i = 0; i < health->n_findings; i++)
		if (strcmp(health->findings[i].id, id) == 0)
			return true;
	return false;
}

/* The index in role_findings of a role assignment grant, or -1. */
static int role_index(const struct kvl_grant *grant)
{
	const char *guid = kvl_arm_id_tail(grant->role_definition_id);
	size_t i;

	for (i = 0; guid != NULL && i < N_ROLE_FINDINGS; i++)
		if (strcasecmp(guid, role_findings[i].guid) == 0)
			return (int)i;
	return -1;
}

/* Whether the health check found this grant of a link missing. */
static bool grant_missing(const struct kvl_grant *grant,
			  const struct kvl_health *health)
{
	int role;

	if (is_policy(grant))
		return has_finding(health, POLICY_FINDING);
	role = role_index(grant);
	return role >= 0 && has_finding(health, role_findings[role].finding);
}

static bool anything_missing(const struct kvl_health *health)
{
	size_t i;

	for (i = 0; i < health->n_findings; i++)
		if (kvl_repair_fixes(health->findings[i].id))
			return true;
	return false;
}

/* Rejects the repair when linking would be rejected now, naming every
 * prerequisite that is not met with its fix. */
static kvl_result require_ready(const struct kvl_link_plan *plan,
				const struct kvl_vault_link *link,
				struct kvl_error *err)
{
	struct kvl_buf why;
	int i;

	if (!plan->principal_found)
		return kvl_error_set(err, KVL_ERR_PREREQ,
			_("the Customer Insights service principal was not "
			  "found in the tenant of key vault '%s'; have a "
			  "tenant administrator add it, then repair again"),
			link->name);
	if (strcasecmp(plan->principal.object_id,
		       link->service_principal_id) != 0)
		return kvl_error_set(err, KVL_ERR_PREREQ,
			_("the Customer Insights service principal now has "
			  "object id %s, not %s as when key vault '%s' was "
			  "linked; run 'kvlink unlink' and 'kvlink link' "
			  "again instead"), plan->principal.object_id,
			link->service_principal_id, link->name);
	if (kvl_link_plan_ready(plan))
		return KVL_OK;

	kvl_buf_init(&why);
	for (i = 0; i < KVL_CHECK_COUNT; i++) {
		const struct kvl_check *c = &plan->checks[i];

		if (c->state == KVL_CHECK_PASSED)
			continue;
		kvl_buf_addf(&why, "%s%s: %s", why.len > 0 ? "; " : "",
			     kvl_check_title(c->id), c->reason ? c->reason :
			     kvl_check_state_name(c->state));
		if (c->fix != NULL)
			kvl_buf_addf(&why, _(" (fix: %s)"), c->fix);
	}
	if (plan->manual_steps != NULL)
		kvl_buf_addf(&why, "\n%s", plan->manual_steps);
	kvl_error_set(err, KVL_ERR_PREREQ,
		      _("the access on key vault '%s' was not repaired because "
			"a prerequisite of linking is not met: %s"),
		      link->name, why.data != NULL ? why.data : "?");
	kvl_buf_clear(&why);
	return KVL_ERR_PREREQ;
}

/* Plans every grant a link makes now and keeps the missing ones. */
static kvl_result select_grants(struct repair_run *run, struct kvl_error *err)
{
	struct kvl_vault_link all = { 0 };
	size_t i;
	kvl_result r;

	r = kvl_link_plan_grants(&run->plan.vault,
				 run->plan.principal.object_id, &all);
	if (r == KVL_OK)
		run->fresh.grants = calloc(all.n_grants,
					   sizeof(*run->fresh.grants));
	if (r != KVL_OK || run->fresh.grants == NULL) {
		kvl_vault_link_clear(&all);
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	}
	for (i = 0; i < all.n_grants; i++) {
		if (!grant_missing(&all.grants[i], &run->before))
			continue;
		run->fresh.grants[run->fresh.n_grants++] = all.grants[i];
		memset(&all.grants[i], 0, sizeof(all.grants[i]));
	}
	kvl_vault_link_clear(&all);
	return KVL_OK;
}

static char *dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

static bool grant_copy(struct kvl_grant *to, const struct kvl_grant *from)
{
	memset(to, 0, sizeof(*to));
	to->kind = dup_or_null(from->kind);
	to->principal_id = dup_or_null(from->principal_id);
	to->role_definition_id = dup_or_null(from->role_definition_id);
	to->assignment_id = dup_or_null(from->assignment_id);
	to->permissions = dup_or_null(from->permissions);
	to->existed = from->existed;
	to->previous_permissions = dup_or_null(from->previous_permissions);
	return (to->kind != NULL) == (from->kind != NULL) &&
	       (to->principal_id != NULL) == (from->principal_id != NULL) &&
	       (to->role_definition_id != NULL) ==
		       (from->role_definition_id != NULL) &&
	       (to->assignment_id != NULL) == (from->assignment_id != NULL) &&
	       (to->permissions != NULL) == (from->permissions != NULL) &&
	       (to->previous_permissions != NULL) ==
		       (from->previous_permissions != NULL);
}

static void grant_clear(struct kvl_grant *grant)
{
	free(grant->kind);
	free(grant->principal_id);
	free(grant->role_definition_id);
	free(grant->assignment_id);
	free(grant->permissions);
	free(grant->previous_permissions);
	memset(grant, 0, sizeof(*grant));
}

/* The recorded grant that a fresh one takes the place of, or NULL. */
static struct kvl_grant *recorded_grant(struct kvl_vault_link *link,
					const struct kvl_grant *fresh)
{
	size_t i;

	for (i = 0; i < link->n_grants; i++) {
		struct kvl_grant *g = &link->grants[i];

		if (is_policy(g) != is_policy(fresh))
			continue;
		if (is_policy(g) || role_index(g) == role_index(fresh))
			return g;
	}
	return NULL;
}

/*
 * Records one fresh grant in the link, so that unlinking removes exactly
 * it. An access policy entry that was still there and only lacked get or
 * list keeps the link's record, which already records how to undo it.
 */
static kvl_result record_grant(struct kvl_vault_link *link,
			       const struct kvl_grant *fresh)
{
	struct kvl_grant *slot = recorded_grant(link, fresh);
	struct kvl_grant *grown;

	if (slot != NULL && is_policy(fresh) && fresh->existed)
		return KVL_OK;
	if (slot == NULL) {
		grown = realloc(link->grants,
				(link->n_grants + 1) * sizeof(*grown));
		if (grown == NULL)
			return KVL_ERR_NOMEM;
		link->grants = grown;
		slot = &link->grants[link->n_grants++];
		memset(slot, 0, sizeof(*slot));
	}
	grant_clear(slot);
	return grant_copy(slot, fresh) ? KVL_OK : KVL_ERR_NOMEM;
}

/* Undoes the grants made so far after a failure described by err. */
static void undo_fresh(struct repair_run *run, struct kvl_error *err)
{
	struct kvl_error undo_err;
	char *detail, *combined = NULL;

	kvl_error_init(&undo_err);
	if (kvl_link_undo_grants(run->az, &run->plan.vault, &run->fresh,
				 run->attempted, &undo_err) == KVL_OK) {
		kvl_error_clear(&undo_err);
		return;
	}
	detail = kvl_error_format(&undo_err);
	if (asprintf(&combined, _("%s; the access granted again could not "
				  "be removed (%s), so it stays on the vault "
				  "without a record"),
		     err->message ? err->message : "",
		     detail ? detail : "?") >= 0) {
		free(err->message);
		err->message = combined;
	}
	free(detail);
	kvl_error_clear(&undo_err);
}

/* Makes the missing grants and records them in run->disk. */
static kvl_result grant_and_record(struct repair_run *run,
				   struct kvl_error *err)
{
	kvl_result r;
	size_t i;

	kvl_sink_progress(run->az->sink, _("Granting access on the key vault "
					   "again"));
	r = kvl_link_make_grants(run->az, &run->plan.vault, &run->fresh,
				 &run->attempted, err);
	for (i = 0; r == KVL_OK && i < run->fresh.n_grants; i++)
		if (record_grant(&run->disk.vault, &run->fresh.grants[i]) !=
		    KVL_OK)
			r = kvl_error_set(err, KVL_ERR_NOMEM,
					  _("out of memory"));
	if (r == KVL_OK)
		r = kvl_envstore_save(run->store, &run->disk, err);
	if (r != KVL_OK)
		undo_fresh(run, err);
	return r;
}

static kvl_result copy_granted(const struct kvl_vault_link *fresh,
			       struct kvl_repair_outcome *out,
			       struct kvl_error *err)
{
	size_t i;

	out->granted = calloc(fresh->n_grants + 1, sizeof(*out->granted));
	if (out->granted == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	for (i = 0; i < fresh->n_grants; i++) {
		out->n_granted = i + 1;
		if (!grant_copy(&out->granted[i], &fresh->grants[i]))
			return kvl_error_set(err, KVL_ERR_NOMEM,
					     _("out of memory"));
	}
	return KVL_OK;
}

static kvl_result load_linked(struct repair_run *run, struct kvl_error *err)
{
	kvl_result r = kvl_envstore_load(run->store, &run->disk, err);

	if (r == KVL_OK && run->disk.vault.state != KVL_LINK_LINKED)
		r = kvl_error_set(err, KVL_ERR_NOT_FOUND,
				  _("no key vault is linked to this "
				    "environment, so there is nothing to "
				    "repair; link one with 'kvlink link'"));
	return r;
}

/* The steps of kvl_repair under the lock: find what is missing, check the
 * prerequisites, grant and record. */
static kvl_result repair_locked(struct repair_run *run, int64_t now,
				struct kvl_repair_outcome *out,
				struct kvl_error *err)
{
	const struct kvl_vault_link *link = &run->disk.vault;
	kvl_result r;

	r = load_linked(run, err);
	if (r == KVL_OK && run->reader != NULL)
		r = kvl_health_check_as(run->az, run->reader, &run->disk, now,
					&run->before, err);
	else if (r == KVL_OK)
		r = kvl_health_check(run->az, &run->disk, now, &run->before,
				     err);
	if (r == KVL_OK && (has_finding(&run->before, "vault.missing") ||
			    has_finding(&run->before, "vault.soft-deleted")))
		return kvl_error_set(err, KVL_ERR_NOT_FOUND,
				     _("key vault '%s' no longer exists or is "
				       "soft-deleted, so there is no access "
				       "to repair on it; run 'kvlink check' "
				       "to see whether it can be recovered"),
				     link->name);
	if (r != KVL_OK || !anything_missing(&run->before))
		return r;

	r = kvl_link_plan(run->az, &run->disk, link->subscription_id,
			  link->resource_group, link->name, NULL, &run->plan,
			  err);
	if (r == KVL_OK)
		r = require_ready(&run->plan, link, err);
	if (r == KVL_OK)
		r = select_grants(run, err);
	if (r == KVL_OK)
		r = grant_and_record(run, err);
	if (r == KVL_OK)
		r = copy_granted(&run->fresh, out, err);
	out->repaired = r == KVL_OK;
	return r;
}

/* Runs the check of `kvlink check` on the repaired link, which stores its
 * findings as the notifications. The repair itself is saved already. */
static kvl_result recheck(struct kvl_azure *az,
			  const struct kvl_health_reader *reader,
			  struct kvl_envstore *store,
			  struct kvl_environment *env, struct kvl_health *out,
			  struct kvl_error *err)
{
	const struct kvl_identity *me = kvl_auth_identity(az->auth);
	struct kvl_health_reader user = { .az = az };
	char *name = NULL;
	kvl_result r;

	if (reader == NULL) {
		if (asprintf(&name, "the signed-in user (%s)",
			     me != NULL && me->name != NULL ? me->name :
			     "unknown") < 0)
			return kvl_error_set(err, KVL_ERR_NOMEM,
					     _("out of memory"));
		user.name = name;
		reader = &user;
	}
	kvl_sink_progress(az->sink, _("Checking the key vault again"));
	r = kvl_health_run(az, reader, store, env, out, err);
	if (r != KVL_OK)
		kvl_error_operation(err, _("check the key vault after the "
					   "repair; the access was granted "
					   "again and recorded, run 'kvlink "
					   "check'"));
	free(name);
	return r;
}

kvl_result kvl_repair(struct kvl_azure *az,
		      const struct kvl_health_reader *reader,
		      struct kvl_envstore *store, struct kvl_environment *env,
		      int64_t now, struct kvl_repair_outcome *out,
		      struct kvl_error *err)
{
	struct repair_run run = { .az = az, .reader = reader,
				  .store = store };
	int lock_fd = -1;
	kvl_result r;

	memset(out, 0, sizeof(*out));
	r = kvl_link_lock(store, &lock_fd, err);
	if (r != KVL_OK)
		return r;
	r = repair_locked(&run, now, out, err);
	kvl_link_unlock(lock_fd);

	if (out->repaired) {
		kvl_env_clear(env);
		*env = run.disk;
		memset(&run.disk, 0, sizeof(run.disk));
		r = recheck(az, reader, store, env, &out->health, err);
	} else if (r == KVL_OK) {
		/* Nothing changed, so the first check still holds. */
		out->health = run.before;
		memset(&run.before, 0, sizeof(run.before));
	}
	kvl_env_clear(&run.disk);
	kvl_health_clear(&run.before);
	kvl_link_plan_clear(&run.plan);
	kvl_vault_link_clear(&run.fresh);
	return r;
}

void kvl_repair_outcome_clear(struct kvl_repair_outcome *out)
{
	size_t i;

	for (i = 0; i < out->n_granted; i++)
		grant_clear(&out->granted[i]);
	free(out->granted);
	kvl_health_clear(&out->health);
	memset(out, 0, sizeof(*out));
}

char *kvl_repair_describe(const struct kvl_grant *grant)
{
	char *id, *text = NULL;
	int role = role_index(grant);
	int len;

	if (is_policy(grant)) {
		id = kvl_sanitize(grant->principal_id ? grant->principal_id :
				  "?");
		len = asprintf(&text, _("access policy entry of principal %s "
					"(get and list on keys, secrets and "
					"certificates)"), id ? id : "?");
	} else {
		id = kvl_sanitize(grant->assignment_id ? grant->assignment_id :
				  "?");
		len = asprintf(&text, _("role %s: role assignment %s%s"),
			       role >= 0 ? role_findings[role].name : "?",
			       id ? id : "?", grant->existed ?
			       _(" (it existed already)") : "");
	}
	free(id);
	return len < 0 ? NULL : text;
}
