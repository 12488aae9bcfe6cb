#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "core/cloud.h"
#include "core/jsonutil.h"
#include "core/sanitize.h"
#include "i18n.h"

#define CLOUD_FILE_MAX (64u << 10)

/*
 * The clouds az CLI has built in, under its names. The values are from
 * Microsoft's documentation of each national cloud (Entra ID sign-in,
 * Microsoft Graph deployments, Resource Manager and Key Vault endpoints).
 * Azure US Government's Graph is the L4 (GCC High) deployment.
 */
static const struct kvl_cloud_builtin builtin_clouds[] = {
	{
		.name = "AzureCloud",
		.authority_host = "https://login.microsoftonline.com",
		.resource_manager = "https://management.azure.com",
		.microsoft_graph = "https://graph.microsoft.com",
		.key_vault_scope = "https://vault.azure.net",
		.key_vault_dns_suffix = ".vault.azure.net",
	},
	{
		.name = "AzureUSGovernment",
		.authority_host = "https://login.microsoftonline.us",
		.resource_manager = "https://management.usgovcloudapi.net",
		.microsoft_graph = "https://graph.microsoft.us",
		.key_vault_scope = "https://vault.usgovcloudapi.net",
		.key_vault_dns_suffix = ".vault.usgovcloudapi.net",
	},
	{
		.name = "AzureChinaCloud",
		.authority_host = "https://login.chinacloudapi.cn",
		.resource_manager = "https://management.chinacloudapi.cn",
		.microsoft_graph = "https://microsoftgraph.chinacloudapi.cn",
		.key_vault_scope = "https://vault.azure.cn",
		.key_vault_dns_suffix = ".vault.azure.cn",
	},
};

#define N_BUILTIN_CLOUDS (sizeof(builtin_clouds) / sizeof(builtin_clouds[0]))

const struct kvl_cloud_builtin *kvl_cloud_builtin_at(size_t i)
{
	return i < N_BUILTIN_CLOUDS ? &builtin_clouds[i] : NULL;
}

const struct kvl_cloud_builtin *kvl_cloud_builtin_find(const char *name)
{
	for (size_t i = 0; i < N_BUILTIN_CLOUDS; i++) {
		if (strcasecmp(builtin_clouds[i].name, name) == 0)
			return &builtin_clouds[i];
	}
	return NULL;
}

kvl_result kvl_cloud_from_builtin(const struct kvl_cloud_builtin *b,
				  struct kvl_cloud *cloud)
{
	memset(cloud, 0, sizeof(*cloud));
	cloud->name = strdup(b->name);
	cloud->authority_host = strdup(b->authority_host);
	cloud->resource_manager = strdup(b->resource_manager);
	cloud->microsoft_graph = strdup(b->microsoft_graph);
	cloud->key_vault_scope = strdup(b->key_vault_scope);
	cloud->key_vault_dns_suffix = strdup(b->key_vault_dns_suffix);
	cloud->tenant = strdup("organizations");
	if (cloud->name == NULL || cloud->authority_host == NULL ||
	    cloud->resource_manager == NULL ||
	    cloud->microsoft_graph == NULL ||
	    cloud->key_vault_scope == NULL ||
	    cloud->key_vault_dns_suffix == NULL || cloud->tenant == NULL) {
		kvl_cloud_clear(cloud);
		return KVL_ERR_NOMEM;
	}
	return KVL_OK;
}

kvl_result kvl_cloud_public(struct kvl_cloud *cloud)
{
	return kvl_cloud_from_builtin(&builtin_clouds[0], cloud);
}

void kvl_cloud_clear(struct kvl_cloud *cloud)
{
	free(cloud->name);
	free(cloud->authority_host);
	free(cloud->resource_manager);
	free(cloud->microsoft_graph);
	free(cloud->key_vault_scope);
	free(cloud->tenant);
	free(cloud->ca_bundle);
	free(cloud->key_vault_dns_suffix);
	free(cloud->key_vault_uri_prefix);
	for (size_t i = 0; i < cloud->n_connection_targets; i++) {
		free(cloud->connection_targets[i].type_id);
		free(cloud->connection_targets[i].base_url);
	}
	free(cloud->connection_targets);
	memset(cloud, 0, sizeof(*cloud));
}

static bool host_is_loopback(const char *host, size_t len)
{
	char buf[64];
	struct in_addr addr;

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, host, len);
	buf[len] = '\0';
	if (strcasecmp(buf, "localhost") == 0 || strcmp(buf, "[::1]") == 0)
		return true;
	if (inet_pton(AF_INET, buf, &addr) != 1)
		return false;
	return (ntohl(addr.s_addr) >> 24) == 127;
}

