/* Result codes and error details shared by every layer of kvlink. */
#ifndef KVL_RESULT_H
#define KVL_RESULT_H

#include <stdbool.h>

#define KVL_NODISCARD __attribute__((warn_unused_result))
#define KVL_PRINTF(f, a) __attribute__((format(printf, f, a)))

typedef enum kvl_result {
	KVL_OK = 0,
	KVL_ERR_INVALID,	/* bad input from the user or a file */
	KVL_ERR_NOMEM,
	KVL_ERR_IO,		/* local file or system call failed */
	KVL_ERR_NETWORK,	/* connection failed or timed out */
	KVL_ERR_TLS,		/* certificate could not be verified */
	KVL_ERR_HTTP,		/* unexpected HTTP status; see kvl_error */
	KVL_ERR_PARSE,		/* response or file is not what we expect */
	KVL_ERR_AUTH,		/* sign-in failed or the token was rejected */
	KVL_ERR_FORBIDDEN,	/* 403 from Azure */
	KVL_ERR_NOT_FOUND,	/* 404, or an empty lookup */
	KVL_ERR_CONFLICT,	/* 409, or the store changed underneath us */
	KVL_ERR_THROTTLED,	/* 429 after every retry */
	KVL_ERR_CANCELLED,	/* the user cancelled */
	KVL_ERR_PREREQ,		/* a prerequisite check failed */
	KVL_ERR_STORE,		/* the environment store is unusable */
	KVL_ERR_BUSY,		/* another process holds a lock we need */
} kvl_result;

/*
 * Details of a failure. Every string is owned by the struct and released
 * by kvl_error_clear(). The Azure fields are NULL when the failure did not
 * come from Azure.
 */
struct kvl_error {
	kvl_result result;
	long http_status;	/* 0 when no HTTP response was received */
	char *operation;	/* what we were doing: "list vaults" */
	char *message;		/* our explanation, already sanitised */
	char *azure_code;	/* error.code from Azure's envelope */
	char *azure_message;	/* error.message from Azure's envelope */
	char *correlation_id;	/* x-ms-correlation-request-id or similar */
};

void kvl_error_init(struct kvl_error *err);
void kvl_error_clear(struct kvl_error *err);

/* Sets result and message (printf-style) and returns result. */
kvl_result kvl_error_set(struct kvl_error *err, kvl_result result,
			 const char *fmt, ...) KVL_PRINTF(3, 4);

/* Replaces err->operation; NULL-safe on err. */
void kvl_error_operation(struct kvl_error *err, const char *operation);

/*
 * Puts context before err->operation, so that the call that failed stays
 * named: "link the key vault" and "add access policy on kv-ci-prod" give
 * "link the key vault: add access policy on kv-ci-prod". Sets the
 * operation when there is none; NULL-safe on err.
 */
void kvl_error_context(struct kvl_error *err, const char *context);

/* Moves the contents of src into dst, clearing dst first. */
void kvl_error_move(struct kvl_error *dst, struct kvl_error *src);

/*
 * Formats the error for people: our message first, then Azure's code and
 * message and the correlation id. The caller frees the result.
 */
char *kvl_error_format(const struct kvl_error *err);

/* Short English name of a result, for logs and JSON ("not_found"). */
const char *kvl_result_name(kvl_result result);

/* Process exit code for a result, as documented in kvlink(1). */
int kvl_result_exit_code(kvl_result result);

/* Documented exit codes of kvlink. */
enum kvl_exit {
	KVL_EXIT_OK = 0,
	KVL_EXIT_FAILURE = 1,
	KVL_EXIT_USAGE = 2,
	KVL_EXIT_NOT_FOUND = 3,
	KVL_EXIT_AUTH = 4,
	KVL_EXIT_PREREQ = 5,
	KVL_EXIT_BUSY = 6,
	KVL_EXIT_STORE = 7,
	KVL_EXIT_TEST_FAILED = 8,	/* connection test ran and failed */
	KVL_EXIT_INTERRUPTED = 130,
};

#endif
