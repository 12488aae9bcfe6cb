/*
 * The sink through which the core reports progress and asks whether the
 * user cancelled. The wizard, the command line and the tests each install
 * their own; every callback may be NULL.
 */
#ifndef KVL_SINK_H
#define KVL_SINK_H

#include <stdbool.h>

enum kvl_level { KVL_LEVEL_INFO, KVL_LEVEL_WARNING, KVL_LEVEL_ERROR };

struct kvl_sink {
	/* A long operation started, e.g. "Listing key vaults". */
	void (*progress)(void *ctx, const char *what);
	/* A message for the user, already sanitised. */
	void (*message)(void *ctx, enum kvl_level level, const char *text);
	/*
	 * Sign-in instructions from the device code flow: the server's own
	 * message, plus the code and address for front ends that lay it out.
	 */
	void (*device_code)(void *ctx, const char *message,
			    const char *user_code,
			    const char *verification_uri);
	/* Polled during network calls and waits; true stops the operation. */
	bool (*cancelled)(void *ctx);
	void *ctx;
};

/* Helpers that tolerate a NULL sink or NULL callbacks. */
void kvl_sink_progress(const struct kvl_sink *sink, const char *what);
void kvl_sink_message(const struct kvl_sink *sink, enum kvl_level level,
		      const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
bool kvl_sink_cancelled(const struct kvl_sink *sink);

#endif