/*
 * Finds the host in "scheme://host[:port][/...]". URLs with user
 * information are rejected, since "http://127.0.0.1@example.com" reads
 * like a loopback address but is not one.
 */
static bool split_host(const char *rest, const char **host, size_t *len)
{
	size_t auth_len = strcspn(rest, "/?#");
	const char *colon;

	if (auth_len == 0 || memchr(rest, '@', auth_len) != NULL)
		return false;
	*host = rest;
	if (rest[0] == '[') {
		const char *close = memchr(rest, ']', auth_len);

		if (close == NULL)
			return false;
		*len = (size_t)(close - rest) + 1;
	} else {
		colon = memchr(rest, ':', auth_len);
		*len = colon ? (size_t)(colon - rest) : auth_len;
	}
	if (*len < auth_len && rest[*len] != ':')
		return false;
	for (size_t i = *len + 1; i < auth_len; i++) {
		if (rest[i] < '0' || rest[i] > '9')
			return false;
	}
	return *len > 0;
}

bool kvl_url_allowed(const char *url)
{
	const char *host;
	size_t len;

	if (url == NULL)
		return false;
	if (strncasecmp(url, "https://", 8) == 0)
		return split_host(url + 8, &host, &len);
	if (strncasecmp(url, "http://", 7) == 0)
		return split_host(url + 7, &host, &len) &&
		       host_is_loopback(host, len);
	return false;
}

/* The parts of a URL that decide where a request goes. */
struct url_parts {
	char *scheme;		/* lower case */
	char *host;
	char *port;		/* the scheme's default when not given */
	char *path;
};

static void url_parts_clear(struct url_parts *p)
{
	curl_free(p->scheme);
	curl_free(p->host);
	curl_free(p->port);
	curl_free(p->path);
	memset(p, 0, sizeof(*p));
}

/* Splits url with libcurl's parser; false for a URL that libcurl
 * rejects or that carries user information. */
static bool url_split(const char *url, struct url_parts *p)
{
	CURLU *h = curl_url();
	char *user = NULL;
	bool ok;

	memset(p, 0, sizeof(*p));
	if (h == NULL || url == NULL) {
		curl_url_cleanup(h);
		return false;
	}
	ok = curl_url_set(h, CURLUPART_URL, url, 0) == CURLUE_OK &&
	     curl_url_get(h, CURLUPART_USER, &user, 0) == CURLUE_NO_USER &&
	     curl_url_get(h, CURLUPART_SCHEME, &p->scheme, 0) == CURLUE_OK &&
	     curl_url_get(h, CURLUPART_HOST, &p->host, 0) == CURLUE_OK &&
	     curl_url_get(h, CURLUPART_PORT, &p->port,
			  CURLU_DEFAULT_PORT) == CURLUE_OK &&
	     curl_url_get(h, CURLUPART_PATH, &p->path, 0) == CURLUE_OK;
	curl_free(user);
	curl_url_cleanup(h);
	if (!ok)
		url_parts_clear(p);
	return ok;
}

static bool parts_same_origin(const struct url_parts *a,
			      const struct url_parts *b)
{
	return strcasecmp(a->scheme, b->scheme) == 0 &&
	       strcasecmp(a->host, b->host) == 0 &&
	       strcmp(a->port, b->port) == 0;
}

bool kvl_url_same_origin(const char *a, const char *b)
{
	struct url_parts pa, pb;
	bool same = false;

	if (url_split(a, &pa)) {
		if (url_split(b, &pb)) {
			same = parts_same_origin(&pa, &pb);
			url_parts_clear(&pb);
		}
		url_parts_clear(&pa);
	}
	return same;
}

/* Whether path is "/NAME" or "/NAME/" with NAME not empty. */
static bool one_segment(const char *path)
{
	size_t len;

	if (path[0] != '/')
		return false;
	len = strcspn(path + 1, "/");
	return len > 0 && (path[len + 1] == '\0' ||
			   strcmp(path + len + 1, "/") == 0);
}

static bool vault_under_prefix(const char *prefix,
			       const struct url_parts *vault)
{
	struct url_parts base;
	size_t len;
	bool ok = false;

	if (!url_split(prefix, &base))
		return false;
	len = strlen(base.path);
	/* The prefix's path ends with '/', and one_segment wants the
	 * remainder to start with one. */
	if (parts_same_origin(&base, vault) && len > 0 &&
	    strncmp(vault->path, base.path, len) == 0)
		ok = one_segment(vault->path + len - 1);
	url_parts_clear(&base);
	return ok;
}

