/*
 * Tokens from an existing Azure CLI sign-in: kvlink runs
 * 'az account get-access-token --scope SCOPE [--tenant TENANT]
 * --output json' as a child process with no terminal and reads the JSON
 * it prints. No secret is ever passed on az's command line.
 */
#ifndef KVL_AZCLI_TOKEN_H
#define KVL_AZCLI_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/result.h"
#include "core/sink.h"

/* How long az may take to print a token, in seconds. It refreshes its
 * own tokens over the network, which can take a few seconds. */
#define KVL_AZCLI_TIMEOUT_S 60

struct kvl_azcli_token {
	char *access_token;	/* secret */
	int64_t expires_at;	/* Unix seconds */
	char *tenant;		/* the tenant az reports; may be NULL */
};

/*
 * Reads the JSON that az account get-access-token prints (len bytes of
 * text). The text is never quoted in err, since it may hold a token.
 */
kvl_result kvl_azcli_parse_token(const char *text, size_t len,
				 struct kvl_azcli_token *token,
				 struct kvl_error *err) KVL_NODISCARD;

/* Wipes the token and frees everything. */
void kvl_azcli_token_clear(struct kvl_azcli_token *token);

/*
 * Whether an az program is on PATH and azureProfile.json in its
 * configuration directory (kvl_azcli_dir()) lists at least one
 * subscription, which az adds at 'az login'. Runs nothing, so --auth
 * auto can ask cheaply.
 */
bool kvl_azcli_signed_in(void);

/* Checks that az is on PATH; KVL_ERR_AUTH saying how to install it when
 * not. */
kvl_result kvl_azcli_check(struct kvl_error *err) KVL_NODISCARD;

/*
 * Runs az for a token for scope, in tenant when not NULL. az's failure
 * (not signed in, say) gives KVL_ERR_AUTH with its exit status and
 * sanitised message and the advice to run 'az login'; output that is
 * not a token response is KVL_ERR_AUTH too. When sink reports a cancel
 * (sink may be NULL), az and its children are killed and the result is
 * KVL_ERR_CANCELLED.
 */
kvl_result kvl_azcli_get_token(const char *scope, const char *tenant,
			       const struct kvl_sink *sink,
			       struct kvl_azcli_token *token,
			       struct kvl_error *err) KVL_NODISCARD;

#endif
