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

#endif