static bool vault_under_suffix(const char *suffix,
			       const struct url_parts *vault)
{
	size_t host_len = strlen(vault->host);
	size_t suffix_len = strlen(suffix);

	return strcmp(vault->scheme, "https") == 0 &&
	       strcmp(vault->port, "443") == 0 &&
	       host_len > suffix_len &&
	       strcasecmp(vault->host + host_len - suffix_len, suffix) == 0 &&
	       (strcmp(vault->path, "/") == 0 || vault->path[0] == '\0');
}

bool kvl_cloud_vault_uri_allowed(const struct kvl_cloud *cloud,
				 const char *vault_uri)
{
	struct url_parts vault;
	bool ok = false;

	if (vault_uri == NULL || strpbrk(vault_uri, "?#") != NULL ||
	    !kvl_url_allowed(vault_uri) || !url_split(vault_uri, &vault))
		return false;
	if (cloud->key_vault_uri_prefix != NULL)
		ok = vault_under_prefix(cloud->key_vault_uri_prefix, &vault);
	else if (cloud->key_vault_dns_suffix != NULL)
		ok = vault_under_suffix(cloud->key_vault_dns_suffix, &vault);
	url_parts_clear(&vault);
	return ok;
}

static char *strip_slashes(const char *s)
{
	size_t len = strlen(s);

	while (len > 0 && s[len - 1] == '/')
		len--;
	return strndup(s, len);
}

/* Copies the URL at key into *field after checking it. */
static kvl_result profile_url(json_object *obj, const char *key,
			      const char *what, char **field,
			      struct kvl_error *err)
{
	const char *url = kvl_json_str(obj, key);
	char *clean;
	kvl_result res;

	if (url == NULL || url[0] == '\0')
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("cloud profile %s has no \"%s\"; add "
				       "it as an https URL"), what, key);
	if (!kvl_url_allowed(url)) {
		clean = kvl_sanitize(url);
		res = kvl_error_set(err, KVL_ERR_INVALID,
				    _("cloud profile %s: \"%s\" is '%s', "
				      "which is not https (plain http is "
				      "allowed only for loopback addresses)"),
				    what, key, clean ? clean : "");
		free(clean);
		return res;
	}
	*field = strip_slashes(url);
	return *field != NULL ? KVL_OK
			      : kvl_error_set(err, KVL_ERR_NOMEM,
					      _("no memory"));
}

/* Whether suffix is a DNS suffix such as ".vault.azure.net". */
static bool dns_suffix_valid(const char *suffix)
{
	size_t len = strlen(suffix);

	return len >= 2 && suffix[0] == '.' && suffix[1] != '.' &&
	       strspn(suffix, "abcdefghijklmnopqrstuvwxyz"
		      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") == len;
}

/* keyVaultUriPrefix, with a trailing slash added when missing. */
static kvl_result profile_vault_prefix(const char *prefix, const char *what,
				       struct kvl_cloud *cloud,
				       struct kvl_error *err)
{
	struct url_parts parts;
	size_t len = strlen(prefix);

	if (!kvl_url_allowed(prefix) || strpbrk(prefix, "?#") != NULL ||
	    !url_split(prefix, &parts))
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("cloud profile %s: "
				       "\"keyVaultUriPrefix\" is not an https "
				       "URL (plain http is allowed only for "
				       "loopback addresses) without query or "
				       "fragment"), what);
	url_parts_clear(&parts);
	if (asprintf(&cloud->key_vault_uri_prefix, "%s%s", prefix,
		     len > 0 && prefix[len - 1] == '/' ? "" : "/") < 0) {
		cloud->key_vault_uri_prefix = NULL;
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	}
	return KVL_OK;
}

/* keyVaultDnsSuffix, or "." and the host of keyVaultScope by default. */
static kvl_result profile_vault_suffix(const char *suffix, const char *what,
				       struct kvl_cloud *cloud,
				       struct kvl_error *err)
{
	struct url_parts scope;

