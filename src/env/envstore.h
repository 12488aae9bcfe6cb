/*
 * The environment store: the Customer Insights environment kvlink manages,
 * kept as one JSON document, environment.json, in a directory
 * ($XDG_DATA_HOME/kvlink by default, --env-dir to override).
 *
 * Writes are atomic and serialised with an exclusive flock() on
 * environment.lock beside it. A save writes environment.json.tmp.XXXXXX
 * (mode 0600) in the same directory, fsyncs it, renames it over
 * environment.json and fsyncs the directory, so a reader, or kvlink after
 * a crash at any point, finds either the old or the new document. A
 * temporary file left by a killed kvlink is never read, and the next save
 * removes it. environment.json is not followed when it is a symbolic
 * link. A document kvlink cannot parse is reported and never overwritten. Members kvlink does not know (for
 * example notifications written by later versions) are kept as they are,
 * also inside each connection.
 */
#ifndef KVL_ENVSTORE_H
#define KVL_ENVSTORE_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "core/result.h"

#define KVL_ENV_FORMAT 1

enum kvl_role { KVL_ROLE_ADMIN, KVL_ROLE_CONTRIBUTOR, KVL_ROLE_VIEWER };

struct kvl_env_user {
	char *object_id;	/* Entra object id */
	char *name;
	enum kvl_role role;
};

/* One thing kvlink granted on the vault, with what is needed to undo it. */
struct kvl_grant {
	char *kind;		/* "accessPolicy" or "roleAssignment" */
	char *principal_id;	/* the Customer Insights service principal */
	char *role_definition_id;	/* roleAssignment only */
	char *assignment_id;	/* roleAssignment only: full resource id */
	char *permissions;	/* accessPolicy only: "keys,secrets,
				   certificates: get,list" */
	bool existed;		/* it was already there; unlink leaves it */
	/* accessPolicy only, when existed: the principal's "permissions"
	 * object before the link, as JSON text. Undoing the grant restores
	 * exactly these. */
	char *previous_permissions;
};

enum kvl_link_state {
	KVL_LINK_NONE,
	KVL_LINK_PENDING,	/* grants may exist; save did not finish */
	KVL_LINK_LINKED,
};

struct kvl_vault_link {
	enum kvl_link_state state;
	char *subscription_id;
	char *subscription_name;
	char *resource_group;
	char *name;
	char *resource_id;
	char *vault_uri;
	char *tenant_id;
	char *location;
	char *permission_model;	/* "accessPolicy" or "rbac" */
	char *service_principal_id;
	struct kvl_grant *grants;
	size_t n_grants;
	char *linked_by;	/* object id */
	char *linked_by_name;
	char *linked_at;	/* RFC 3339, UTC */
	char *consent_by;
	char *consent_at;
};

struct kvl_connection;		/* env/connections.h */
struct kvl_env_identity;	/* env/identity.h */

struct kvl_environment {
	char *id;		/* GUID */
	char *display_name;
	char *region;		/* normalised: "westeurope" */
	struct kvl_env_user *users;
	size_t n_users;
	struct kvl_vault_link vault;
	long revision;		/* bumped by every save */
	json_object *extra;	/* unknown members, kept on save */
	/* Export connections; see env/connections.h. */
	struct kvl_connection *connections;
	size_t n_connections;
	/* The service identity `kvlink check` reads secrets as; NULL when
	 * none is set. See env/identity.h. */
	struct kvl_env_identity *service_identity;
};

struct kvl_envstore;

/* Opens the store directory. A missing one is not created here but by
 * the first kvl_envstore_save, with mode 0700. */
kvl_result kvl_envstore_open(const char *dir, struct kvl_envstore **out,
			     struct kvl_error *err) KVL_NODISCARD;
void kvl_envstore_close(struct kvl_envstore *store);
const char *kvl_envstore_dir(const struct kvl_envstore *store);
/* Default directory: $XDG_DATA_HOME/kvlink or ~/.local/share/kvlink. */
char *kvl_envstore_default_dir(void);

/*
 * The wizard's first-run marker: the file wizard-intro-seen beside
 * environment.json, present once the wizard's introduction was shown
 * and dismissed for this directory. It is written atomically like
 * environment.json, under the store lock.
 */
bool kvl_envstore_intro_seen(const struct kvl_envstore *store);
kvl_result kvl_envstore_set_intro_seen(struct kvl_envstore *store,
				       struct kvl_error *err) KVL_NODISCARD;

/* KVL_ERR_NOT_FOUND when there is no environment yet. */
kvl_result kvl_envstore_load(struct kvl_envstore *store,
			     struct kvl_environment *env,
			     struct kvl_error *err) KVL_NODISCARD;

/*
 * Writes env. Fails with KVL_ERR_CONFLICT when the document on disk has a
 * different revision than env (someone else saved in between); on
 * success env->revision is the new revision.
 */
kvl_result kvl_envstore_save(struct kvl_envstore *store,
			     struct kvl_environment *env,
			     struct kvl_error *err) KVL_NODISCARD;

/* A change to the environment as it is on disk: changes env and returns
 * KVL_OK, or returns an error with err set so that nothing is saved. */
typedef kvl_result (*kvl_env_change)(struct kvl_environment *env, void *arg,
				     struct kvl_error *err);

/*
 * Reads the environment on disk, applies change to it and saves the
 * result, all under the store lock, so no other kvlink can save in
 * between and no update is lost. On success env is replaced by the saved
 * environment. On failure nothing is written and env is left as it was.
 * KVL_ERR_NOT_FOUND when there is no environment yet.
 */
kvl_result kvl_envstore_update(struct kvl_envstore *store,
			       struct kvl_environment *env,
			       kvl_env_change change, void *arg,
			       struct kvl_error *err) KVL_NODISCARD;

/* JSON conversion, used by the store and by `kvlink status`. */
kvl_result kvl_env_from_json(json_object *doc, struct kvl_environment *env,
			     struct kvl_error *err) KVL_NODISCARD;
json_object *kvl_env_to_json(const struct kvl_environment *env);

/* Maximum length of an environment's display name, in characters. */
#define KVL_ENV_NAME_MAX 256

/* Creates a new environment with a fresh id and admin as its Admin. The
 * name must be valid UTF-8 without control characters and at most
 * KVL_ENV_NAME_MAX characters long. */
kvl_result kvl_env_create(struct kvl_environment *env, const char *name,
			  const char *region, const char *admin_object_id,
			  const char *admin_name, struct kvl_error *err)
	KVL_NODISCARD;
void kvl_env_clear(struct kvl_environment *env);
void kvl_vault_link_clear(struct kvl_vault_link *link);

/* The role of object_id, or false when the user is not in env. */
bool kvl_env_user_role(const struct kvl_environment *env,
		       const char *object_id, enum kvl_role *role);
const char *kvl_role_name(enum kvl_role role);

/* Regions offered when creating an environment: NULL-terminated pairs of
 * name ("westeurope") and display name ("West Europe"). */
extern const char *const kvl_env_regions[];

#endif
