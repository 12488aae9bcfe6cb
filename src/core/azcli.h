/*
 * Reads the Azure CLI's own files as preferences: the current cloud from
 * $AZURE_CONFIG_DIR/config and the default subscription from
 * $AZURE_CONFIG_DIR/azureProfile.json ($AZURE_CONFIG_DIR defaults to
 * ~/.azure). kvlink never writes them, and nothing in them replaces a
 * live answer from Azure: a subscription named there is used only when
 * Resource Manager lists it too.
 *
 * azureProfile.json is the JSON that az writes with a UTF-8 byte-order
 * mark in front:
 *
 *   { "installationId": "...",
 *     "subscriptions": [
 *       { "id": "GUID", "name": "...", "state": "Enabled",
 *         "tenantId": "GUID", "isDefault": true,
 *         "environmentName": "AzureCloud",
 *         "user": { "name": "...", "type": "user" } } ] }
 */
#ifndef KVL_AZCLI_H
#define KVL_AZCLI_H

#include <stdbool.h>
#include <stddef.h>

#include "core/result.h"

/* One entry of "subscriptions"; strings are sanitised, NULL when absent. */
struct kvl_azcli_subscription {
	char *id;
	char *name;
	char *tenant_id;
	char *environment_name;	/* the az cloud it belongs to */
	char *user_name;
	bool is_default;
};

struct kvl_azcli_profile {
	struct kvl_azcli_subscription *subscriptions;
	size_t n_subscriptions;
};

/* $AZURE_CONFIG_DIR, else $HOME/.azure; NULL when neither is set.
 * The caller frees it. */
char *kvl_azcli_dir(void);

/*
 * Reads "name" in the [cloud] section of DIR/config. A missing file or
 * entry gives KVL_OK with *name NULL. A line that is not in INI syntax
 * gives KVL_ERR_PARSE with err naming the line, and *name is still the
 * name that the other lines set, or NULL.
 */
kvl_result kvl_azcli_cloud_name(const char *dir, char **name,
				struct kvl_error *err) KVL_NODISCARD;

/*
 * Parses azureProfile.json text (with or without its byte-order mark);
 * what names the source in messages. Entries without an id are skipped.
 */
kvl_result kvl_azcli_profile_parse(const char *text, size_t len,
				   const char *what,
				   struct kvl_azcli_profile *profile,
				   struct kvl_error *err) KVL_NODISCARD;

/* Loads DIR/azureProfile.json: KVL_ERR_NOT_FOUND when it does not exist,
 * KVL_ERR_PARSE when it is damaged. */
kvl_result kvl_azcli_profile_load(const char *dir,
				  struct kvl_azcli_profile *profile,
				  struct kvl_error *err) KVL_NODISCARD;
void kvl_azcli_profile_clear(struct kvl_azcli_profile *profile);

/*
 * The entry marked isDefault among those of cloud_name, as az filters
 * them by environmentName (an entry without one matches any cloud);
 * NULL when there is none.
 */
const struct kvl_azcli_subscription *
kvl_azcli_profile_default(const struct kvl_azcli_profile *profile,
			  const char *cloud_name);

/*
 * Finds az's default subscription for cloud_name and copies its id and
 * name into *id and *name (caller frees). A missing directory or file
 * gives KVL_OK with *id NULL, silently. A damaged file gives KVL_OK with
 * *id NULL and *warning set to a one-line message (caller frees).
 */
kvl_result kvl_azcli_default_subscription(const char *cloud_name,
					  char **id, char **name,
					  char **warning) KVL_NODISCARD;

#endif
