/*
 * Cloud profiles: the endpoints kvlink talks to. Public Azure is built in;
 * other clouds and the sandbox come from a JSON file:
 *
 *   { "name": "...", "authorityHost": "https://...",
 *     "resourceManager": "https://...", "microsoftGraph": "https://...",
 *     "keyVaultScope": "https://vault.azure.net",
 *     "tenant": "organizations", "caBundle": "/path/ca.pem" }
 *
 * tenant and caBundle are optional. Plain http is accepted only for
 * loopback hosts (127.0.0.0/8, ::1, localhost).
 */
#ifndef KVL_CLOUD_H
#define KVL_CLOUD_H

#include "core/result.h"

struct kvl_cloud {
	char *name;
	char *authority_host;	/* no trailing slash */
	char *resource_manager;	/* no trailing slash */
	char *microsoft_graph;	/* no trailing slash */
	char *key_vault_scope;	/* audience of data-plane tokens */
	char *tenant;		/* default tenant for sign-in */
	char *ca_bundle;	/* NULL: the system's trust store */
};

kvl_result kvl_cloud_public(struct kvl_cloud *cloud) KVL_NODISCARD;
kvl_result kvl_cloud_load(const char *path, struct kvl_cloud *cloud,
			  struct kvl_error *err) KVL_NODISCARD;
/* Parses a profile from JSON text; what names the source in messages. */
kvl_result kvl_cloud_parse(const char *json, const char *what,
			   struct kvl_cloud *cloud, struct kvl_error *err)
	KVL_NODISCARD;
void kvl_cloud_clear(struct kvl_cloud *cloud);

/* Whether url is https, or http to a loopback host. */
bool kvl_url_allowed(const char *url);

/* Token scopes ("<audience>/.default") for each service; caller frees. */
char *kvl_cloud_arm_scope(const struct kvl_cloud *cloud);
char *kvl_cloud_graph_scope(const struct kvl_cloud *cloud);
char *kvl_cloud_vault_scope(const struct kvl_cloud *cloud);

#endif
