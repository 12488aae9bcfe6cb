/*
 * The reader of secret values in a health check: the environment's
 * service identity when it has one (env/identity.h), else the signed-in
 * user. Shared by `kvlink check` and the wizard's check.
 */
#ifndef KVL_SECRET_READER_H
#define KVL_SECRET_READER_H

#include "core/azure.h"
#include "core/credential.h"
#include "core/result.h"
#include "env/envstore.h"
#include "flow/health.h"

struct kvl_secret_reader {
	struct kvl_health_reader health;	/* for kvl_health_run() */
	struct kvl_azure service;	/* in use when health.service */
	char *name;		/* "the service identity (...)" */
	/* A copy of the service identity's kind and client id, because
	 * the environment may be reloaded while the check runs. */
	enum kvl_credential_kind kind;
	char *client_id;
};

/*
 * Sets reader up for env, whose store directory is env_dir (the sealed
 * client secret's key file is there). A service identity shares az's
 * HTTP client and signs in later, in the check; a sealed client secret
 * that does not open fails here.
 */
kvl_result kvl_secret_reader_open(struct kvl_azure *az, const char *env_dir,
				  const struct kvl_environment *env,
				  struct kvl_secret_reader *reader,
				  struct kvl_error *err) KVL_NODISCARD;
void kvl_secret_reader_close(struct kvl_secret_reader *reader);

#endif
