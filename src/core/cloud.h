/*
 * Cloud profiles: the endpoints kvlink talks to. The clouds that az CLI
 * has built in (AzureCloud, AzureUSGovernment, AzureChinaCloud) are built
 * in here under the same names; other clouds and the sandbox come from a
 * JSON file:
 *
 *   { "name": "...", "authorityHost": "https://...",
 *     "resourceManager": "https://...", "microsoftGraph": "https://...",
 *     "keyVaultScope": "https://vault.azure.net",
 *     "keyVaultDnsSuffix": ".vault.azure.net",
 *     "tenant": "organizations", "caBundle": "/path/ca.pem" }
 *
 * tenant, caBundle, keyVaultDnsSuffix and keyVaultUriPrefix are optional.
 * Plain http is accepted only for loopback hosts (127.0.0.0/8, ::1,
 * localhost).
 *
 * A Key Vault token goes only to a vault URI that the profile allows, so
 * that a vaultUri read from Resource Manager or a file cannot send it
 * elsewhere. Either of two members says which URIs are allowed (a profile
 * gives at most one of them):
 *   keyVaultDnsSuffix  "https://NAME<suffix>/" on port 443, for example
 *                      ".vault.azure.net".
 *   keyVaultUriPrefix  "<prefix>NAME/": the same scheme, host and port as
 *                      the prefix, and one path segment (the vault name)
 *                      after its path, for example
 *                      "http://127.0.0.1:8080/kv/" in the sandbox.
 * With neither, the suffix is "." followed by the host of keyVaultScope.
 *
 * The optional "connectionTargets" object maps a connection type id to a
 * base URL that connection tests of that type use instead of the
 * vendor's own host, for example
 *   "connectionTargets": {
 *     "sendgrid": "http://127.0.0.1:8080/vendor/sendgrid" }
 * in the sandbox. Each URL follows the same https-or-loopback rule.
 */
#ifndef KVL_CLOUD_H
#define KVL_CLOUD_H

#include <stddef.h>

#include "core/result.h"

/* One entry of "connectionTargets". */
struct kvl_cloud_target {
	char *type_id;		/* connection type id: "sendgrid" */
	char *base_url;		/* no trailing slash */
};

struct kvl_cloud {
	char *name;
	char *authority_host;	/* no trailing slash */
	char *resource_manager;	/* no trailing slash */
	char *microsoft_graph;	/* no trailing slash */
	char *key_vault_scope;	/* audience of data-plane tokens */
	char *tenant;		/* default tenant for sign-in */
	char *ca_bundle;	/* NULL: the system's trust store */
	/* Exactly one of these two is set; see the top of this file. */
	char *key_vault_dns_suffix;	/* ".vault.azure.net" */
	char *key_vault_uri_prefix;	/* ends with '/' */
	/* connectionTargets, in the order of the file; n may be 0. */
	struct kvl_cloud_target *connection_targets;
	size_t n_connection_targets;
};

/* One built-in cloud; the strings are static. */
struct kvl_cloud_builtin {
	const char *name;		/* az CLI's name: "AzureCloud" */
	const char *authority_host;
	const char *resource_manager;
	const char *microsoft_graph;
	const char *key_vault_scope;
	const char *key_vault_dns_suffix;
};

/* The i-th built-in cloud, or NULL past the last one. */
const struct kvl_cloud_builtin *kvl_cloud_builtin_at(size_t i);
/* The built-in cloud called name (ignoring case), or NULL. */
const struct kvl_cloud_builtin *kvl_cloud_builtin_find(const char *name);
/* Fills cloud from a built-in entry, with the tenant "organizations". */
kvl_result kvl_cloud_from_builtin(const struct kvl_cloud_builtin *builtin,
				  struct kvl_cloud *cloud) KVL_NODISCARD;
/* AzureCloud. */
kvl_result kvl_cloud_public(struct kvl_cloud *cloud) KVL_NODISCARD;

/* The source of the cloud that kvl_cloud_select() returned. */
enum kvl_cloud_origin {
	KVL_CLOUD_ORIGIN_DEFAULT,	/* nothing did: AzureCloud */
	KVL_CLOUD_ORIGIN_AZ_CLI,	/* az CLI's current cloud */
	KVL_CLOUD_ORIGIN_NAME,		/* --cloud NAME */
	KVL_CLOUD_ORIGIN_FILE,		/* --cloud FILE */
};

/*
 * Chooses the cloud for "--cloud value". A built-in name (in any case)
 * wins over a file of that name, so a file called "AzureCloud" needs a
 * path such as "./AzureCloud". Any other value is a cloud profile file.
 * Without a value, the cloud is az CLI's current one (AZURE_CLOUD_NAME,
 * else "name" in the [cloud] section of $AZURE_CONFIG_DIR/config), else
 * AzureCloud. An az
 * CLI cloud that is not built in is an error, since falling back to
 * public Azure would send the sign-in to another cloud. A damaged az CLI
 * configuration is ignored with a one-line *warning (caller frees).
 */
kvl_result kvl_cloud_select(const char *value, struct kvl_cloud *cloud,
			    enum kvl_cloud_origin *origin, char **warning,
			    struct kvl_error *err) KVL_NODISCARD;

/* The built-in names as "AzureCloud, AzureUSGovernment, ..." (static). */
const char *kvl_cloud_builtin_names(void);
kvl_result kvl_cloud_load(const char *path, struct kvl_cloud *cloud,
			  struct kvl_error *err) KVL_NODISCARD;
/* Parses a profile from JSON text; what names the source in messages. */
kvl_result kvl_cloud_parse(const char *json, const char *what,
			   struct kvl_cloud *cloud, struct kvl_error *err)
	KVL_NODISCARD;
void kvl_cloud_clear(struct kvl_cloud *cloud);

/* Whether url is https, or http to a loopback host. */
bool kvl_url_allowed(const char *url);

/* Whether a and b have the same scheme, host and port (a missing port is
 * the scheme's default). URLs with user information never match. */
bool kvl_url_same_origin(const char *a, const char *b);

/* Whether a Key Vault token may be sent to vault_uri (see above). */
bool kvl_cloud_vault_uri_allowed(const struct kvl_cloud *cloud,
				 const char *vault_uri);

/* The connectionTargets base URL for a connection type; NULL when the
 * profile has none, so the test goes to the vendor's own host. */
const char *kvl_cloud_connection_target(const struct kvl_cloud *cloud,
					const char *type_id);

/* Token scopes ("<audience>/.default") for each service; caller frees. */
char *kvl_cloud_arm_scope(const struct kvl_cloud *cloud);
char *kvl_cloud_graph_scope(const struct kvl_cloud *cloud);
char *kvl_cloud_vault_scope(const struct kvl_cloud *cloud);

#endif
