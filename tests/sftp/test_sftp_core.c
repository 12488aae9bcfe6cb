/*
 * SFTP connection tests against a real OpenSSH server on loopback, which
 * tests/sftp/sftp_core.sh starts and describes in SFTP_* variables. The
 * server's debug log shows every authentication request, so the tests
 * can count the attempts each case made.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "core/sftp.h"

struct server {
	const char *dir;
	const char *log;
	const char *user;
	const char *password;
	const char *passphrase;
	const char *host_fingerprint;
	unsigned port;
	long log_offset;	/* where the current case's lines start */
};

static struct server srv;

static const char *env(const char *name)
{
	const char *value = getenv(name);

	if (value == NULL || value[0] == '\0') {
		fprintf(stderr, "%s is not set; run tests/sftp/sftp_core.sh\n",
			name);
		exit(1);
	}
	return value;
}

static char *read_file(const char *path, long offset)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	long size;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	if (offset > size)
		offset = size;
	text = calloc(1, (size_t)(size - offset) + 1);
	assert_non_null(text);
	assert_int_equal(fseek(f, offset, SEEK_SET), 0);
	assert_int_equal(fread(text, 1, (size_t)(size - offset), f),
			 (size_t)(size - offset));
	fclose(f);
	return text;
}

static long file_size(const char *path)
{
	FILE *f = fopen(path, "r");
	long size;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	fclose(f);
	return size;
}

static size_t count(const char *text, const char *needle)
{
	size_t n = 0;
	const char *p = text;

	while ((p = strstr(p, needle)) != NULL) {
		n++;
		p += strlen(needle);
	}
	return n;
}

/* Marks the start of a case in the server's log. */
static int mark_log(void **state)
{
	(void)state;
	srv.log_offset = file_size(srv.log);
	return 0;
}

/*
 * The server's lines of this case, once its connection has ended: the
 * per-connection process may log after the client has returned.
 */
static char *case_log(void)
{
	static const char *const ends[] = {
		"Connection closed by", "Disconnected from",
		"Connection reset by", "Received disconnect from",
	};
	char *text = NULL;
	size_t i;
	int tries;

	for (tries = 0; tries < 100; tries++) {
		free(text);
		text = read_file(srv.log, srv.log_offset);
		for (i = 0; i < sizeof(ends) / sizeof(ends[0]); i++)
			if (strstr(text, ends[i]) != NULL)
				return text;
		usleep(50000);
	}
	fail_msg("the server logged no end of connection:\n%s", text);
	return text;
}

static size_t auth_requests(const char *log, const char *method)
{
	char needle[128];

	snprintf(needle, sizeof(needle),
		 "userauth-request for user %s service ssh-connection "
		 "method %s", srv.user, method);
	return count(log, needle);
}

static char *read_key(const char *name, size_t *len)
{
	char path[512];
	char *key;

	snprintf(path, sizeof(path), "%s/%s", srv.dir, name);
	key = read_file(path, 0);
	*len = strlen(key);
	return key;
}

/* The fingerprint OpenSSH's ssh-keygen printed for a public key file. */
static char *fingerprint_of(const char *pub_name)
{
	char cmd[600];
	char line[128] = "";
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 "ssh-keygen -l -E sha256 -f '%s/%s' | awk '{print $2}'",
		 srv.dir, pub_name);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_non_null(fgets(line, sizeof(line), p));
	pclose(p);
	line[strcspn(line, "\n")] = '\0';
	return strdup(line);
}

static struct kvl_sftp_target target(const char *folder)
{
	struct kvl_sftp_target t = {
		.host = "127.0.0.1",
		.port = srv.port,
		.username = srv.user,
		.folder = folder,
	};

	return t;
}

/* Checks that no message carries a credential. */
static void assert_no_secret(const struct kvl_error *err)
{
	const char *msg = err->message != NULL ? err->message : "";

	assert_null(strstr(msg, srv.password));
	assert_null(strstr(msg, srv.passphrase));
	assert_null(strstr(msg, "PRIVATE KEY"));
}