	if (suffix == NULL) {
		if (!url_split(cloud->key_vault_scope, &scope))
			return kvl_error_set(err, KVL_ERR_INVALID,
					     _("cloud profile %s: cannot read "
					       "the host of \"keyVaultScope\""),
					     what);
		if (asprintf(&cloud->key_vault_dns_suffix, ".%s",
			     scope.host) < 0)
			cloud->key_vault_dns_suffix = NULL;
		url_parts_clear(&scope);
	} else if (dns_suffix_valid(suffix)) {
		cloud->key_vault_dns_suffix = strdup(suffix);
	} else {
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("cloud profile %s: "
				       "\"keyVaultDnsSuffix\" must be a DNS "
				       "suffix that starts with a dot, such "
				       "as \".vault.azure.net\""), what);
	}
	return cloud->key_vault_dns_suffix != NULL ? KVL_OK
	       : kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
}

static kvl_result profile_vault_uris(json_object *obj, const char *what,
				     struct kvl_cloud *cloud,
				     struct kvl_error *err)
{
	const char *suffix = kvl_json_str(obj, "keyVaultDnsSuffix");
	const char *prefix = kvl_json_str(obj, "keyVaultUriPrefix");

	if (suffix != NULL && prefix != NULL)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("cloud profile %s gives both "
				       "\"keyVaultDnsSuffix\" and "
				       "\"keyVaultUriPrefix\"; keep one"),
				     what);
	if (prefix != NULL)
		return profile_vault_prefix(prefix, what, cloud, err);
	return profile_vault_suffix(suffix, what, cloud, err);
}

static kvl_result target_rejected(const char *what, const char *type_id,
				  struct kvl_error *err)
{
	char *clean = kvl_sanitize(type_id);
	kvl_result res;

	res = kvl_error_set(err, KVL_ERR_INVALID,
			    _("cloud profile %s: \"connectionTargets\" entry "
			      "'%s' is not an https URL (plain http is "
			      "allowed only for loopback addresses) without "
			      "query or fragment"),
			    what, clean != NULL ? clean : "");
	free(clean);
	return res;
}

/* Copies the optional "connectionTargets" object into cloud. */
static kvl_result profile_targets(json_object *obj, const char *what,
				  struct kvl_cloud *cloud,
				  struct kvl_error *err)
{
	json_object *targets = NULL;
	struct kvl_cloud_target *t;
	const char *url;
	size_t n;

	if (!json_object_object_get_ex(obj, "connectionTargets", &targets) ||
	    targets == NULL)
		return KVL_OK;
	if (!json_object_is_type(targets, json_type_object))
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("cloud profile %s: "
				       "\"connectionTargets\" must be an "
				       "object of type ids and URLs"),
				     what);
	n = (size_t)json_object_object_length(targets);
	cloud->connection_targets = calloc(n > 0 ? n : 1, sizeof(*t));
	if (cloud->connection_targets == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));

	json_object_object_foreach(targets, key, value) {
		url = json_object_is_type(value, json_type_string)
		      ? json_object_get_string(value) : NULL;
		if (!kvl_url_allowed(url) || strpbrk(url, "?#") != NULL)
			return target_rejected(what, key, err);
		t = &cloud->connection_targets[cloud->n_connection_targets++];
		t->type_id = strdup(key);
		t->base_url = strip_slashes(url);
		if (t->type_id == NULL || t->base_url == NULL)
			return kvl_error_set(err, KVL_ERR_NOMEM,
					     _("out of memory"));
	}
	return KVL_OK;
}

const char *kvl_cloud_connection_target(const struct kvl_cloud *cloud,
					const char *type_id)
{
	for (size_t i = 0; i < cloud->n_connection_targets; i++) {
		if (strcmp(cloud->connection_targets[i].type_id, type_id) == 0)
			return cloud->connection_targets[i].base_url;
	}
	return NULL;
}

static kvl_result profile_fields(json_object *obj, const char *what,
				 struct kvl_cloud *cloud,
				 struct kvl_error *err)
{
	const char *tenant = kvl_json_str(obj, "tenant");
	const char *name = kvl_json_str(obj, "name");
	kvl_result res;

	res = profile_url(obj, "authorityHost", what, &cloud->authority_host,
			  err);
	if (res == KVL_OK)
		res = profile_url(obj, "resourceManager", what,
				  &cloud->resource_manager, err);
	if (res == KVL_OK)
		res = profile_url(obj, "microsoftGraph", what,
				  &cloud->microsoft_graph, err);
	if (res == KVL_OK)
		res = profile_url(obj, "keyVaultScope", what,
				  &cloud->key_vault_scope, err);
	if (res == KVL_OK)
		res = profile_vault_uris(obj, what, cloud, err);
	if (res == KVL_OK)
		res = profile_targets(obj, what, cloud, err);
	if (res != KVL_OK)
		return res;

