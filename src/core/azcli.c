#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/azcli.h"
#include "core/jsonutil.h"
#include "core/log.h"
#include "core/sanitize.h"
#include "i18n.h"

/* az writes a few kilobytes per subscription; this leaves ample room. */
#define PROFILE_MAX (4u << 20)
#define CONFIG_LINE_MAX 4096

static const char utf8_bom[] = "\xef\xbb\xbf";

char *kvl_azcli_dir(void)
{
	const char *dir = getenv("AZURE_CONFIG_DIR");
	const char *home = getenv("HOME");
	char *path = NULL;

	if (dir != NULL && dir[0] != '\0')
		return strdup(dir);
	if (home == NULL || home[0] == '\0')
		return NULL;
	if (asprintf(&path, "%s/.azure", home) < 0)
		return NULL;
	return path;
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/*
 * Reads one line of Python's configparser syntax, which az uses: blank
 * lines, comments (# or ;), "[section]", "key = value" or "key: value".
 * Indented lines continue the previous value and are skipped here.
 */
static kvl_result config_line(char *raw, char *section, size_t section_size,
			      char **key, char **value)
{
	char *line, *sep;

	*key = *value = NULL;
	if (raw[0] == ' ' || raw[0] == '\t')
		return KVL_OK;
	line = trim(raw);
	if (line[0] == '\0' || line[0] == '#' || line[0] == ';')
		return KVL_OK;
	if (line[0] == '[') {
		sep = strchr(line, ']');
		if (sep == NULL || sep[1] != '\0')
			return KVL_ERR_PARSE;
		*sep = '\0';
		snprintf(section, section_size, "%s", trim(line + 1));
		return KVL_OK;
	}
	sep = strpbrk(line, "=:");
	if (sep == NULL || sep == line || section[0] == '\0')
		return KVL_ERR_PARSE;
	*sep = '\0';
	*key = trim(line);
	*value = trim(sep + 1);
	return KVL_OK;
}

/* Reads the last "name" in [cloud]. A line that is not in INI syntax is
 * skipped so that damage elsewhere in the file cannot hide the name,
 * and the first such line is reported after the whole file is read. */
static kvl_result read_cloud_name(FILE *f, const char *path, char **name,
				  struct kvl_error *err)
{
	char line[CONFIG_LINE_MAX], section[128] = "";
	char *key, *value;
	unsigned lineno = 0, bad_line = 0;

	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (lineno == 1 && strncmp(line, utf8_bom, 3) == 0)
			memmove(line, line + 3, strlen(line + 3) + 1);
		if (config_line(line, section, sizeof(section), &key,
				&value) != KVL_OK) {
			if (bad_line == 0)
				bad_line = lineno;
			continue;
		}
		/* configparser compares keys, not sections, ignoring case;
		 * the last "name" in [cloud] wins as it does there. */
		if (key != NULL && strcmp(section, "cloud") == 0 &&
		    strcasecmp(key, "name") == 0 && value[0] != '\0') {
			free(*name);
			*name = kvl_sanitize(value);
			if (*name == NULL)
				return kvl_error_set(err, KVL_ERR_NOMEM,
						     _("out of memory"));
		}
	}
	if (bad_line != 0)
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("az CLI configuration '%s' line %u is "
				       "not in INI syntax"), path, bad_line);
	return KVL_OK;
}

kvl_result kvl_azcli_cloud_name(const char *dir, char **name,
				struct kvl_error *err)
{
	char *path = NULL;
	FILE *f;
	kvl_result res;

	*name = NULL;
	if (asprintf(&path, "%s/config", dir) < 0)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	f = fopen(path, "r");
	if (f == NULL) {
		res = errno == ENOENT || errno == ENOTDIR ? KVL_OK
		      : kvl_error_set(err, KVL_ERR_PARSE,
				      _("cannot read az CLI configuration "
					"'%s': %s"), path, strerror(errno));
		goto out;
	}
	res = read_cloud_name(f, path, name, err);
	fclose(f);
	if (res == KVL_ERR_NOMEM) {
		free(*name);
		*name = NULL;
	}
out:
	free(path);
	return res;
}

void kvl_azcli_profile_clear(struct kvl_azcli_profile *profile)
{
	for (size_t i = 0; i < profile->n_subscriptions; i++) {
		struct kvl_azcli_subscription *s = &profile->subscriptions[i];

		free(s->id);
		free(s->name);
		free(s->tenant_id);
		free(s->environment_name);
		free(s->user_name);
	}
	free(profile->subscriptions);
	memset(profile, 0, sizeof(*profile));
}

/* A sanitised copy of the string at key, or NULL when absent. */
static char *clean_str(json_object *obj, const char *key)
{
	const char *s = kvl_json_str(obj, key);

	return s != NULL ? kvl_sanitize(s) : NULL;
}

static bool copy_subscription(json_object *item,
			      struct kvl_azcli_subscription *s)
{
	s->id = clean_str(item, "id");
	s->name = clean_str(item, "name");
	s->tenant_id = clean_str(item, "tenantId");
	s->environment_name = clean_str(item, "environmentName");
	s->user_name = clean_str(item, "user.name");
	s->is_default = kvl_json_bool(item, "isDefault", false);
	return s->id != NULL;
}

static kvl_result profile_entries(json_object *list, const char *what,
				  struct kvl_azcli_profile *profile,
				  struct kvl_error *err)
{
	size_t n = json_object_array_length(list);
	struct kvl_azcli_subscription *s;