static void fingerprint_syntax(void **state)
{
	(void)state;
	assert_true(kvl_sftp_fingerprint_valid(srv.host_fingerprint));
	assert_true(kvl_sftp_fingerprint_valid(
		"SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
	assert_false(kvl_sftp_fingerprint_valid(NULL));
	assert_false(kvl_sftp_fingerprint_valid(""));
	assert_false(kvl_sftp_fingerprint_valid(
		"SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB"));
	assert_false(kvl_sftp_fingerprint_valid(
		"SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="));
	assert_false(kvl_sftp_fingerprint_valid(
		"MD5:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
	assert_false(kvl_sftp_fingerprint_valid(
		"SHA256:AAAAAAAAAAAAAAAAAAAAAAA-AAAAAAAAAAAAAAAAAAA"));
}

/* The blob of a public key file is the base64 second field. */
static void blob_matches_ssh_keygen(void **state)
{
	struct kvl_sftp_host_key key;
	struct kvl_error err;
	unsigned char blob[512];
	size_t len;
	char *pub = read_key("host_ed25519.pub", &len);
	char *b64 = strchr(pub, ' ') + 1;
	int n;

	(void)state;
	b64[strcspn(b64, " \n")] = '\0';
	n = EVP_DecodeBlock(blob, (const unsigned char *)b64,
			    (int)strlen(b64));
	assert_true(n > 0);
	/* EVP_DecodeBlock counts the zero bytes that padding stands for. */
	n -= (int)(strlen(b64) - strcspn(b64, "="));
	kvl_error_init(&err);
	assert_int_equal(kvl_sftp_host_key_from_blob(blob, (size_t)n, &key,
						     &err), KVL_OK);
	assert_string_equal(key.type, "ssh-ed25519");
	assert_string_equal(key.fingerprint, srv.host_fingerprint);
	assert_int_equal(kvl_sftp_host_key_from_blob(blob, 3, &key, &err),
			 KVL_ERR_PARSE);
	kvl_error_clear(&err);
	free(pub);
}

static void read_host_key_no_auth(void **state)
{
	struct kvl_sftp_target t = target("/export");
	struct kvl_sftp_report report;
	struct kvl_error err;
	char *log;

	(void)state;
	kvl_error_init(&err);
	assert_int_equal(kvl_sftp_read_host_key(&t, &report, NULL, &err),
			 KVL_OK);
	assert_int_equal(report.step, KVL_PROBE_OK);
	assert_int_equal(report.key_state, KVL_SFTP_KEY_UNPINNED);
	assert_string_equal(report.host_key.type, "ssh-ed25519");
	assert_string_equal(report.host_key.fingerprint,
			    srv.host_fingerprint);
	log = case_log();
	assert_int_equal(count(log, "userauth-request"), 0);
	free(log);
	kvl_error_clear(&err);
}

static void password_right(void **state)
{
	struct kvl_sftp_target t = target("/export");
	struct kvl_sftp_credential cred = { .password = srv.password };
	struct kvl_sftp_report report;
	struct kvl_error err;
	char *log;

	(void)state;
	kvl_error_init(&err);
	assert_int_equal(kvl_sftp_test(&t, srv.host_fingerprint, &cred,
				       &report, NULL, &err), KVL_OK);
	assert_int_equal(report.step, KVL_PROBE_OK);
	assert_int_equal(report.key_state, KVL_SFTP_KEY_MATCHED);
	/* ".", "..", first.csv and second.csv */
	assert_int_equal(report.n_entries, 4);
	log = case_log();
	assert_int_equal(auth_requests(log, "password"), 1);
	assert_int_equal(auth_requests(log, "publickey"), 0);
	assert_non_null(strstr(log, "Accepted password for kvtest"));
	free(log);
	kvl_error_clear(&err);
}

static void password_wrong_one_attempt(void **state)
{
	struct kvl_sftp_target t = target("/export");
	struct kvl_sftp_credential cred = { .password = "not-the-password" };
	struct kvl_sftp_report report;
	struct kvl_error err;
	char *log;

	(void)state;
	kvl_error_init(&err);
	assert_int_equal(kvl_sftp_test(&t, srv.host_fingerprint, &cred,
				       &report, NULL, &err), KVL_ERR_AUTH);
	assert_int_equal(report.step, KVL_PROBE_AUTH);
	assert_null(strstr(err.message, "not-the-password"));
	assert_no_secret(&err);
	log = case_log();
	assert_int_equal(count(log, "Failed password for kvtest"), 1);
	assert_int_equal(auth_requests(log, "password"), 1);
	assert_int_equal(auth_requests(log, "publickey"), 0);
	assert_int_equal(auth_requests(log, "keyboard-interactive"), 0);
	free(log);
	kvl_error_clear(&err);
}

static void key_test(const char *key_name, const char *passphrase,
		     kvl_result expected, const char *log_line)
{
	struct kvl_sftp_target t = target("/export");
	struct kvl_sftp_credential cred = { .passphrase = passphrase };
	struct kvl_sftp_report report;
	struct kvl_error err;
	char *key = read_key(key_name, &cred.private_key_len);
	char *log;

	cred.private_key = key;
	kvl_error_init(&err);
	assert_int_equal(kvl_sftp_test(&t, srv.host_fingerprint, &cred,
				       &report, NULL, &err), expected);
	assert_no_secret(&err);
	log = case_log();
	/*
	 * A public key attempt queries whether the key is acceptable, then
	 * signs (RFC 4252, section 7): one key, at most two requests.
	 */
	assert_int_equal(count(log, "userauth_pubkey: publickey test"), 1);
	assert_int_equal(count(log, "Failed publickey"),
			 expected == KVL_OK ? 0 : 1);
	assert_int_equal(auth_requests(log, "publickey"),
			 expected == KVL_OK ? 2 : 1);
	assert_int_equal(auth_requests(log, "password"), 0);
	assert_non_null(strstr(log, log_line));
	if (expected == KVL_OK) {
		assert_int_equal(report.step, KVL_PROBE_OK);
		assert_int_equal(report.n_entries, 4);
	} else {
		assert_int_equal(report.step, KVL_PROBE_AUTH);
	}
	free(log);
	free(key);
	kvl_error_clear(&err);
}

static void key_ed25519_openssh(void **state)
{
	(void)state;
	key_test("id_ed25519", NULL, KVL_OK, "Accepted publickey for kvtest");
}

static void key_rsa_pem_passphrase(void **state)
{
	(void)state;
	key_test("id_rsa.pem", srv.passphrase, KVL_OK,
		 "Accepted publickey for kvtest");
}

static void key_not_authorized(void **state)
{
	(void)state;
	key_test("id_other", NULL, KVL_ERR_AUTH,
		 "Failed publickey for kvtest");
}

/* A PEM key that the passphrase does not open never reaches the server. */
static void key_wrong_passphrase(void **state)
{
	struct kvl_sftp_target t = target("/export");
	struct kvl_sftp_credential cred = { .passphrase = "wrong-phrase" };
	struct kvl_sftp_report report;
	struct kvl_error err;
	char *key = read_key("id_rsa.pem", &cred.private_key_len);
	char *log;

	(void)state;
	cred.private_key = key;
	kvl_error_init(&err);
	assert_int_equal(kvl_sftp_test(&t, srv.host_fingerprint, &cred,
				       &report, NULL, &err), KVL_ERR_AUTH);
	assert_int_equal(report.step, KVL_PROBE_AUTH);
	assert_int_equal(report.key_state, KVL_SFTP_KEY_NOT_SEEN);
	assert_no_secret(&err);
	/* The key is opened before connecting, so the server saw no
	 * attempt. (Lines the previous case's connection logs as it closes
	 * may still arrive, so the log's size is no measure.) */
	log = read_file(srv.log, srv.log_offset);
	assert_int_equal(count(log, "userauth-request"), 0);
	free(log);
	free(key);
	kvl_error_clear(&err);
}

static void host_key_unpinned(void **state)
{
	struct kvl_sftp_target t = target("/export");
	struct kvl_sftp_credential cred = { .password = srv.password };
	struct kvl_sftp_report report;
	struct kvl_error err;
	char *log;

	(void)state;
	kvl_error_init(&err);
	assert_int_equal(kvl_sftp_test(&t, NULL, &cred, &report, NULL,
				       &err), KVL_ERR_PREREQ);
	assert_int_equal(report.step, KVL_PROBE_TLS);
	assert_int_equal(report.key_state, KVL_SFTP_KEY_UNPINNED);
	assert_string_equal(report.host_key.fingerprint,
			    srv.host_fingerprint);
	assert_non_null(strstr(err.message, srv.host_fingerprint));
	assert_no_secret(&err);
	log = case_log();
	assert_int_equal(count(log, "userauth-request"), 0);
	free(log);
	kvl_error_clear(&err);
}

static void host_key_changed(void **state)
{
	struct kvl_sftp_target t = target("/export");
	struct kvl_sftp_credential cred = { .password = srv.password };
	struct kvl_sftp_report report;
	struct kvl_error err;
	char *other = fingerprint_of("id_other.pub");
	char *log;

	(void)state;
	assert_true(kvl_sftp_fingerprint_valid(other));
	kvl_error_init(&err);
	assert_int_equal(kvl_sftp_test(&t, other, &cred, &report, NULL,
				       &err), KVL_ERR_TLS);
	assert_int_equal(report.step, KVL_PROBE_TLS);
	assert_int_equal(report.key_state, KVL_SFTP_KEY_CHANGED);
	assert_string_equal(report.host_key.fingerprint,
			    srv.host_fingerprint);
	assert_non_null(strstr(err.message, "has changed"));
	assert_no_secret(&err);
	log = case_log();
	assert_int_equal(count(log, "userauth-request"), 0);
	free(log);
	free(other);
	kvl_error_clear(&err);
}

static void folder_case(const char *folder, kvl_result expected,
			enum kvl_probe_step step)
{
	struct kvl_sftp_target t = target(folder);
	struct kvl_sftp_credential cred = { .password = srv.password };
	struct kvl_sftp_report report;
	struct kvl_error err;

	kvl_error_init(&err);
	assert_int_equal(kvl_sftp_test(&t, srv.host_fingerprint, &cred,
				       &report, NULL, &err), expected);
	assert_int_equal(report.step, step);
	assert_non_null(strstr(err.message, folder));
	assert_no_secret(&err);
	free(case_log());
	kvl_error_clear(&err);
}

static void folder_missing(void **state)
{
	(void)state;
	folder_case("/no-such-folder", KVL_ERR_NOT_FOUND, KVL_PROBE_RESPONSE);
}

static void folder_not_readable(void **state)
{
	(void)state;
	folder_case("/locked", KVL_ERR_FORBIDDEN, KVL_PROBE_PERMISSION);
}

/* A loopback port that was free a moment ago. */
static unsigned closed_port(void)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	socklen_t len = sizeof(addr);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&addr, &len), 0);
	close(fd);
	return ntohs(addr.sin_port);
}

static void nothing_listening(void **state)
{
	struct kvl_sftp_target t = target("/export");
	struct kvl_sftp_credential cred = { .password = srv.password };
	struct kvl_sftp_report report;
	struct kvl_error err;

	(void)state;
	t.port = closed_port();
	kvl_error_init(&err);
	assert_int_equal(kvl_sftp_test(&t, srv.host_fingerprint, &cred,
				       &report, NULL, &err), KVL_ERR_NETWORK);
	assert_int_equal(report.step, KVL_PROBE_CONNECT);
	assert_int_equal(report.key_state, KVL_SFTP_KEY_NOT_SEEN);
	assert_no_secret(&err);
	kvl_error_clear(&err);
}

/*
 * A loopback server that answers like an HTTP server to whoever
 * connects, once; returns its port. The child exits after one client.
 */
static unsigned start_http_server(pid_t *pid)
{
	static const char reply[] = "HTTP/1.1 400 Bad Request\r\n\r\n";
	struct sockaddr_in addr = { .sin_family = AF_INET };
	socklen_t len = sizeof(addr);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int client;

	assert_true(fd >= 0);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(listen(fd, 1), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&addr, &len), 0);
	*pid = fork();
	assert_true(*pid >= 0);
	if (*pid == 0) {
		client = accept(fd, NULL, NULL);
		if (client >= 0 &&
		    write(client, reply, sizeof(reply) - 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(fd);
	return ntohs(addr.sin_port);
}

static void not_an_ssh_server(void **state)
{
	struct kvl_sftp_target t = target("/export");
	struct kvl_sftp_credential cred = { .password = srv.password };
	struct kvl_sftp_report report;
	struct kvl_error err;
	pid_t pid;

	(void)state;
	t.port = start_http_server(&pid);
	kvl_error_init(&err);
	assert_int_equal(kvl_sftp_test(&t, srv.host_fingerprint, &cred,
				       &report, NULL, &err), KVL_ERR_TLS);
	assert_int_equal(report.step, KVL_PROBE_TLS);
	assert_int_equal(report.key_state, KVL_SFTP_KEY_NOT_SEEN);
	assert_non_null(strstr(err.message, "SSH handshake"));
	assert_no_secret(&err);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	kvl_error_clear(&err);
}

static void invalid_domain(void **state)
{
	struct kvl_sftp_target t = target("/export");
	struct kvl_sftp_credential cred = { .password = srv.password };
	struct kvl_sftp_report report;
	struct kvl_error err;

	(void)state;
	t.host = "sftp.kvlink-test.invalid";
	kvl_error_init(&err);
	assert_int_equal(kvl_sftp_test(&t, srv.host_fingerprint, &cred,
				       &report, NULL, &err), KVL_ERR_NETWORK);
	assert_int_equal(report.step, KVL_PROBE_DNS);
	assert_int_equal(kvl_sftp_read_host_key(&t, &report, NULL, &err),
			 KVL_ERR_NETWORK);
	assert_int_equal(report.step, KVL_PROBE_DNS);
	kvl_error_clear(&err);
}

static void bad_target_rejected(void **state)
{
	struct kvl_sftp_target t = target("export");
	struct kvl_sftp_credential cred = { .password = srv.password };
	struct kvl_sftp_report report;
	struct kvl_error err;

	(void)state;
	kvl_error_init(&err);
	assert_int_equal(kvl_sftp_test(&t, srv.host_fingerprint, &cred,
				       &report, NULL, &err), KVL_ERR_INVALID);
	t = target("/export");
	t.host = "user@127.0.0.1";
	assert_int_equal(kvl_sftp_test(&t, srv.host_fingerprint, &cred,
				       &report, NULL, &err), KVL_ERR_INVALID);
	t = target("/export");
	assert_int_equal(kvl_sftp_test(&t, "SHA256:short", &cred, &report,
				       NULL, &err), KVL_ERR_INVALID);
	assert_int_equal(kvl_sftp_test(&t, srv.host_fingerprint, NULL,
				       &report, NULL, &err), KVL_ERR_INVALID);
	kvl_error_clear(&err);
}

#define SERVER_TEST(f) cmocka_unit_test_setup(f, mark_log)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fingerprint_syntax),
		cmocka_unit_test(blob_matches_ssh_keygen),
		SERVER_TEST(read_host_key_no_auth),
		SERVER_TEST(password_right),
		SERVER_TEST(password_wrong_one_attempt),
		SERVER_TEST(key_ed25519_openssh),
		SERVER_TEST(key_rsa_pem_passphrase),
		SERVER_TEST(key_not_authorized),
		SERVER_TEST(key_wrong_passphrase),
		SERVER_TEST(host_key_unpinned),
		SERVER_TEST(host_key_changed),
		SERVER_TEST(folder_missing),
		SERVER_TEST(folder_not_readable),
		SERVER_TEST(nothing_listening),
		SERVER_TEST(not_an_ssh_server),
		SERVER_TEST(invalid_domain),
		SERVER_TEST(bad_target_rejected),
	};

	srv.dir = env("SFTP_DIR");
	srv.log = env("SFTP_LOG");
	srv.user = env("SFTP_USER");
	srv.password = env("SFTP_PASSWORD");
	srv.passphrase = env("SFTP_PASSPHRASE");
	srv.host_fingerprint = env("SFTP_HOST_FINGERPRINT");
	srv.port = (unsigned)atoi(env("SFTP_PORT"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
