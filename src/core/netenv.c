#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/netenv.h"

/* Variables by precedence, each list ending with NULL. */
static const char *const https_proxy_vars[] = {
	"https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", NULL
};
static const char *const http_proxy_vars[] = {
	"http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY", NULL
};
static const char *const no_proxy_vars[] = {
	"no_proxy", "NO_PROXY", NULL
};
static const char *const ca_file_vars[] = {
	"REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", NULL
};
static const char *const ca_dir_vars[] = { "SSL_CERT_DIR", NULL };

/* Copies the first variable of names that is set and not empty. */
static bool read_first(const char *const *names,
		       struct kvl_netenv_value *out)
{
	const char *value;

	for (size_t i = 0; names[i] != NULL; i++) {
		value = getenv(names[i]);
		if (value == NULL || value[0] == '\0')
			continue;
		out->value = strdup(value);
		out->var = names[i];
		return out->value != NULL;
	}
	return true;
}

bool kvl_netenv_read(struct kvl_netenv *env)
{
	memset(env, 0, sizeof(*env));
	if (read_first(https_proxy_vars, &env->https_proxy) &&
	    read_first(http_proxy_vars, &env->http_proxy) &&
	    read_first(no_proxy_vars, &env->no_proxy) &&
	    read_first(ca_file_vars, &env->ca_file) &&
	    read_first(ca_dir_vars, &env->ca_dir))
		return true;
	kvl_netenv_clear(env);
	return false;
}

void kvl_netenv_clear(struct kvl_netenv *env)
{
	free(env->https_proxy.value);
	free(env->http_proxy.value);
	free(env->no_proxy.value);
	free(env->ca_file.value);
	free(env->ca_dir.value);
	memset(env, 0, sizeof(*env));
}

const struct kvl_netenv_value *
kvl_netenv_proxy_for(const struct kvl_netenv *env, const char *url)
{
	if (url != NULL && strncasecmp(url, "http://", 7) == 0)
		return &env->http_proxy;
	return &env->https_proxy;
}

char *kvl_netenv_redact(const char *proxy)
{
	const char *scheme_end = strstr(proxy, "://");
	const char *host = scheme_end != NULL ? scheme_end + 3 : proxy;
	const char *at = strrchr(host, '@');
	char *out = NULL;

	/* The last '@' anywhere ends the user information. A password may
	 * contain '@', '/', '?' or '#', so the first of those cannot mark
	 * its end, and a proxy URL has no use for '@' in a path. */
	if (at == NULL)
		return strdup(proxy);
	if (asprintf(&out, "%.*s***%s", (int)(host - proxy), proxy, at) < 0)
		return NULL;
	return out;
}
