#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/crypto.h"
#include "core/jsonutil.h"
#include "core/log.h"
#include "core/sanitize.h"
#include "env/connections.h"
#include "env/envstore.h"
#include "env/identity.h"
#include "i18n.h"

#define ENV_FILE "environment.json"
#define LOCK_FILE "environment.lock"
/* kvl_write_file_atomic() names its temporary file <path>.tmp.XXXXXX. */
#define TMP_INFIX ".tmp."

/* Largest environment.json we read; real documents are a few KiB. */
#define ENV_MAX_SIZE (4L * 1024 * 1024)

struct kvl_envstore {
	char *dir;
	char *path;		/* <dir>/environment.json */
	char *lock_path;	/* <dir>/environment.lock */
};

const char *const kvl_env_regions[] = {
	"westeurope", "West Europe",
	"northeurope", "North Europe",
	"uksouth", "UK South",
	"ukwest", "UK West",
	"francecentral", "France Central",
	"germanywestcentral", "Germany West Central",
	"switzerlandnorth", "Switzerland North",
	"norwayeast", "Norway East",
	"swedencentral", "Sweden Central",
	"polandcentral", "Poland Central",
	"italynorth", "Italy North",
	"eastus", "East US",
	"eastus2", "East US 2",
	"centralus", "Central US",
	"northcentralus", "North Central US",
	"southcentralus", "South Central US",
	"westcentralus", "West Central US",
	"westus", "West US",
	"westus2", "West US 2",
	"westus3", "West US 3",
	"canadacentral", "Canada Central",
	"canadaeast", "Canada East",
	"brazilsouth", "Brazil South",
	"australiaeast", "Australia East",
	"australiasoutheast", "Australia Southeast",
	"centralindia", "Central India",
	"southindia", "South India",
	"japaneast", "Japan East",
	"japanwest", "Japan West",
	"koreacentral", "Korea Central",
	"eastasia", "East Asia",
	"southeastasia", "Southeast Asia",
	"uaenorth", "UAE North",
	"southafricanorth", "South Africa North",
	NULL, NULL,
};

/* Creates dir when missing; a failure is reported as a store error. */
static kvl_result make_store_dir(const char *dir, struct kvl_error *err)
{
	kvl_result rc = kvl_make_dirs(dir, err);
	char *reason;

	if (rc != KVL_ERR_IO)
		return rc;
	reason = err->message;
	err->message = NULL;
	kvl_error_set(err, KVL_ERR_STORE, _("%s, or choose another directory "
					    "with --env-dir"),
					  reason != NULL ? reason : "");
	free(reason);
	return KVL_ERR_STORE;
}

/*
 * Rejects a directory that someone else could change: one owned by
 * another user or writable by the group or others, since whoever can
 * write there can swap environment.json or the lock file.
 */
static kvl_result check_store_dir(const char *dir, const struct stat *st,
				  struct kvl_error *err)
{
	if (st->st_uid != geteuid())
		return kvl_error_set(err, KVL_ERR_STORE,
			_("the environment directory '%s' belongs to another "
			  "user (uid %lu); choose a directory of your own "
			  "with --env-dir"), dir, (unsigned long)st->st_uid);
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return kvl_error_set(err, KVL_ERR_STORE,
			_("the environment directory '%s' is writable by "
			  "other users (mode %03o); run 'chmod go-w %s' or "
			  "choose another directory with --env-dir"), dir,
			(unsigned)(st->st_mode & 0777), dir);
	return KVL_OK;
}

/* Checks that dir is a directory of ours that others cannot change. */
static kvl_result verify_store_dir(const char *dir, struct kvl_error *err)
{
	struct stat st;

	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return kvl_error_set(err, KVL_ERR_STORE,
			_("'%s' is not a directory; remove it or choose "
			  "another directory with --env-dir"), dir);
	return check_store_dir(dir, &st, err);
}

kvl_result kvl_envstore_open(const char *dir, struct kvl_envstore **out,
			     struct kvl_error *err)
{
	struct kvl_envstore *store = NULL;
	struct stat st;
	kvl_result rc;

	*out = NULL;
	if (dir == NULL || dir[0] == '\0')
		return kvl_error_set(err, KVL_ERR_INVALID,
			_("no environment directory given; set --env-dir or "
			  "HOME"));

	/* A missing directory is made by the first save, so that commands
	 * that only read leave no trace. */
	if (stat(dir, &st) == 0 || errno != ENOENT) {
		rc = verify_store_dir(dir, err);
		if (rc != KVL_OK)
			return rc;
	}

