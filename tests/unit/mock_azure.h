/*
 * A kvl_azure client signed in as a service principal (client secret) of
 * tenant t-sp, against a mock server that serves every base of the cloud
 * profile: /login, /arm, /graph and /kv.
 */
#ifndef KVL_TEST_MOCK_AZURE_H
#define KVL_TEST_MOCK_AZURE_H

#include "core/azure.h"
#include "mock_server.h"

/*
 * Creates a temporary directory in dir with the cloud profile for server,
 * sets the AZURE_* variables and signs az in. The server must return a
 * token for POST /login/.../token. Returns -1 on failure, as cmocka's
 * setup functions do.
 */
int mock_azure_init(struct kvl_azure *az, char dir[64],
		    struct mock_server *server);
/* Clears az and removes dir. */
void mock_azure_clear(struct kvl_azure *az, const char *dir);

#endif
