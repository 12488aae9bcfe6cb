#include "config.h"

#include <dirent.h>
#include <stdbool.h>
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

/* Creates $KVL_BUILDDIR/tests/<sub> and writes its path to dir.
 * Returns false when it cannot. */
static bool make_tests_dir(const char *builddir, const char *sub, char *dir,
			   size_t size)
{
	snprintf(dir, size, "%s/tests", builddir);
	mkdir(dir, 0755);
	snprintf(dir, size, "%s/tests/%s", builddir, sub);
	return mkdir(dir, 0755) == 0 || errno == EEXIST;
}

/* Points the next sandbox's list of known secrets at known_dir. */
static void set_known_secrets(const char *known_dir, const char *name,
			      int start)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s.%d.jsonl", known_dir, name, start);
	setenv("KVLINK_SANDBOX_KNOWN_SECRETS_FILE", path, 1);
}

const char *kvl_test_request_log(const char *name)
{
	static char path[4096];
	static char dir[4000];
	static char known_dir[4000];
	static bool known_ok;
	static int starts;
	const char *builddir = getenv("KVL_BUILDDIR");

	if (builddir == NULL)
		return NULL;
	if (starts == 0) {
		if (!make_tests_dir(builddir, "request-logs", dir,
				    sizeof(dir)))
			return NULL;
		remove_old_logs(dir, name);
		known_ok = make_tests_dir(builddir, "known-secrets",
					  known_dir, sizeof(known_dir));
		if (known_ok)
			remove_old_logs(known_dir, name);
	}
	starts++;
	if (known_ok)
		set_known_secrets(known_dir, name, starts);
	snprintf(path, sizeof(path), "%s/%s.%d.jsonl", dir, name, starts);
	return path;
}

const char *kvl_test_trace_log(const char *name)
{
	static char path[4096];
	char dir[4000];
	const char *builddir = getenv("KVL_BUILDDIR");

	if (builddir == NULL ||
	    !make_tests_dir(builddir, "trace-logs", dir, sizeof(dir)))
		return NULL;
	snprintf(path, sizeof(path), "%s/%s.log", dir, name);
	unlink(path);
	return path;
}
