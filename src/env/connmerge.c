/*
 * Three-way merge of one connection, for an edit that another kvlink's
 * save overtook; see kvl_conn_merge() in connections.h. The merge works
 * on the stored JSON form, so members that this version of kvlink does
 * not know are merged too.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "env/connections.h"
#include "i18n.h"

/* Members merged key by key, because each of their keys is one value
 * that a user sets on its own. */
static const char *const key_maps[] = {
	"fields", "secrets", "sealedCredentials", NULL,
};

/* Set by every save (kvl_conn_touch), so never a conflict. */
#define STAMP_MEMBER "updatedAt"

static bool is_key_map(const char *key)
{
	for (size_t i = 0; key_maps[i] != NULL; i++)
		if (strcmp(key_maps[i], key) == 0)
			return true;
	return false;
}

static json_object *member(json_object *obj, const char *key)
{
	json_object *value = NULL;

	if (obj != NULL)
		json_object_object_get_ex(obj, key, &value);
	return value;
}

static bool is_object_or_null(json_object *value)
{
	return value == NULL || json_object_is_type(value, json_type_object);
}

static const char *merge_object(json_object *base, json_object *ours,
				json_object *theirs, bool top);

/* Merges member key of ours, one of key_maps, into theirs one key at a
 * time. */
static const char *merge_key_map(json_object *base, json_object *ours,
				 json_object *theirs, const char *key)
{
	json_object *map = member(theirs, key);

	if (map == NULL) {
		map = json_object_new_object();
		json_object_object_add(theirs, key, map);
	}
	return merge_object(member(base, key), member(ours, key), map, false);
}

/*
 * Copies member key of ours into theirs when ours changed it from base.
 * Returns key when theirs changed it as well, to another value.
 */
static const char *merge_member(json_object *base, json_object *ours,
				 json_object *theirs, const char *key,
				 bool top)
{
	json_object *b = member(base, key), *o = member(ours, key);
	json_object *t = member(theirs, key);

	if (json_object_equal(b, o) || json_object_equal(o, t))
		return NULL;
	if (top && is_key_map(key) && o != NULL &&
	    json_object_is_type(o, json_type_object) &&
	    is_object_or_null(b) && is_object_or_null(t))
		return merge_key_map(base, ours, theirs, key);
	if (!json_object_equal(b, t))
		return key;

	if (o == NULL)
		json_object_object_del(theirs, key);
	else
		json_object_object_add(theirs, key, json_object_get(o));
	return NULL;
}

/* Applies every change from base to ours to theirs; returns the key of
 * the first conflicting member, or NULL. */
static const char *merge_object(json_object *base, json_object *ours,
				json_object *theirs, bool top)
{
	const char *conflict = NULL;

	if (ours != NULL) {
		json_object_object_foreach(ours, key, value) {
			(void)value;
			if (top && strcmp(key, STAMP_MEMBER) == 0)
				continue;
			conflict = merge_member(base, ours, theirs, key, top);
			if (conflict != NULL)
				return conflict;
		}
	}
	if (base == NULL)
		return NULL;

	/* Members ours removed. */
	json_object_object_foreach(base, key, value) {
		(void)value;
		if (member(ours, key) != NULL)
			continue;
		conflict = merge_member(base, ours, theirs, key, top);
		if (conflict != NULL)
			return conflict;
	}
	return NULL;
}

/* A rename merged in must keep display names unique. */
static kvl_result check_merged_name(const struct kvl_environment *env,
				    const struct kvl_connection *conn,
				    const struct kvl_connection *merged,
				    struct kvl_error *err)
{
	const struct kvl_connection *other;

	if (strcasecmp(merged->display_name, conn->display_name) == 0)
		return KVL_OK;
	other = kvl_conn_find(env, merged->display_name);
	if (other == NULL || other == conn)
		return KVL_OK;
	return kvl_error_set(err, KVL_ERR_CONFLICT,
			     _("another kvlink added a connection named '%s' "
			       "while this one was renaming '%s'; nothing "
			       "was saved, so choose another name"),
			     merged->display_name, conn->display_name);
}

static kvl_result merge_conflict(const struct kvl_connection *conn,
				 const char *key, struct kvl_error *err)
{
	return kvl_error_set(err, KVL_ERR_CONFLICT,
			     _("another kvlink changed '%s' of connection "
			       "'%s' while this one was editing it; nothing "
			       "was saved. Look at the connection with "
			       "'kvlink connection show' and run the edit "
			       "again if it is still needed"),
			     key, conn->display_name);
}

kvl_result kvl_conn_merge(const struct kvl_environment *env,
			  struct kvl_connection *conn, json_object *base,
			  const struct kvl_connection *edited,
			  struct kvl_error *err)
{
	json_object *ours = kvl_conn_to_json(edited);
	json_object *theirs = kvl_conn_to_json(conn);
	struct kvl_connection merged = { 0 };
	const char *conflict;
	kvl_result r;

	if (ours == NULL || theirs == NULL) {
		r = kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
		goto out;
	}
	conflict = merge_object(base, ours, theirs, true);
	if (conflict != NULL) {
		r = merge_conflict(conn, conflict, err);
		goto out;
	}

	r = kvl_conn_from_json(theirs, &merged, err);
	if (r == KVL_OK)
		r = kvl_conn_validate(&merged, err);
	if (r == KVL_OK)
		r = check_merged_name(env, conn, &merged, err);
	if (r != KVL_OK)
		goto out;
	kvl_connection_clear(conn);
	*conn = merged;
	memset(&merged, 0, sizeof(merged));

out:
	kvl_connection_clear(&merged);
	json_object_put(ours);
	json_object_put(theirs);
	return r;
}
