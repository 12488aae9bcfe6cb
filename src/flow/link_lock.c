#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "flow/link_lock.h"
#include "i18n.h"

static kvl_result lock_open_failed(const char *path, int error,
				   const char *dir, struct kvl_error *err)
{
	return kvl_error_set(err, KVL_ERR_STORE,
			     _("cannot open the link lock file '%s': %s; "
			       "check the permissions of '%s'"),
			     path, strerror(error), dir);
}

kvl_result kvl_link_lock(const struct kvl_envstore *store, int *fd,
			 struct kvl_error *err)
{
	const char *dir = kvl_envstore_dir(store);
	char *path = NULL;
	kvl_result r = KVL_OK;

	*fd = -1;
	if (asprintf(&path, "%s/%s", dir, KVL_LINK_LOCK_FILE) < 0)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));

	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (*fd < 0) {
		r = lock_open_failed(path, errno, dir, err);
		goto out;
	}

	while (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK)
			r = kvl_error_set(err, KVL_ERR_BUSY,
					  _("another kvlink is linking or "
					    "unlinking a vault in this "
					    "environment ('%s'); wait for it "
					    "to finish and run again"),
					  dir);
		else
			r = kvl_error_set(err, KVL_ERR_STORE,
					  _("cannot lock '%s': %s"), path,
					  strerror(errno));
		close(*fd);
		*fd = -1;
		break;
	}

out:
	free(path);
	return r;
}

void kvl_link_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}