	store = calloc(1, sizeof(*store));
	if (store == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	store->dir = strdup(dir);
	if (store->dir == NULL ||
	    asprintf(&store->path, "%s/%s", dir, ENV_FILE) < 0 ||
	    asprintf(&store->lock_path, "%s/%s", dir, LOCK_FILE) < 0) {
		kvl_envstore_close(store);
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	}

	*out = store;
	return KVL_OK;
}

void kvl_envstore_close(struct kvl_envstore *store)
{
	if (store == NULL)
		return;
	free(store->dir);
	free(store->path);
	free(store->lock_path);
	free(store);
}

const char *kvl_envstore_dir(const struct kvl_envstore *store)
{
	return store->dir;
}

char *kvl_envstore_default_dir(void)
{
	const char *data = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");
	char *dir = NULL;

	/* The XDG spec says relative values are to be ignored. */
	if (data != NULL && data[0] == '/') {
		if (asprintf(&dir, "%s/kvlink", data) < 0)
			return NULL;
		return dir;
	}
	if (home == NULL || home[0] == '\0') {
		struct passwd *pw = getpwuid(getuid());

		home = pw != NULL ? pw->pw_dir : NULL;
	}
	if (home == NULL)
		return NULL;
	if (asprintf(&dir, "%s/.local/share/kvlink", home) < 0)
		return NULL;
	return dir;
}

/*
 * Opens environment.json for reading. Saves replace it with a regular
 * file by rename, so a symbolic link there was not made by kvlink and is
 * not followed. NULL with err set (KVL_ERR_NOT_FOUND when it is missing)
 * on failure.
 */
static FILE *open_document(const char *path, struct kvl_error *err)
{
	FILE *fp;
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		kvl_error_set(err, KVL_ERR_NOT_FOUND,
			      _("no environment in '%s' yet"), path);
		return NULL;
	}
	if (fd < 0 && errno == ELOOP) {
		kvl_error_set(err, KVL_ERR_STORE,
			_("'%s' is a symbolic link, which kvlink does not "
			  "follow; replace it with the file it points to"),
			path);
		return NULL;
	}
	if (fd < 0) {
		kvl_error_set(err, KVL_ERR_STORE,
			_("cannot read '%s': %s; check its permissions"),
			path, strerror(errno));
		return NULL;
	}

	fp = fdopen(fd, "rb");
	if (fp == NULL) {
		kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
		close(fd);
	}
	return fp;
}

/*
 * Reads the whole file into *text. KVL_ERR_NOT_FOUND when it does not
 * exist; KVL_ERR_STORE for any other failure.
 */
static kvl_result read_file(const char *path, char **text, size_t *len,
			    struct kvl_error *err)
{
	FILE *fp;
	struct stat st;
	char *data = NULL;
	long size;
	kvl_result rc = KVL_OK;

	*text = NULL;
	fp = open_document(path, err);
	if (fp == NULL)
		return err->result;

	if (fstat(fileno(fp), &st) == 0 && !S_ISREG(st.st_mode)) {
		rc = kvl_error_set(err, KVL_ERR_STORE,
			_("'%s' is not a regular file (a directory, say), so "
			  "it is not an environment kvlink wrote; move it "
			  "aside"), path);
		goto out;
	}
	if (fseek(fp, 0, SEEK_END) != 0 || (size = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET) != 0) {
		rc = kvl_error_set(err, KVL_ERR_STORE,
			_("cannot read '%s': %s"), path, strerror(errno));
		goto out;
	}
	if (size > ENV_MAX_SIZE) {
		rc = kvl_error_set(err, KVL_ERR_STORE,
			_("'%s' is larger than %ld bytes, which is not an "
			  "environment kvlink wrote; fix the file or move it "
			  "aside"), path, ENV_MAX_SIZE);
		goto out;
	}

	data = malloc((size_t)size + 1);
	if (data == NULL) {
		rc = kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
		goto out;
	}
	if (fread(data, 1, (size_t)size, fp) != (size_t)size) {
		rc = kvl_error_set(err, KVL_ERR_STORE,
			_("cannot read '%s': short read"), path);
		goto out;
	}
	data[size] = '\0';
	*text = data;
	*len = (size_t)size;
	data = NULL;

out:
	free(data);
	fclose(fp);
	return rc;
}

