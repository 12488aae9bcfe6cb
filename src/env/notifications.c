/* Notifications stored in environment.json; see notifications.h. */
#include "config.h"

#include <string.h>

#include "env/notifications.h"
#include "i18n.h"

#define MEMBER "notifications"
#define CHECKED_MEMBER "lastCheck"

json_object *kvl_notifications_get(const struct kvl_environment *env)
{
	json_object *list = NULL;

	if (env->extra == NULL ||
	    !json_object_object_get_ex(env->extra, MEMBER, &list) ||
	    !json_object_is_type(list, json_type_array))
		return NULL;
	return list;
}

void kvl_notifications_clear(struct kvl_environment *env)
{
	if (env->extra == NULL)
		return;
	json_object_object_del(env->extra, MEMBER);
	json_object_object_del(env->extra, CHECKED_MEMBER);
}

const char *kvl_notifications_checked_at(const struct kvl_environment *env)
{
	json_object *value = NULL;

	if (env->extra == NULL ||
	    !json_object_object_get_ex(env->extra, CHECKED_MEMBER, &value) ||
	    !json_object_is_type(value, json_type_string))
		return NULL;
	return json_object_get_string(value);
}

size_t kvl_notifications_count(const struct kvl_environment *env)
{
	json_object *list = kvl_notifications_get(env);

	return list != NULL ? json_object_array_length(list) : 0;
}

/* The stored notification with this id, or NULL. */
static json_object *find_stored(json_object *list, const char *id)
{
	size_t i, n = list != NULL ? json_object_array_length(list) : 0;

	for (i = 0; i < n; i++) {
		json_object *item = json_object_array_get_idx(list, i);
		json_object *value = NULL;

		if (json_object_object_get_ex(item, "id", &value) &&
		    json_object_is_type(value, json_type_string) &&
		    strcmp(json_object_get_string(value), id) == 0)
			return item;
	}
	return NULL;
}

static void set_string(json_object *obj, const char *key, const char *value)
{
	json_object_object_add(obj, key, json_object_new_string(
				       value != NULL ? value : ""));
}

/* A new notification object for notice, reusing the stored one. */
static json_object *notification_json(json_object *stored,
				      const struct kvl_notice *notice,
				      const char *now)
{
	json_object *item, *names = json_object_new_array();
	json_object *first = NULL;
	size_t i;

	if (stored != NULL && json_object_is_type(stored, json_type_object))
		item = json_object_get(stored);
	else
		item = json_object_new_object();
	set_string(item, "id", notice->id);
	set_string(item, "severity", notice->severity);
	set_string(item, "cause", notice->cause);
	set_string(item, "fix", notice->fix);
	if (!json_object_object_get_ex(item, "firstSeen", &first) ||
	    !json_object_is_type(first, json_type_string))
		set_string(item, "firstSeen", now);
	set_string(item, "lastSeen", now);
	for (i = 0; i < notice->n_connections; i++)
		json_object_array_add(names, json_object_new_string(
					      notice->connections[i]));
	json_object_object_add(item, "connections", names);
	return item;
}

kvl_result kvl_notifications_update(struct kvl_environment *env,
				    const struct kvl_notice *notices,
				    size_t n, const char *now,
				    struct kvl_error *err)
{
	json_object *stored = kvl_notifications_get(env);
	json_object *fresh;
	size_t i;

	if (env->extra == NULL)
		env->extra = json_object_new_object();
	fresh = json_object_new_array();
	if (env->extra == NULL || fresh == NULL) {
		json_object_put(fresh);
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	}
	for (i = 0; i < n; i++)
		json_object_array_add(fresh, notification_json(
				find_stored(stored, notices[i].id),
				&notices[i], now));
	/* Replacing the member releases the old array and the notifications
	 * that were not found again. */
	json_object_object_add(env->extra, MEMBER, fresh);
	set_string(env->extra, CHECKED_MEMBER, now);
	return KVL_OK;
}
