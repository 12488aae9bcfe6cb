#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/azcli.h"
#include "core/cloud.h"
#include "core/log.h"
#include "core/sanitize.h"
#include "i18n.h"

const char *kvl_cloud_builtin_names(void)
{
	static char names[128];
	const struct kvl_cloud_builtin *b;
	size_t used = 0;

	if (names[0] != '\0')
		return names;
	for (size_t i = 0; (b = kvl_cloud_builtin_at(i)) != NULL; i++)
		used += (size_t)snprintf(names + used, sizeof(names) - used,
					 "%s%s", i > 0 ? ", " : "", b->name);
	return names;
}

static kvl_result select_builtin(const struct kvl_cloud_builtin *b,
				 struct kvl_cloud *cloud,
				 struct kvl_error *err)
{
	kvl_result res = kvl_cloud_from_builtin(b, cloud);

	if (res != KVL_OK)
		return kvl_error_set(err, res, _("out of memory"));
	return KVL_OK;
}

/* Rejects az CLI's current cloud name, which source (AZURE_CLOUD_NAME or
 * the configuration file's path) set. */
static kvl_result az_cloud_unknown(const char *name, const char *source,
				   struct kvl_error *err)
{
	char *clean = kvl_sanitize(name);
	kvl_result res;

	res = kvl_error_set(err, KVL_ERR_INVALID,
			    _("az CLI's current cloud is '%s' (set in %s), "
			      "which kvlink does not have built in; give "
			      "--cloud with a cloud profile file for it, or "
			      "one of %s"), clean != NULL ? clean : "", source,
			    kvl_cloud_builtin_names());
	free(clean);
	return res;
}

/*
 * az CLI's current cloud: AZURE_CLOUD_NAME, which az (through knack's
 * AZURE_<SECTION>_<OPTION> rule) reads before its configuration file,
 * else "name" in the [cloud] section of DIR/config. *source is set for
 * messages. A damaged line beside a readable name gives a one-line
 * *warning; a damaged file without a name is an error, since the line
 * may have held the name and a silent switch to AzureCloud would send
 * sign-ins to the wrong cloud.
 */
static kvl_result az_cloud_name(const char *dir, char **name,
				char **source, char **warning,
				struct kvl_error *err)
{
	const char *env = getenv("AZURE_CLOUD_NAME");
	struct kvl_error az_err;
	kvl_result res = KVL_OK;

	*name = *source = NULL;
	if (env != NULL && env[0] != '\0') {
		*name = strdup(env);
		*source = strdup("AZURE_CLOUD_NAME");
		return KVL_OK;
	}
	if (dir == NULL)
		return KVL_OK;
	kvl_error_init(&az_err);
	res = kvl_azcli_cloud_name(dir, name, &az_err);
	if (res == KVL_ERR_PARSE && *name != NULL) {
		if (asprintf(warning, "ignoring a line of the az CLI "
			     "configuration: %s", az_err.message) < 0)
			*warning = NULL;
		res = KVL_OK;
	} else if (res != KVL_OK) {
		res = kvl_error_set(err, res == KVL_ERR_NOMEM ? res
				    : KVL_ERR_INVALID,
				    _("cannot tell which cloud az CLI uses: "
				      "%s; repair the file, or choose the "
				      "cloud with --cloud"), az_err.message);
	}
	if (res == KVL_OK && *name != NULL &&
	    asprintf(source, "'%s/config'", dir) < 0)
		*source = NULL;
	kvl_error_clear(&az_err);
	return res;
}

/* The cloud az CLI uses, else AzureCloud. */
static kvl_result select_default(struct kvl_cloud *cloud,
				 enum kvl_cloud_origin *origin,
				 char **warning, struct kvl_error *err)
{
	const struct kvl_cloud_builtin *b = kvl_cloud_builtin_at(0);
	char *dir = kvl_azcli_dir(), *name = NULL, *source = NULL;
	kvl_result res;

	*origin = KVL_CLOUD_ORIGIN_DEFAULT;
	res = az_cloud_name(dir, &name, &source, warning, err);
	if (res == KVL_OK && name != NULL) {
		b = kvl_cloud_builtin_find(name);
		if (b == NULL)
			res = az_cloud_unknown(name, source != NULL ? source
					       : "az CLI", err);
		*origin = KVL_CLOUD_ORIGIN_AZ_CLI;
	}
	if (res == KVL_OK)
		res = select_builtin(b, cloud, err);
	free(source);
	free(name);
	free(dir);
	return res;
}

/* Whether value, which is no built-in name, was meant as a cloud name:
 * it has neither a slash nor a dot and names no file. */
static bool looks_like_name(const char *value)
{
	return strpbrk(value, "/.") == NULL && access(value, F_OK) != 0;
}

static kvl_result name_unknown(const char *value, struct kvl_error *err)
{
	char *clean = kvl_sanitize(value);
	kvl_result res;

	res = kvl_error_set(err, KVL_ERR_INVALID,
			    _("unknown cloud '%s'; give one of %s, or the "
			      "path of a cloud profile file (see 'kvlink "
			      "cloud list')"), clean != NULL ? clean : "",
			    kvl_cloud_builtin_names());
	free(clean);
	return res;
}

kvl_result kvl_cloud_select(const char *value, struct kvl_cloud *cloud,
			    enum kvl_cloud_origin *origin, char **warning,
			    struct kvl_error *err)
{
	const struct kvl_cloud_builtin *b;
	kvl_result res;

	memset(cloud, 0, sizeof(*cloud));
	*warning = NULL;
	if (value == NULL) {
		res = select_default(cloud, origin, warning, err);
	} else if ((b = kvl_cloud_builtin_find(value)) != NULL) {
		*origin = KVL_CLOUD_ORIGIN_NAME;
		res = select_builtin(b, cloud, err);
	} else if (looks_like_name(value)) {
		res = name_unknown(value, err);
	} else {
		*origin = KVL_CLOUD_ORIGIN_FILE;
		res = kvl_cloud_load(value, cloud, err);
	}
	if (res == KVL_OK)
		kvl_log("cloud %s (chosen by %s)", cloud->name,
			*origin == KVL_CLOUD_ORIGIN_FILE ? "--cloud FILE"
			: *origin == KVL_CLOUD_ORIGIN_NAME ? "--cloud NAME"
			: *origin == KVL_CLOUD_ORIGIN_AZ_CLI
			? "az CLI's configuration" : "default");
	return res;
}
