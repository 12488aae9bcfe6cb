/*
 * Request logs of the sandboxes that the C tests start. Each sandbox
 * writes its --request-log into $KVL_BUILDDIR/tests/request-logs, where
 * tests/integration/no_secret_writes.sh reads every log at the end of
 * make check.
 */
#ifndef KVL_TEST_REQUEST_LOG_H
#define KVL_TEST_REQUEST_LOG_H

/*
 * Returns the path for the next sandbox of the test program name
 * ("<dir>/<name>.<n>.jsonl"), in a static buffer. The first call creates
 * the directory and removes the logs of an earlier run of name. Returns
 * NULL when KVL_BUILDDIR is not set or the directory cannot be created.
 * Also sets KVLINK_SANDBOX_KNOWN_SECRETS_FILE to a file of the same name
 * in $KVL_BUILDDIR/tests/known-secrets, so that the sandbox lists its
 * secrets for tests/integration/no_secrets_in_logs.sh.
 */
const char *kvl_test_request_log(const char *name);

/*
 * Returns $KVL_BUILDDIR/tests/trace-logs/<name>.log, in a static buffer,
 * after creating the directory and removing the log of an earlier run.
 * Returns NULL when KVL_BUILDDIR is not set or the directory cannot be
 * created.
 */
const char *kvl_test_trace_log(const char *name);

#endif
