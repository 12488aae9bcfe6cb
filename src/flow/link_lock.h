/*
 * The link lock: an exclusive flock on one file in the environment
 * directory. `kvlink link` takes it before it reads the environment and
 * keeps it until the link is saved; the wizard takes it while it grants
 * and saves or finishes a pending link. A second process that wants to
 * link in the same environment meanwhile is turned away at once instead
 * of waiting, because it would otherwise act on a pending link that the
 * first one is still finishing.
 */
#ifndef KVL_LINK_LOCK_H
#define KVL_LINK_LOCK_H

#include "core/result.h"
#include "env/envstore.h"

/* Name of the lock file inside the environment directory. */
#define KVL_LINK_LOCK_FILE "link.lock"

/*
 * Takes the link lock of the store's directory without waiting and
 * stores its descriptor in *fd. Returns KVL_ERR_BUSY when another
 * process has it.
 */
kvl_result kvl_link_lock(const struct kvl_envstore *store, int *fd,
			 struct kvl_error *err) KVL_NODISCARD;

/* Releases a lock from kvl_link_lock; fd -1 is ignored. */
void kvl_link_unlock(int fd);

#endif
