/*
 * Key vault discovery across many subscriptions through Azure Resource
 * Graph (POST {resourceManager}/providers/Microsoft.ResourceGraph/
 * resources), with per-subscription listing as the fallback.
 *
 * One fixed KQL query lists the vaults; user text never becomes part of
 * it. Subscriptions go in the request's "subscriptions" array, at most
 * KVL_RESGRAPH_MAX_SUBSCRIPTIONS per request and one tenant per request,
 * since each tenant needs its own Resource Manager token. Pages follow
 * "$skipToken" in the request body. Each row becomes the same struct
 * kvl_vault that kvl_arm_list_vaults() fills.
 */
#ifndef KVL_RESOURCEGRAPH_H
#define KVL_RESOURCEGRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "core/arm.h"
#include "core/azure.h"
#include "core/result.h"

#define KVL_API_RESOURCE_GRAPH "2024-04-01"

/* Resource Graph's limits: subscriptions per request, rows per page. */
#define KVL_RESGRAPH_MAX_SUBSCRIPTIONS 1000
#define KVL_RESGRAPH_MAX_TOP 1000

/*
 * Maximum number of pages kvlink follows for one request. With pages of
 * 1000 rows that is 100,000 vaults, so more pages point to a faulty server.
 */
#define KVL_RESGRAPH_MAX_PAGES 100

/* The longest "$skipToken" accepted, in bytes. */
#define KVL_RESGRAPH_MAX_TOKEN 4096

/* The KQL text that lists key vaults; the same for every request. */
extern const char kvl_resgraph_vault_query[];

/* One page of a Resource Graph response ("objectArray" format). */
struct kvl_resgraph_page {
	json_object *data;	/* the rows; borrowed from the body */
	size_t count;
	int64_t total_records;
	char *skip_token;	/* NULL on the last page */
};

/*
 * Builds the body of one request: the vault query, the subscriptions,
 * options.$top = top and, when skip_token is not NULL, options.$skipToken.
 * The caller frees *out with json_object_put().
 */
kvl_result kvl_resgraph_build_request(const char *const *subscriptions,
				      size_t n_subscriptions, int top,
				      const char *skip_token,
				      json_object **out,
				      struct kvl_error *err) KVL_NODISCARD;

/*
 * Checks a response body's shape and fills page: "data" an array of at
 * most top rows, "count" equal to its length, "totalRecords" at least
 * that, "resultTruncated" "false", and "$skipToken" absent or a
 * non-empty string. KVL_ERR_PARSE names the field that is wrong.
 */
kvl_result kvl_resgraph_parse_page(json_object *body, int top,
				   struct kvl_resgraph_page *page,
				   struct kvl_error *err) KVL_NODISCARD;
void kvl_resgraph_page_clear(struct kvl_resgraph_page *page);

/*
 * Finds the "$skipToken" member of the top-level object in a page's raw
 * JSON text (NUL-terminated at len) without parsing the page, so that
 * the next page can be requested before this one is parsed. Strings are
 * skipped with their escapes and members of nested objects and arrays
 * are ignored, so a vault name or tag that contains the text cannot
 * match. Returns a copy of the value, the last one when the member
 * repeats (json-c 0.16 keeps the last too). Returns NULL when there is
 * none, the value is not a string or has escapes, the text is cut off,
 * or memory runs out. The full parse stays the authority: a key written
 * with escapes is not found here.
 */
char *kvl_resgraph_scan_skip_token(const char *text, size_t len);

/*
 * As kvl_resgraph_scan_skip_token(), for the start of a page that is
 * still arriving: a token whose string is complete in text is returned
 * even though the rest of the page is missing. The caller checks it
 * against the full parse of the whole page.
 */
char *kvl_resgraph_scan_skip_token_start(const char *text, size_t len);

/*
 * Maps one row of the vault query to a vault. The row must carry "id",
 * "name", "type" (a key vault), "subscriptionId" and "properties" with
 * the types Resource Manager gives them; KVL_ERR_PARSE otherwise.
 */
kvl_result kvl_resgraph_parse_vault_row(json_object *row,
					struct kvl_vault *out,
					struct kvl_error *err) KVL_NODISCARD;

