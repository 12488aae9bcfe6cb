/*
 * The Key Vault data plane, read-only: secret names and attributes. kvlink
 * never sets, updates, deletes or purges a secret.
 */
#ifndef KVL_KEYVAULT_H
#define KVL_KEYVAULT_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "core/azure.h"
#include "core/result.h"

#define KVL_API_KEYVAULT_DATA "7.5"

struct kvl_secret_item {
	char *name;		/* last segment of id */
	char *id;
	char *content_type;
	bool enabled;
	bool managed;		/* backs a certificate */
	int64_t not_before;	/* 0 when absent */
	int64_t expires;	/* 0 when absent */
	int64_t created;
	int64_t updated;
};

kvl_result kvl_kv_parse_secret_item(json_object *item,
				    struct kvl_secret_item *out,
				    struct kvl_error *err) KVL_NODISCARD;
void kvl_secret_item_clear(struct kvl_secret_item *s);
void kvl_secret_items_free(struct kvl_secret_item *v, size_t n);

/* Lists every secret's name and attributes, following nextLink. */
kvl_result kvl_kv_list_secrets(struct kvl_azure *az, const char *vault_uri,
			       const char *tenant,
			       struct kvl_secret_item **out, size_t *n,
			       struct kvl_error *err) KVL_NODISCARD;

/* A secret's value, held only in memory; see kvl_secret_value_clear(). */
struct kvl_secret_value {
	char *data;		/* NUL-terminated */
	size_t len;
};

/*
 * Reads the current value of secret name from the vault at vault_uri
 * (Key Vault's get permission). The value is copied into out and every
 * other copy kvlink made of it (the response body, the parsed JSON) is
 * wiped before this returns. KVL_ERR_NOT_FOUND when the vault has no such
 * secret; KVL_ERR_INVALID for a name that Key Vault cannot hold.
 */
kvl_result kvl_kv_get_secret_value(struct kvl_azure *az,
				   const char *vault_uri, const char *tenant,
				   const char *name,
				   struct kvl_secret_value *out,
				   struct kvl_error *err) KVL_NODISCARD;

/* Wipes and frees the value; out may be cleared twice. */
void kvl_secret_value_clear(struct kvl_secret_value *value);

#endif
