/*
 * A kvlink session: the Azure client, the environment store and the
 * loaded environment, as set up from the command line. Shared by the
 * command-line twin and the wizard; contains no terminal code.
 */
#ifndef KVL_SESSION_H
#define KVL_SESSION_H

#include <stdbool.h>

#include "core/azure.h"
#include "env/envstore.h"

enum kvl_output { KVL_OUTPUT_TEXT, KVL_OUTPUT_JSON };

struct kvl_session_options {
	const char *cloud_file;		/* --cloud */
	const char *env_dir;		/* --env-dir */
	const char *client_id;		/* --client-id */
	const char *tenant;		/* --tenant */
	const char *log_file;		/* --log-file */
	long timeout_s;			/* --timeout per request; 0: 30 s */
	enum kvl_auth_method auth_method;
	bool interactive;		/* a terminal is attached */
	bool own_sign_in_only;		/* --sandbox: see kvl_auth_options */
	/* The command makes no Azure call: a cloud that cannot be chosen
	 * leaves az_ready false, with a note, instead of failing. */
	bool azure_optional;
};

struct kvl_session {
	struct kvl_azure az;
	bool az_ready;
	struct kvl_envstore *store;
	struct kvl_environment env;
	bool env_loaded;	/* false until an environment exists */
	const struct kvl_sink *sink;
	/* Token cache files; kept here because the Azure client refers to
	 * them for as long as it lives. */
	char *cache_path;
	char *cache_key_path;
	bool log_opened;	/* the session opened the debug log */
};

/*
 * Opens the store and loads the environment (a missing one leaves
 * env_loaded false; a damaged one is an error), and sets up the Azure
 * client. Does not sign in.
 */
kvl_result kvl_session_open(struct kvl_session *s,
			    const struct kvl_session_options *options,
			    const struct kvl_sink *sink,
			    struct kvl_error *err) KVL_NODISCARD;
void kvl_session_close(struct kvl_session *s);

/* Reloads the environment from disk. */
kvl_result kvl_session_reload(struct kvl_session *s, struct kvl_error *err)
	KVL_NODISCARD;

#endif