/* Turns a parse error into the store's message naming the file. */
static kvl_result damaged(const char *path, struct kvl_error *err)
{
	char *detail = err->message != NULL ? strdup(err->message) : NULL;
	kvl_result rc;

	rc = kvl_error_set(err, KVL_ERR_STORE,
		_("the environment file '%s' cannot be used: %s. kvlink will "
		  "not overwrite it; fix the file or move it aside, then run "
		  "kvlink again"), path,
		detail != NULL ? detail : "unreadable");
	free(detail);
	return rc;
}

/* Reads and parses the document; env untouched unless it returns OK. */
static kvl_result store_read(struct kvl_envstore *store,
			     struct kvl_environment *env,
			     struct kvl_error *err)
{
	json_object *doc = NULL;
	char *text = NULL;
	size_t len = 0;
	kvl_result rc;

	rc = read_file(store->path, &text, &len, err);
	if (rc != KVL_OK)
		return rc;

	rc = kvl_json_parse(text, len, store->path, &doc, err);
	if (rc != KVL_OK) {
		rc = damaged(store->path, err);
		goto out;
	}
	rc = kvl_env_from_json(doc, env, err);
	if (rc != KVL_OK)
		rc = damaged(store->path, err);

out:
	json_object_put(doc);
	free(text);
	return rc;
}

kvl_result kvl_envstore_load(struct kvl_envstore *store,
			     struct kvl_environment *env,
			     struct kvl_error *err)
{
	struct kvl_environment fresh = { 0 };
	kvl_result rc;

	rc = store_read(store, &fresh, err);
	if (rc != KVL_OK)
		return rc;
	kvl_env_clear(env);
	*env = fresh;
	return KVL_OK;
}

/* Opens and exclusively locks the lock file; returns the descriptor. */
static kvl_result lock_store(struct kvl_envstore *store, int *fd,
			     struct kvl_error *err)
{
	*fd = open(store->lock_path,
		   O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (*fd < 0)
		return kvl_error_set(err, KVL_ERR_STORE,
			_("cannot open the lock file '%s': %s; check the "
			  "permissions of '%s'"), store->lock_path,
			strerror(errno), store->dir);

	while (flock(*fd, LOCK_EX) != 0) {
		if (errno == EINTR)
			continue;
		kvl_error_set(err, KVL_ERR_STORE,
			_("cannot lock '%s': %s"), store->lock_path,
			strerror(errno));
		close(*fd);
		*fd = -1;
		return KVL_ERR_STORE;
	}
	return KVL_OK;
}

/* The revision on disk: 0 when there is no document yet. */
static kvl_result disk_revision(struct kvl_envstore *store, long *revision,
				struct kvl_error *err)
{
	struct kvl_environment on_disk = { 0 };
	kvl_result rc;

	*revision = 0;
	rc = store_read(store, &on_disk, err);
	if (rc == KVL_ERR_NOT_FOUND) {
		kvl_error_clear(err);
		return KVL_OK;
	}
	if (rc != KVL_OK)
		return rc;
	*revision = on_disk.revision;
	kvl_env_clear(&on_disk);
	return KVL_OK;
}

static kvl_result write_document(struct kvl_envstore *store,
				 struct kvl_environment *env, long revision,
				 struct kvl_error *err)
{
	long saved = env->revision;
	json_object *doc;
	const char *text;
	char *clean;
	kvl_result rc;

	env->revision = revision;
	doc = kvl_env_to_json(env);
	env->revision = saved;
	if (doc == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));

	text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
	if (text == NULL) {
		json_object_put(doc);
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	}
	/* Names from Azure may hold invalid UTF-8, which json-c copies as
	 * it is; the file must stay valid UTF-8 JSON. */
	clean = kvl_utf8_repair(text);
	json_object_put(doc);
	if (clean == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	rc = kvl_write_file_atomic(store->path, clean, strlen(clean), 0600,
				   err);
	free(clean);
	return rc;
}

/*
 * Removes the temporary files that a kvlink killed while saving left
 * behind. Only the holder of the store lock creates them, so while this
 * process holds it, each one is a leftover that no process will rename.
 */
static void remove_leftovers(const struct kvl_envstore *store)
{
	const char *prefix = ENV_FILE TMP_INFIX;
	struct dirent *entry;
	DIR *dir;

	dir = opendir(store->dir);
	if (dir == NULL)
		return;
	while ((entry = readdir(dir)) != NULL) {
		if (strncmp(entry->d_name, prefix, strlen(prefix)) != 0)
			continue;
		if (unlinkat(dirfd(dir), entry->d_name, 0) == 0)
			kvl_log("envstore: removed %s/%s, left by a kvlink "
				"that stopped while saving", store->dir,
				entry->d_name);
		else
			kvl_log("envstore: cannot remove %s/%s: %s",
				store->dir, entry->d_name, strerror(errno));
	}
	closedir(dir);
}

/* Creates and checks the directory, then takes the store lock. */
static kvl_result begin_write(struct kvl_envstore *store, int *fd,
			      struct kvl_error *err)
{
	kvl_result rc;

