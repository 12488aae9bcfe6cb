/*
 * Notifications: the findings of the last `kvlink check`, stored in
 * environment.json under "notifications" so that the wizard can show them
 * without a network. Each is a JSON object:
 *
 *   {"id", "severity", "cause", "fix", "firstSeen", "lastSeen",
 *    "connections": [display names]}
 *
 * The time of the last update is stored beside them as "lastCheck", so
 * that an empty list can say when it was found empty.
 *
 * They live in the environment's extra members (struct kvl_environment
 * keeps unknown members on save), so members a later version adds to a
 * notification are kept too. A notification is removed (cleared) by the
 * first check that no longer finds its problem.
 */
#ifndef KVL_NOTIFICATIONS_H
#define KVL_NOTIFICATIONS_H

#include <stddef.h>

#include "core/result.h"
#include "env/envstore.h"

/* One finding as the notifications see it; strings are borrowed. */
struct kvl_notice {
	const char *id;
	const char *severity;	/* "error" or "recommendation" */
	const char *cause;
	const char *fix;
	char *const *connections;
	size_t n_connections;
};

/*
 * Replaces env's notifications with one for each of the n notices, at
 * time now (RFC 3339). A notice whose id was stored already keeps its
 * "firstSeen" and unknown members; the others get firstSeen = now. Stored
 * notifications with no notice are dropped. Changes env in memory only.
 */
kvl_result kvl_notifications_update(struct kvl_environment *env,
				    const struct kvl_notice *notices,
				    size_t n, const char *now,
				    struct kvl_error *err) KVL_NODISCARD;

/*
 * Removes every notification and the time of the last check from env, in
 * memory only: they describe a vault that is no longer linked.
 */
void kvl_notifications_clear(struct kvl_environment *env);

/* The stored notifications (a JSON array, borrowed), or NULL. */
json_object *kvl_notifications_get(const struct kvl_environment *env);

/* When the notifications were last updated (RFC 3339, borrowed), or NULL
 * before the first check. */
const char *kvl_notifications_checked_at(const struct kvl_environment *env);

/* How many notifications are stored. */
size_t kvl_notifications_count(const struct kvl_environment *env);

#endif
