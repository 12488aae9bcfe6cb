/*
 * The debug log (--log-file). It never writes to the terminal, escapes
 * control characters and redacts tokens, secrets and Authorization values.
 * Until kvl_log_open() succeeds every call is a no-op.
 */
#ifndef KVL_LOG_H
#define KVL_LOG_H

#include <stdbool.h>

#include "core/result.h"

kvl_result kvl_log_open(const char *path) KVL_NODISCARD;
void kvl_log_close(void);
bool kvl_log_enabled(void);

/* Writes one time-stamped line; the text is escaped and redacted. */
void kvl_log(const char *fmt, ...) KVL_PRINTF(1, 2);

/*
 * Copies text with bearer tokens, "access_token"/"refresh_token"/
 * "client_secret"/"value"-style JSON and form fields, and anything that
 * looks like a JWT replaced by "<redacted>". The caller frees the result.
 */
char *kvl_log_redact(const char *text);

/*
 * Copies a URL with every query value redacted except those of harmless
 * parameters (api-version, $filter, $top and the like), then applies
 * kvl_log_redact(). The caller frees the result.
 */
char *kvl_log_redact_url(const char *url);

/*
 * Copies one "Name: value" header line with the whole value redacted
 * when the name marks a secret (Authorization, Cookie, Set-Cookie,
 * X-IDENTITY-HEADER, any name containing "token" or "secret", ...),
 * else applies kvl_log_redact(). The caller frees the result.
 */
char *kvl_log_redact_header(const char *line);

#endif
