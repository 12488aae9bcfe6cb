#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/arm.h"
#include "core/auth.h"
#include "core/buf.h"
#include "core/sanitize.h"
#include "env/connections.h"
#include "env/notifications.h"
#include "flow/link_lock.h"
#include "flow/unlink.h"
#include "i18n.h"

kvl_result kvl_unlink_affected(const struct kvl_environment *env,
			       char ***names, size_t *n,
			       struct kvl_error *err)
{
	size_t i;

	*names = NULL;
	*n = 0;
	if (env->n_connections == 0)
		return KVL_OK;
	*names = calloc(env->n_connections, sizeof(**names));
	if (*names == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));

	for (i = 0; i < env->n_connections; i++) {
		const struct kvl_connection *conn = &env->connections[i];

		if (!conn->use_key_vault)
			continue;
		(*names)[*n] = strdup(conn->display_name != NULL ?
				      conn->display_name : "?");
		if ((*names)[*n] == NULL) {
			kvl_unlink_names_free(*names, *n);
			*names = NULL;
			*n = 0;
			return kvl_error_set(err, KVL_ERR_NOMEM,
					     _("out of memory"));
		}
		(*n)++;
	}
	return KVL_OK;
}

void kvl_unlink_names_free(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static bool is_policy(const struct kvl_grant *grant)
{
	return grant->kind != NULL && strcmp(grant->kind, "accessPolicy") == 0;
}

/* The action unlinking takes on grant, as a phrase followed by its id. */
static const char *describe_grant(const struct kvl_grant *grant)
{
	if (is_policy(grant) && !grant->existed)
		return _("remove the access policy entry of principal");
	if (is_policy(grant) && grant->previous_permissions != NULL)
		return _("restore the earlier permissions of the access "
			 "policy entry of principal");
	if (is_policy(grant))
		return _("keep (it existed before the link) the access "
			 "policy entry of principal");
	if (grant->existed)
		return _("keep (it existed before the link) the role "
			 "assignment of principal");
	return _("delete role assignment");
}

char *kvl_unlink_describe(const struct kvl_vault_link *link)
{
	struct kvl_buf buf;
	size_t i;

	kvl_buf_init(&buf);
	for (i = 0; i < link->n_grants; i++) {
		const struct kvl_grant *grant = &link->grants[i];
		const char *id = is_policy(grant) || grant->existed ?
				 grant->principal_id : grant->assignment_id;
		char *safe = kvl_sanitize(id != NULL ? id : "?");

		kvl_buf_addf(&buf, "%s %s\n", describe_grant(grant),
			     safe != NULL ? safe : "?");
		free(safe);
	}
	if (buf.data == NULL)
		return strdup("");
	return kvl_buf_detach(&buf);
}

/* Undoes one grant; grants that existed before the link and have nothing
 * to restore are left alone. */
static kvl_result remove_grant(struct kvl_azure *az,
			       const struct kvl_vault *vault,
			       const struct kvl_grant *grant,
			       struct kvl_error *err)
{
	if (is_policy(grant)) {
		if (vault == NULL)
			return KVL_OK;
		if (!grant->existed)
			return kvl_arm_remove_access_policy(
				az, vault, grant->principal_id, err);
		if (grant->previous_permissions != NULL)
			return kvl_arm_replace_access_policy(
				az, vault, grant->principal_id,
				grant->previous_permissions, err);
		return KVL_OK;
	}
	if (grant->existed || grant->assignment_id == NULL)
		return KVL_OK;
	return kvl_arm_delete_role_assignment(az, grant->assignment_id, err);
}

/* Replaces err's message with one that names the grant that failed;
 * Azure's code and message stay. */
static void name_failed_grant(const struct kvl_grant *grant,
			      const char *vault_name, struct kvl_error *err)
{
	char *vault = kvl_sanitize(vault_name);
	char *what = NULL;
	char *id = kvl_sanitize(is_policy(grant) ? grant->principal_id :
				grant->assignment_id);
	int rc;

	if (is_policy(grant))
		rc = asprintf(&what, _("the access policy entry of principal "
				       "%s on key vault %s could not be %s; "
				       "the link is kept, run the unlink "
				       "again to retry"),
			      id ? id : "?", vault ? vault : "?",
			      grant->existed ? _("restored") : _("removed"));
	else
		rc = asprintf(&what, _("role assignment %s on key vault %s "
				       "could not be removed; the link is "
				       "kept, run the unlink again to retry"),
			      id ? id : "?", vault ? vault : "?");
	if (rc >= 0) {
		free(err->message);
		err->message = what;
	}
	free(vault);
	free(id);
}

/*
 * Reads an access policy vault, whose entries the removal rewrites. When
 * the vault no longer exists, its access policy went with it, so *gone
 * is set and *vault stays empty.
 */
static kvl_result read_vault(struct kvl_azure *az,
			     const struct kvl_vault_link *link,
			     struct kvl_vault *vault, bool *gone,
			     struct kvl_error *err)
{
	kvl_result rc;

	*gone = false;
	if (link->permission_model != NULL &&
	    strcmp(link->permission_model, "rbac") == 0)
		return KVL_OK;

	kvl_sink_progress(az->sink, _("Reading the key vault"));
	rc = kvl_arm_get_vault(az, link->subscription_id, link->resource_group,
			       link->name, vault, err);
	if (rc == KVL_ERR_NOT_FOUND) {
		char *name = kvl_sanitize(link->name);

		kvl_error_clear(err);
		kvl_sink_message(az->sink, KVL_LEVEL_WARNING,
				 _("key vault '%s' no longer exists, so "
				   "there is no access policy entry to "
				   "remove"), name != NULL ? name : "?");
		free(name);
		*gone = true;
		return KVL_OK;
	}
	return rc;
}

/* Removes every grant of link, last first, and stops at the first that
 * fails. */
static kvl_result remove_grants(struct kvl_azure *az,
				const struct kvl_vault_link *link,
				struct kvl_error *err)
{
	struct kvl_vault vault = { 0 };
	bool gone = false;
	kvl_result rc;
	size_t i;

	rc = read_vault(az, link, &vault, &gone, err);
	if (rc != KVL_OK)
		goto out;

	kvl_sink_progress(az->sink, _("Removing the access granted on the "
				      "key vault"));
	for (i = link->n_grants; i-- > 0;) {
		const struct kvl_grant *grant = &link->grants[i];

		rc = remove_grant(az, gone ? NULL : &vault, grant, err);
		if (rc != KVL_OK) {
			name_failed_grant(grant, link->name, err);
			goto out;
		}
	}

out:
	kvl_vault_clear(&vault);
	return rc;
}

/* Only an Admin of the environment may remove its link, as for linking. */
static kvl_result require_admin(struct kvl_azure *az,
				const struct kvl_environment *env,
				struct kvl_error *err)
{
	const struct kvl_identity *who =
		az->auth != NULL ? kvl_auth_identity(az->auth) : NULL;
	enum kvl_role role;

	if (who == NULL || who->object_id == NULL)
		return kvl_error_set(err, KVL_ERR_AUTH,
				     _("nobody is signed in; sign in and try "
				       "again"));
	if (!kvl_env_user_role(env, who->object_id, &role) ||
	    role != KVL_ROLE_ADMIN)
		return kvl_error_set(err, KVL_ERR_PREREQ,
				     _("only an Admin of environment '%s' "
				       "may unlink its key vault; ask one to "
				       "do it"), env->display_name);
	return KVL_OK;
}

/* Loads the environment under the lock and checks the confirmation. */
static kvl_result load_linked(struct kvl_envstore *store,
			      struct kvl_environment *disk,
			      const char *vault_name, struct kvl_error *err)
{
	const struct kvl_vault_link *link = &disk->vault;
	kvl_result rc;

	rc = kvl_envstore_load(store, disk, err);
	if (rc != KVL_OK)
		return rc;
	if (link->state == KVL_LINK_NONE || link->name == NULL)
		return kvl_error_set(err, KVL_ERR_NOT_FOUND,
				     _("no key vault is linked to this "
				       "environment, so there is nothing "
				       "to unlink"));
	if (vault_name == NULL || strcasecmp(vault_name, link->name) != 0) {
		char *typed = kvl_sanitize(vault_name ? vault_name : "");

		kvl_error_set(err, KVL_ERR_INVALID,
			      _("'%s' is not the name of the linked key "
				"vault '%s'; type the linked vault's name "
				"to confirm the unlink"),
			      typed ? typed : "?", link->name);
		free(typed);
		return KVL_ERR_INVALID;
	}
	return KVL_OK;
}

kvl_result kvl_unlink(struct kvl_azure *az, struct kvl_envstore *store,
		      struct kvl_environment *env, const char *vault_name,
		      struct kvl_error *err)
{
	struct kvl_environment disk = { 0 };
	int lock_fd = -1;
	kvl_result rc;

	rc = kvl_link_lock(store, &lock_fd, err);
	if (rc != KVL_OK)
		return rc;

	/* Another run may have changed the link before we took the lock. */
	rc = load_linked(store, &disk, vault_name, err);
	if (rc == KVL_OK)
		rc = require_admin(az, &disk, err);
	if (rc != KVL_OK)
		goto out;

	rc = remove_grants(az, &disk.vault, err);
	if (rc != KVL_OK)
		goto out;

	kvl_vault_link_clear(&disk.vault);
	disk.vault.state = KVL_LINK_NONE;
	kvl_notifications_clear(&disk);
	rc = kvl_envstore_save(store, &disk, err);
	if (rc != KVL_OK)
		goto out;

	kvl_env_clear(env);
	*env = disk;
	memset(&disk, 0, sizeof(disk));

out:
	kvl_env_clear(&disk);
	kvl_link_unlock(lock_fd);
	return rc;
}