	*fd = -1;
	rc = make_store_dir(store->dir, err);
	if (rc == KVL_OK)
		rc = verify_store_dir(store->dir, err);
	if (rc == KVL_OK)
		rc = lock_store(store, fd, err);
	if (rc == KVL_OK)
		remove_leftovers(store);
	return rc;
}

kvl_result kvl_envstore_save(struct kvl_envstore *store,
			     struct kvl_environment *env,
			     struct kvl_error *err)
{
	long current;
	int fd = -1;
	kvl_result rc;

	rc = begin_write(store, &fd, err);
	if (rc != KVL_OK)
		return rc;

	rc = disk_revision(store, &current, err);
	if (rc != KVL_OK)
		goto out;
	if (current != env->revision) {
		rc = kvl_error_set(err, KVL_ERR_CONFLICT,
			_("another kvlink saved the environment in '%s' after "
			  "this one read it (revision %ld, read as %ld), so "
			  "this change was not saved; run the command again, "
			  "or save again in the wizard"), store->path, current,
			env->revision);
		goto out;
	}

	rc = write_document(store, env, current + 1, err);
	if (rc == KVL_OK)
		env->revision = current + 1;

out:
	close(fd);
	return rc;
}

kvl_result kvl_envstore_update(struct kvl_envstore *store,
			       struct kvl_environment *env,
			       kvl_env_change change, void *arg,
			       struct kvl_error *err)
{
	struct kvl_environment fresh = { 0 };
	int fd = -1;
	kvl_result rc;

	rc = begin_write(store, &fd, err);
	if (rc != KVL_OK)
		return rc;

	rc = store_read(store, &fresh, err);
	if (rc != KVL_OK)
		goto out;
	if (fresh.revision != env->revision)
		kvl_log("envstore: %s changed since it was read (revision "
			"%ld, read as %ld); applying the change to the "
			"current revision", store->path, fresh.revision,
			env->revision);
	rc = change(&fresh, arg, err);
	if (rc == KVL_OK)
		rc = write_document(store, &fresh, fresh.revision + 1, err);
	if (rc != KVL_OK)
		goto out;

	fresh.revision++;
	kvl_env_clear(env);
	*env = fresh;
	memset(&fresh, 0, sizeof(fresh));

out:
	kvl_env_clear(&fresh);
	close(fd);
	return rc;
}

#define INTRO_FILE "wizard-intro-seen"

bool kvl_envstore_intro_seen(const struct kvl_envstore *store)
{
	char *path = NULL;
	bool seen;

	if (asprintf(&path, "%s/%s", store->dir, INTRO_FILE) < 0)
		return false;
	seen = access(path, F_OK) == 0;
	free(path);
	return seen;
}

kvl_result kvl_envstore_set_intro_seen(struct kvl_envstore *store,
				       struct kvl_error *err)
{
	static const char text[] = "The kvlink wizard showed its "
				   "introduction for this directory.\n";
	char *path = NULL;
	int fd = -1;
	kvl_result rc;

