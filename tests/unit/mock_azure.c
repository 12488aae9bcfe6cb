#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mock_azure.h"

int mock_azure_init(struct kvl_azure *az, char dir[64],
		    struct mock_server *server)
{
	struct kvl_azure_options o = { 0 };
	const char *base = mock_base(server);
	struct kvl_error err;
	char cloud[128];
	FILE *file;
	int status = 0;

	strcpy(dir, "/tmp/kvl-azure-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(cloud, sizeof(cloud), "%s/cloud.json", dir);
	file = fopen(cloud, "w");
	if (file == NULL)
		return -1;
	fprintf(file, "{\"authorityHost\":\"%s/login\",\"resourceManager\":"
		"\"%s/arm\",\"microsoftGraph\":\"%s/graph\",\"keyVaultScope\":"
		"\"%s/kv\",\"keyVaultUriPrefix\":\"%s/kv/\",\"tenant\":"
		"\"t-sp\"}", base, base, base, base, base);
	fclose(file);

	setenv("AZURE_TENANT_ID", "t-sp", 1);
	setenv("AZURE_CLIENT_ID", "app-1", 1);
	setenv("AZURE_CLIENT_SECRET", "test-secret", 1);
	o.cloud_file = cloud;
	o.http.backoff_ms = 1;
	o.http.max_backoff_ms = 5;
	kvl_error_init(&err);
	if (kvl_azure_init(az, &o, &err) != KVL_OK ||
	    kvl_auth_sign_in(az->auth, false, &err) != KVL_OK)
		status = -1;
	kvl_error_clear(&err);
	return status;
}

void mock_azure_clear(struct kvl_azure *az, const char *dir)
{
	char *cmd = NULL;

	kvl_azure_clear(az);
	if (asprintf(&cmd, "rm -rf '%s'", dir) > 0 && system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	free(cmd);
}
