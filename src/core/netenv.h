/*
 * Proxy and CA-bundle settings from the environment, read by kvlink
 * itself instead of by libcurl, which skips upper-case HTTP_PROXY on
 * purpose and knows none of the CA variables of other tools.
 *
 * Proxies: for an https URL https_proxy, HTTPS_PROXY, all_proxy,
 * ALL_PROXY; for an http URL http_proxy, HTTP_PROXY, all_proxy,
 * ALL_PROXY; the first one set and not empty wins, so lower case wins
 * over upper case as in curl and Python. no_proxy, then NO_PROXY, lists
 * the hosts that are reached directly, in curl's syntax (comma-separated
 * host names, domain suffixes, IP addresses or CIDR ranges, or "*").
 *
 * CA bundle: REQUESTS_CA_BUNDLE, then CURL_CA_BUNDLE, then SSL_CERT_FILE
 * name the file of trusted CA certificates; SSL_CERT_DIR adds a directory
 * of hashed certificates. A caBundle in the cloud profile overrides all
 * four, because --cloud on the command line is the more specific choice.
 * Without any of them the system's trust store is used.
 */
#ifndef KVL_NETENV_H
#define KVL_NETENV_H

#include <stdbool.h>

/* A setting and the name of the variable it came from (static), or two
 * NULLs when no variable is set. */
struct kvl_netenv_value {
	char *value;
	const char *var;
};

struct kvl_netenv {
	struct kvl_netenv_value https_proxy;
	struct kvl_netenv_value http_proxy;
	struct kvl_netenv_value no_proxy;
	struct kvl_netenv_value ca_file;
	struct kvl_netenv_value ca_dir;
};

/* Reads the variables with getenv(); false when out of memory. */
bool kvl_netenv_read(struct kvl_netenv *env);
void kvl_netenv_clear(struct kvl_netenv *env);

/* The proxy setting for url's scheme (it does not apply no_proxy, which
 * libcurl does); the value is NULL for a direct connection. */
const struct kvl_netenv_value *
kvl_netenv_proxy_for(const struct kvl_netenv *env, const char *url);

/* A copy of a proxy URL with any user name and password replaced by
 * "***", for messages and logs; the caller frees it. */
char *kvl_netenv_redact(const char *proxy);

#endif
