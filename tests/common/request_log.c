#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "request_log.h"

/* Removes <dir>/<name>.*.jsonl. */
static void remove_old_logs(const char *dir, const char *name)
{
	size_t name_len = strlen(name), len;
	char path[4096];
	struct dirent *e;
	DIR *d = opendir(dir);

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		len = strlen(e->d_name);
		if (strncmp(e->d_name, name, name_len) != 0 ||
		    e->d_name[name_len] != '.' || len < 6 ||
		    strcmp(e->d_name + len - 6, ".jsonl") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
}

const char *kvl_test_request_log(const char *name)
{
	static char path[4096];
	static char dir[4000];
	static int starts;
	const char *builddir = getenv("KVL_BUILDDIR");

	if (builddir == NULL)
		return NULL;
	if (starts == 0) {
		snprintf(dir, sizeof(dir), "%s/tests", builddir);
		mkdir(dir, 0755);
		snprintf(dir, sizeof(dir), "%s/tests/request-logs", builddir);
		if (mkdir(dir, 0755) != 0 && errno != EEXIST)
			return NULL;
		remove_old_logs(dir, name);
	}
	starts++;
	snprintf(path, sizeof(path), "%s/%s.%d.jsonl", dir, name, starts);
	return path;
}