	rc = begin_write(store, &fd, err);
	if (rc != KVL_OK)
		return rc;
	if (asprintf(&path, "%s/%s", store->dir, INTRO_FILE) < 0) {
		rc = kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
		goto out;
	}
	rc = kvl_write_file_atomic(path, text, sizeof(text) - 1, 0600, err);
out:
	free(path);
	close(fd);
	return rc;
}

/* Lowercase without spaces: "West Europe" becomes "westeurope". */
static char *normalise_region(const char *region)
{
	char *out = malloc(strlen(region) + 1);
	char *w = out;

	if (out == NULL)
		return NULL;
	for (; *region != '\0'; region++) {
		if (*region == ' ')
			continue;
		*w++ = (char)tolower((unsigned char)*region);
	}
	*w = '\0';
	return out;
}

static bool region_valid(const char *region)
{
	if (region[0] == '\0')
		return false;
	for (; *region != '\0'; region++)
		if (!isalnum((unsigned char)*region))
			return false;
	return true;
}

kvl_result kvl_env_create(struct kvl_environment *env, const char *name,
			  const char *region, const char *admin_object_id,
			  const char *admin_name, struct kvl_error *err)
{
	char id[37];
	const char *problem;
	kvl_result rc;

	memset(env, 0, sizeof(*env));
	if (name == NULL || name[0] == '\0')
		return kvl_error_set(err, KVL_ERR_INVALID,
			_("the environment name is empty; give it a name"));
	problem = kvl_name_problem(name, KVL_ENV_NAME_MAX);
	if (problem != NULL)
		return kvl_error_set(err, KVL_ERR_INVALID,
			_("invalid environment name: %s; use at most %d "
			  "characters of UTF-8 text without control "
			  "characters"), _(problem), KVL_ENV_NAME_MAX);
	if (region == NULL || admin_object_id == NULL)
		return kvl_error_set(err, KVL_ERR_INVALID,
			_("an environment needs a region and an Admin"));

	rc = kvl_uuid4(id);
	if (rc != KVL_OK)
		return kvl_error_set(err, rc, _("cannot create an environment "
						"id: no random numbers "
						"available"));

	env->id = strdup(id);
	env->display_name = strdup(name);
	env->region = normalise_region(region);
	env->users = calloc(1, sizeof(*env->users));
	if (env->id == NULL || env->display_name == NULL ||
	    env->region == NULL || env->users == NULL)
		goto nomem;
	env->n_users = 1;
	env->users[0].role = KVL_ROLE_ADMIN;
	env->users[0].object_id = strdup(admin_object_id);
	env->users[0].name = strdup(admin_name != NULL ? admin_name : "");
	if (env->users[0].object_id == NULL || env->users[0].name == NULL)
		goto nomem;

	if (!region_valid(env->region)) {
		kvl_error_set(err, KVL_ERR_INVALID,
			_("'%s' is not a valid Azure region name; use a name "
			  "such as westeurope"), region);
		kvl_env_clear(env);
		return KVL_ERR_INVALID;
	}
	return KVL_OK;

nomem:
	kvl_env_clear(env);
	return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
}

void kvl_vault_link_clear(struct kvl_vault_link *link)
{
	size_t i;

	free(link->subscription_id);
	free(link->subscription_name);
	free(link->resource_group);
	free(link->name);
	free(link->resource_id);
	free(link->vault_uri);
	free(link->tenant_id);
	free(link->location);
	free(link->permission_model);
	free(link->service_principal_id);
	for (i = 0; i < link->n_grants; i++) {
		free(link->grants[i].kind);
		free(link->grants[i].principal_id);
		free(link->grants[i].role_definition_id);
		free(link->grants[i].assignment_id);
		free(link->grants[i].permissions);
		free(link->grants[i].previous_permissions);
	}
	free(link->grants);
	free(link->linked_by);
	free(link->linked_by_name);
	free(link->linked_at);
	free(link->consent_by);
	free(link->consent_at);
	memset(link, 0, sizeof(*link));
}

void kvl_env_clear(struct kvl_environment *env)
{
	size_t i;

	if (env == NULL)
		return;
	free(env->id);
	free(env->display_name);
	free(env->region);
	for (i = 0; i < env->n_users; i++) {
		free(env->users[i].object_id);
		free(env->users[i].name);
	}
	free(env->users);
	kvl_vault_link_clear(&env->vault);
	for (i = 0; i < env->n_connections; i++)
		kvl_connection_clear(&env->connections[i]);
	free(env->connections);
	kvl_env_identity_free(env->service_identity);
	json_object_put(env->extra);
	memset(env, 0, sizeof(*env));
}

bool kvl_env_user_role(const struct kvl_environment *env,
		       const char *object_id, enum kvl_role *role)
{
	size_t i;

	if (object_id == NULL)
		return false;
	for (i = 0; i < env->n_users; i++) {
		if (env->users[i].object_id != NULL &&
		    strcasecmp(env->users[i].object_id, object_id) == 0) {
			*role = env->users[i].role;
			return true;
		}
	}
	return false;
}

const char *kvl_role_name(enum kvl_role role)
{
	switch (role) {
	case KVL_ROLE_ADMIN:
		return "Admin";
	case KVL_ROLE_CONTRIBUTOR:
		return "Contributor";
	case KVL_ROLE_VIEWER:
		return "Viewer";
	}
	return "unknown";
}