/*
 * Lists the key vaults of the given subscriptions through Resource
 * Graph, every page of every batch. Subscriptions are grouped by
 * tenant_id; a NULL tenant id means the sign-in tenant. resource_group,
 * when not NULL, keeps only vaults in resource groups of that name (any
 * case); the filter applies to the rows, not the query.
 */
kvl_result kvl_resgraph_list_vaults(struct kvl_azure *az,
				    const struct kvl_subscription *subs,
				    size_t n_subs, const char *resource_group,
				    struct kvl_vault **out, size_t *n,
				    struct kvl_error *err) KVL_NODISCARD;

/*
 * Whether err means that Resource Graph cannot serve this caller at all
 * (403, or the provider is not registered or not found), so listing per
 * subscription may still work.
 */
bool kvl_resgraph_unavailable(const struct kvl_error *err);

/* The method kvl_resgraph_discover_vaults() used to find the vaults. */
enum kvl_vault_source {
	KVL_VAULTS_RESOURCE_GRAPH,
	KVL_VAULTS_PER_SUBSCRIPTION,
};

/* The result of a discovery across subscriptions. */
struct kvl_vault_discovery {
	struct kvl_vault *vaults;
	size_t n_vaults;
	size_t n_subscriptions;	/* subscriptions searched */
	enum kvl_vault_source source;
	/* The reason Resource Graph was not used; KVL_OK when it was. */
	struct kvl_error fallback;
};

/*
 * Lists the key vaults of every subscription in subs that is neither
 * Disabled nor Deleted: through Resource Graph first, and per
 * subscription (kvl_arm_list_vaults_each) when kvl_resgraph_unavailable()
 * holds for its error. Release out with kvl_vault_discovery_clear().
 */
/*
 * Subscriptions whose vaults the fallback lists at the same time.
 * NOTE: eight is a chosen default, not a measured optimum. Resource
 * Manager throttles reads per caller, so a higher value may earn 429s.
 */
#define KVL_DISCOVERY_CONCURRENCY KVL_HTTP_CONCURRENCY

/*
 * Lists the key vaults of each subscription in subs through Resource
 * Manager, up to KVL_DISCOVERY_CONCURRENCY subscriptions at a time, and
 * appends them to d->vaults in the order of subs. resource_group, when
 * not NULL, lists only that resource group; a subscription without it
 * adds nothing. When any subscription fails, err names the first one
 * (with Azure's code and correlation id) and how many others failed,
 * and d is left as it was.
 */
kvl_result kvl_arm_list_vaults_each(struct kvl_azure *az,
				    const struct kvl_subscription *subs,
				    size_t n_subs, const char *resource_group,
				    struct kvl_vault_discovery *d,
				    struct kvl_error *err) KVL_NODISCARD;

kvl_result kvl_resgraph_discover_vaults(struct kvl_azure *az,
					const struct kvl_subscription *subs,
					size_t n_subs,
					const char *resource_group,
					struct kvl_vault_discovery *out,
					struct kvl_error *err) KVL_NODISCARD;

/*
 * A receiver of vaults one at a time. It takes over the vault's strings
 * (and clears it) whatever it returns; anything but KVL_OK stops the
 * listing with that result.
 */
typedef kvl_result (*kvl_vault_fn)(struct kvl_vault *vault, void *ctx);

/*
 * Asks a receiver of vaults to forget every vault handed to it so far.
 * Returns false when it cannot, because some of them have already left
 * it (printed, for example).
 */
typedef bool (*kvl_vault_rewind_fn)(void *ctx);

/*
 * The same as kvl_resgraph_discover_vaults(), but each vault goes to
 * each as soon as its page is read, so no more than one page of vaults
 * is kept, and out->vaults stays empty. When the fallback runs, it
 * collects every subscription's vaults first and then hands them to
 * each. When Resource Graph turns out to be unavailable after vaults
 * have been handed on, the fallback runs only if rewind (which may be
 * NULL) takes them back. Otherwise the call fails.
 */
kvl_result kvl_resgraph_discover_vaults_each(
	struct kvl_azure *az, const struct kvl_subscription *subs,
	size_t n_subs, const char *resource_group, kvl_vault_fn each,
	kvl_vault_rewind_fn rewind, void *each_ctx,
	struct kvl_vault_discovery *out, struct kvl_error *err)
	KVL_NODISCARD;
void kvl_vault_discovery_clear(struct kvl_vault_discovery *d);

#endif