	cloud->name = kvl_sanitize(name != NULL ? name : "custom");
	cloud->tenant = strdup(tenant != NULL && tenant[0] != '\0'
			       ? tenant : "organizations");
	cloud->ca_bundle = kvl_json_strdup(obj, "caBundle");
	if (cloud->name == NULL || cloud->tenant == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	return KVL_OK;
}

kvl_result kvl_cloud_parse(const char *json, const char *what,
			   struct kvl_cloud *cloud, struct kvl_error *err)
{
	json_object *obj = NULL;
	kvl_result res;

	memset(cloud, 0, sizeof(*cloud));
	res = kvl_json_parse(json, json ? strlen(json) : 0, what, &obj, err);
	if (res != KVL_OK)
		return res;
	if (!json_object_is_type(obj, json_type_object)) {
		res = kvl_error_set(err, KVL_ERR_INVALID,
				    _("cloud profile %s is not a JSON object"),
				    what);
		goto out;
	}
	res = profile_fields(obj, what, cloud, err);
out:
	if (res != KVL_OK)
		kvl_cloud_clear(cloud);
	json_object_put(obj);
	return res;
}

static kvl_result damaged_profile(const char *path, struct kvl_error *err)
{
	char *why = err != NULL && err->message != NULL ?
		    strdup(err->message) : NULL;
	kvl_result res;

	res = kvl_error_set(err, KVL_ERR_INVALID,
			    _("the cloud profile given with --cloud cannot be "
			      "read: %s; give --cloud a cloud profile (a JSON "
			      "object as described in kvlink(1)) or leave "
			      "--cloud out to use az CLI's current cloud"),
			    why != NULL ? why : path);
	free(why);
	return res;
}

kvl_result kvl_cloud_load(const char *path, struct kvl_cloud *cloud,
			  struct kvl_error *err)
{
	FILE *f = fopen(path, "r");
	char *text = NULL, *what = NULL;
	const char *body;
	bool read_failed;
	int errno_saved;
	size_t len;
	kvl_result res;

	memset(cloud, 0, sizeof(*cloud));
	if (f == NULL)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("cannot open cloud profile '%s': %m; "
				       "check the --cloud path, or give a "
				       "built-in cloud: %s"), path,
				     kvl_cloud_builtin_names());
	text = malloc(CLOUD_FILE_MAX + 1);
	if (text == NULL) {
		fclose(f);
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	}
	len = fread(text, 1, CLOUD_FILE_MAX + 1, f);
	read_failed = ferror(f) != 0;
	errno_saved = errno;
	fclose(f);
	if (read_failed) {
		res = kvl_error_set(err, KVL_ERR_INVALID,
				    _("cannot read cloud profile '%s': %s; "
				      "give the path of a cloud profile file"),
				    path, strerror(errno_saved));
		goto out;
	}
	if (len > CLOUD_FILE_MAX) {
		res = kvl_error_set(err, KVL_ERR_INVALID,
				    _("cloud profile '%s' is larger than %u "
				      "bytes"), path, CLOUD_FILE_MAX);
		goto out;
	}
	text[len] = '\0';
	if (asprintf(&what, "'%s'", path) < 0) {
		what = NULL;
		res = kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
		goto out;
	}
	/* Editors on Windows may start the file with a UTF-8 byte-order
	 * mark, which JSON parsers need not accept. */
	body = strncmp(text, "\xef\xbb\xbf", 3) == 0 ? text + 3 : text;
	res = kvl_cloud_parse(body, what, cloud, err);

	/* A damaged profile is a usage problem like a missing one. */
	if (res == KVL_ERR_PARSE)
		res = damaged_profile(path, err);
out:
	free(what);
	free(text);
	return res;
}

static char *scope_of(const char *audience)
{
	char *scope = NULL;
	size_t len = strlen(audience);

	while (len > 0 && audience[len - 1] == '/')
		len--;
	if (asprintf(&scope, "%.*s/.default", (int)len, audience) < 0)
		return NULL;
	return scope;
}

char *kvl_cloud_arm_scope(const struct kvl_cloud *cloud)
{
	return scope_of(cloud->resource_manager);
}

char *kvl_cloud_graph_scope(const struct kvl_cloud *cloud)
{
	return scope_of(cloud->microsoft_graph);
}

char *kvl_cloud_vault_scope(const struct kvl_cloud *cloud)
{
	return scope_of(cloud->key_vault_scope);
}