	profile->subscriptions = calloc(n > 0 ? n : 1, sizeof(*s));
	if (profile->subscriptions == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));

	for (size_t i = 0; i < n; i++) {
		json_object *item = json_object_array_get_idx(list, i);

		if (!json_object_is_type(item, json_type_object))
			return kvl_error_set(err, KVL_ERR_PARSE,
					     _("%s: entry %zu of "
					       "\"subscriptions\" is not an "
					       "object"), what, i + 1);
		s = &profile->subscriptions[profile->n_subscriptions];
		profile->n_subscriptions++;
		if (!copy_subscription(item, s)) {
			/* An entry without an id cannot be matched against
			 * Resource Manager; drop it. */
			profile->n_subscriptions--;
			free(s->name);
			free(s->tenant_id);
			free(s->environment_name);
			free(s->user_name);
			memset(s, 0, sizeof(*s));
		}
	}
	return KVL_OK;
}

kvl_result kvl_azcli_profile_parse(const char *text, size_t len,
				   const char *what,
				   struct kvl_azcli_profile *profile,
				   struct kvl_error *err)
{
	json_object *doc = NULL, *list = NULL;
	kvl_result res;

	memset(profile, 0, sizeof(*profile));
	if (text != NULL && len >= 3 && memcmp(text, utf8_bom, 3) == 0) {
		text += 3;
		len -= 3;
	}
	res = kvl_json_parse(text, len, what, &doc, err);
	if (res != KVL_OK)
		return res;
	if (!json_object_is_type(doc, json_type_object)) {
		res = kvl_error_set(err, KVL_ERR_PARSE,
				    _("%s is not a JSON object"), what);
		goto out;
	}

	/* az writes the file without "subscriptions" on its first run of
	 * any command, before anyone signs in: no subscriptions, no
	 * error. */
	if (!json_object_object_get_ex(doc, "subscriptions", &list))
		goto out;
	if (!json_object_is_type(list, json_type_array)) {
		res = kvl_error_set(err, KVL_ERR_PARSE,
				    _("%s has a \"subscriptions\" member that "
				      "is not a list"), what);
		goto out;
	}
	res = profile_entries(list, what, profile, err);
out:
	if (res != KVL_OK)
		kvl_azcli_profile_clear(profile);
	json_object_put(doc);
	return res;
}

static kvl_result read_file(const char *path, char **text, size_t *len,
			    struct kvl_error *err)
{
	FILE *f = fopen(path, "rb");

	*text = NULL;
	if (f == NULL)
		return errno == ENOENT || errno == ENOTDIR
		       ? KVL_ERR_NOT_FOUND
		       : kvl_error_set(err, KVL_ERR_PARSE,
				       _("cannot read '%s': %s"), path,
				       strerror(errno));
	*text = malloc(PROFILE_MAX + 1);
	if (*text == NULL) {
		fclose(f);
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	}
	*len = fread(*text, 1, PROFILE_MAX + 1, f);
	fclose(f);
	if (*len > PROFILE_MAX) {
		free(*text);
		*text = NULL;
		return kvl_error_set(err, KVL_ERR_PARSE, _("'%s' is larger "
							   "than %u bytes"),
							 path, PROFILE_MAX);
	}
	(*text)[*len] = '\0';
	return KVL_OK;
}

kvl_result kvl_azcli_profile_load(const char *dir,
				  struct kvl_azcli_profile *profile,
				  struct kvl_error *err)
{
	char *path = NULL, *what = NULL, *text = NULL;
	size_t len = 0;
	kvl_result res;

	memset(profile, 0, sizeof(*profile));
	if (asprintf(&path, "%s/azureProfile.json", dir) < 0)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	res = read_file(path, &text, &len, err);
	if (res == KVL_OK && asprintf(&what, "az CLI profile '%s'", path) < 0) {
		what = NULL;
		res = kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	}
	if (res == KVL_OK)
		res = kvl_azcli_profile_parse(text, len, what, profile, err);
	free(text);
	free(what);
	free(path);
	return res;
}

const struct kvl_azcli_subscription *
kvl_azcli_profile_default(const struct kvl_azcli_profile *profile,
			  const char *cloud_name)
{
	for (size_t i = 0; i < profile->n_subscriptions; i++) {
		const struct kvl_azcli_subscription *s =
			&profile->subscriptions[i];

		if (!s->is_default)
			continue;
		if (s->environment_name == NULL || cloud_name == NULL ||
		    strcasecmp(s->environment_name, cloud_name) == 0)
			return s;
	}
	return NULL;
}

kvl_result kvl_azcli_default_subscription(const char *cloud_name,
					  char **id, char **name,
					  char **warning)
{
	struct kvl_azcli_profile profile;
	const struct kvl_azcli_subscription *s;
	struct kvl_error err;
	char *dir = kvl_azcli_dir();
	kvl_result res = KVL_OK;

	*id = *name = *warning = NULL;
	kvl_error_init(&err);
	if (dir == NULL)
		return KVL_OK;
	res = kvl_azcli_profile_load(dir, &profile, &err);
	free(dir);
	if (res == KVL_ERR_NOT_FOUND)
		return KVL_OK;
	if (res == KVL_ERR_NOMEM)
		goto out;
	if (res != KVL_OK) {
		if (asprintf(warning, "ignoring the az CLI profile: %s",
			     err.message) < 0)
			*warning = NULL;
		kvl_log("az CLI profile ignored: %s", err.message);
		res = KVL_OK;
		goto out;
	}
	s = kvl_azcli_profile_default(&profile, cloud_name);
	if (s != NULL) {
		*id = strdup(s->id);
		*name = s->name != NULL ? strdup(s->name) : NULL;
		if (*id == NULL)
			res = KVL_ERR_NOMEM;
	}
	kvl_azcli_profile_clear(&profile);
out:
	kvl_error_clear(&err);
	return res;
}
