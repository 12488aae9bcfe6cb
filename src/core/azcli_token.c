/* Tokens from the Azure CLI, run as a child process. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "core/azcli.h"
#include "core/azcli_token.h"
#include "core/buf.h"
#include "core/childenv.h"
#include "core/crypto.h"
#include "core/jsonutil.h"
#include "core/log.h"
#include "core/sanitize.h"
#include "core/secret.h"
#include "i18n.h"

/* Maximum output read from az, in bytes; a token response is about
 * 3 KB. */
#define AZ_OUTPUT_MAX (256 * 1024)
/* Maximum length of az's error message quoted back, in bytes. */
#define AZ_MESSAGE_MAX 300
/* Maximum time of one wait for az's output before kvlink checks for a
 * cancel, in milliseconds. */
#define AZ_POLL_STEP_MS 100
/* Lifetime assumed when az states no expiry, in seconds. */
#define AZ_DEFAULT_LIFETIME_S 300

#define AZ_LOGIN_ADVICE \
	N_("run 'az login' (with --tenant TENANT for another tenant) and " \
	   "try again, or choose another --auth method")

void kvl_azcli_token_clear(struct kvl_azcli_token *token)
{
	kvl_free_secret(token->access_token);
	free(token->tenant);
	memset(token, 0, sizeof(*token));
}

/* The full path of the first executable "az" on PATH; NULL when there is
 * none. The caller frees it. */
static char *find_az(void)
{
	const char *path = getenv("PATH");
	char *copy, *dir, *save = NULL, *found = NULL;

	if (path == NULL || path[0] == '\0')
		return NULL;
	copy = strdup(path);
	for (dir = copy ? strtok_r(copy, ":", &save) : NULL;
	     dir != NULL && found == NULL; dir = strtok_r(NULL, ":", &save)) {
		struct stat st;
		char *candidate = NULL;

		if (asprintf(&candidate, "%s/az", dir[0] ? dir : ".") < 0)
			break;
		if (stat(candidate, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(candidate, X_OK) == 0)
			found = candidate;
		else
			free(candidate);
	}
	free(copy);
	return found;
}

bool kvl_azcli_signed_in(void)
{
	char *dir = kvl_azcli_dir(), *az = find_az();
	struct kvl_azcli_profile profile = { 0 };
	bool found = false;

	/* az writes azureProfile.json on its first run of any command, so
	 * only a subscription in it shows a sign-in. A damaged file shows
	 * none. */
	if (dir != NULL && az != NULL &&
	    kvl_azcli_profile_load(dir, &profile, NULL) == KVL_OK)
		found = profile.n_subscriptions > 0;
	kvl_azcli_profile_clear(&profile);
	free(az);
	free(dir);
	return found;
}

kvl_result kvl_azcli_check(struct kvl_error *err)
{
	char *az = find_az();

	if (az != NULL) {
		free(az);
		return KVL_OK;
	}
	return kvl_error_set(err, KVL_ERR_AUTH,
			     _("--auth azure-cli needs the Azure CLI, but "
			       "there is no 'az' on PATH; install the Azure "
			       "CLI and run 'az login', or choose another "
			       "--auth method"));
}

/* Output of one az run. */
struct az_run {
	struct kvl_buf out;	/* secret: holds the token */
	struct kvl_buf err;
	int status;		/* exit status, or -1 */
	bool timed_out;
	bool cancelled;		/* the sink reported a cancel */
	const struct kvl_sink *sink;
};

/* The child's side: stdin from /dev/null, stdout and stderr to the
 * pipes, then az itself. Only async-signal-safe calls after fork. */
static void exec_az(const char *az, char *const argv[], char *const env[],
		    int out_fd, int err_fd)
{
	int null_fd = open("/dev/null", O_RDONLY);

	/* Its own process group, so that a cancel or the time limit can
	 * kill az together with the Python processes it starts. */
	if (setpgid(0, 0) != 0 || null_fd < 0 || dup2(null_fd, STDIN_FILENO) < 0 ||
	    dup2(out_fd, STDOUT_FILENO) < 0 ||
	    dup2(err_fd, STDERR_FILENO) < 0)
		_exit(127);
	execve(az, argv, env);
	_exit(127);
}

/* Reads what is ready on fd into buf; false at end of file. */
static bool drain(int fd, struct kvl_buf *buf)
{
	char chunk[4096];
	ssize_t n = read(fd, chunk, sizeof(chunk));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	if (buf->len + (size_t)n <= AZ_OUTPUT_MAX)
		kvl_buf_add(buf, chunk, (size_t)n);
	OPENSSL_cleanse(chunk, sizeof(chunk));
	return true;
}

static long monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Reads both pipes until az closes them, the time limit passes or the
 * sink reports a cancel. poll() waits in short steps, because a signal
 * that arrives just before it would not interrupt it. */
static void collect(int out_fd, int err_fd, struct az_run *run)
{
	struct pollfd fds[2] = { { out_fd, POLLIN, 0 },
				 { err_fd, POLLIN, 0 } };
	long deadline = monotonic_ms() + KVL_AZCLI_TIMEOUT_S * 1000L;

	while (fds[0].fd >= 0 || fds[1].fd >= 0) {
		long left = deadline - monotonic_ms();
		int ready;

		if (kvl_sink_cancelled(run->sink)) {
			run->cancelled = true;
			return;
		}
		if (left <= 0) {
			run->timed_out = true;
			return;
		}
		ready = poll(fds, 2, (int)(left < AZ_POLL_STEP_MS
					   ? left : AZ_POLL_STEP_MS));
		if (ready < 0 && errno != EINTR)
			return;
		for (int i = 0; ready > 0 && i < 2; i++) {
			if (fds[i].fd < 0 || fds[i].revents == 0)
				continue;
			if (!drain(fds[i].fd, i == 0 ? &run->out : &run->err))
				fds[i].fd = -1;
		}
	}
}

static void close_pair(int fds[2])
{
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
}

static kvl_result run_az(const char *az, char *const argv[],
			 struct az_run *run, struct kvl_error *err)
{
	int out[2] = { -1, -1 }, errp[2] = { -1, -1 }, wstatus = 0;
	char **env = kvl_childenv_new();
	pid_t pid;

	if (env == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	if (pipe2(out, O_CLOEXEC) != 0 || pipe2(errp, O_CLOEXEC) != 0) {
		close_pair(out);
		close_pair(errp);
		kvl_childenv_free(env);
		return kvl_error_set(err, KVL_ERR_IO, _("cannot create a pipe "
							"for az: %s"),
						      strerror(errno));
	}
	pid = fork();
	if (pid == 0)
		exec_az(az, argv, env, out[1], errp[1]);
	kvl_childenv_free(env);

	/* Also set here, so that the group exists before any kill. */
	if (pid > 0)
		(void)setpgid(pid, pid);
	close(out[1]);
	close(errp[1]);
	if (pid > 0)
		collect(out[0], errp[0], run);
	close(out[0]);
	close(errp[0]);
	if (pid < 0)
		return kvl_error_set(err, KVL_ERR_IO, _("cannot start az: %s"),
				     strerror(errno));
	if (run->timed_out || run->cancelled)
		kill(-pid, SIGKILL);
	while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
		;
	run->status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
	return KVL_OK;
}

/* az's message, one line, sanitised and shortened. */
static char *az_message(const struct kvl_buf *text)
{
	char *line = kvl_sanitize_line(text->data != NULL ? text->data : "");

	if (line != NULL && strlen(line) > AZ_MESSAGE_MAX)
		strcpy(line + AZ_MESSAGE_MAX - 3, "...");
	return line;
}

static kvl_result az_failed(const struct az_run *run, struct kvl_error *err)
{
	char *message;

	if (run->cancelled)
		return kvl_error_set(err, KVL_ERR_CANCELLED,
				     _("cancelled while az account "
				       "get-access-token was running; az was "
				       "stopped"));
	if (run->timed_out)
		return kvl_error_set(err, KVL_ERR_AUTH,
				     _("az account get-access-token printed "
				       "no token within %d seconds; run it by "
				       "hand to see why, or choose another "
				       "--auth method"), KVL_AZCLI_TIMEOUT_S);
	if (run->status == 127)
		return kvl_error_set(err, KVL_ERR_AUTH,
				     _("cannot run az (exit status 127); "
				       "check the Azure CLI installation, or "
				       "choose another --auth method"));
	message = az_message(&run->err);
	kvl_error_set(err, KVL_ERR_AUTH,
		      _("the Azure CLI could not get a token (exit status "
			"%d): %s; %s"), run->status,
		      message != NULL && message[0] != '\0' ? message
							 : _("no message"),
		      _(AZ_LOGIN_ADVICE));
	free(message);
	return KVL_ERR_AUTH;
}

/* Reads expires_on (Unix seconds, az 2.54 and later), else expiresOn
 * ("YYYY-MM-DD HH:MM:SS.ffffff" in local time). An expires_on that is no
 * time up to the year 9999 is rejected. */
static kvl_result az_expiry(json_object *body, int64_t *expires_at,
			    struct kvl_error *err)
{
	const char *text = kvl_json_str(body, "expiresOn");
	struct tm tm;
	time_t t;
	kvl_result res;

	res = kvl_json_int64_range(body, "expires_on",
				   "expires_on in the output of az account "
				   "get-access-token", 1,
				   KVL_JSON_MAX_UNIX_TIME, expires_at, err);
	if (res != KVL_ERR_NOT_FOUND)
		return res;

	*expires_at = (int64_t)time(NULL) + AZ_DEFAULT_LIFETIME_S;
	memset(&tm, 0, sizeof(tm));
	if (text != NULL && strptime(text, "%Y-%m-%d %H:%M:%S", &tm) != NULL) {
		tm.tm_isdst = -1;
		t = mktime(&tm);
		if (t != (time_t)-1)
			*expires_at = (int64_t)t;
	}
	return KVL_OK;
}

kvl_result kvl_azcli_parse_token(const char *text, size_t len,
				 struct kvl_azcli_token *token,
				 struct kvl_error *err)
{
	json_object *body = NULL;
	kvl_result res;

	/* The output is not quoted back: it may hold a token. */
	res = kvl_json_parse(text != NULL ? text : "", len,
			     "the output of az account get-access-token",
			     &body, NULL);
	if (res == KVL_ERR_NOMEM)
		return kvl_error_set(err, res, _("out of memory"));
	if (res != KVL_OK)
		return kvl_error_set(err, KVL_ERR_AUTH,
				     _("az account get-access-token printed "
				       "something that is not a JSON token "
				       "response; run it by hand with "
				       "--output json to see what it prints, "
				       "update the Azure CLI, or choose "
				       "another --auth method"));
	token->access_token = kvl_secret_strdup(kvl_json_str(body,
							     "accessToken"));
	token->tenant = kvl_json_strdup(body, "tenant");
	res = az_expiry(body, &token->expires_at, err);
	kvl_json_put_secret(body);
	if (res != KVL_OK) {
		kvl_azcli_token_clear(token);
		return res;
	}
	if (token->access_token == NULL || token->access_token[0] == '\0') {
		kvl_azcli_token_clear(token);
		return kvl_error_set(err, KVL_ERR_AUTH,
				     _("az account get-access-token printed "
				       "no accessToken; update the Azure CLI"));
	}
	return KVL_OK;
}

kvl_result kvl_azcli_get_token(const char *scope, const char *tenant,
			       const struct kvl_sink *sink,
			       struct kvl_azcli_token *token,
			       struct kvl_error *err)
{
	char *az = find_az();
	char *argv[] = { "az", "account", "get-access-token", "--scope",
			 (char *)scope, "--output", "json", NULL, NULL,
			 NULL };
	struct az_run run = { .status = -1, .sink = sink };
	kvl_result res;

	memset(token, 0, sizeof(*token));
	if (az == NULL)
		return kvl_azcli_check(err);

	/* az would read a value that starts with '-' as an option. */
	if (tenant != NULL && tenant[0] == '-') {
		free(az);
		return kvl_error_set(err, KVL_ERR_INVALID, _("invalid tenant "
							     "'%s': a tenant "
							     "never starts "
							     "with '-'"),
				     tenant);
	}
	if (tenant != NULL) {
		argv[7] = "--tenant";
		argv[8] = (char *)tenant;
	}
	kvl_buf_init(&run.out);
	kvl_buf_init(&run.err);
	run.out.secret = true;
	kvl_log("running %s account get-access-token --scope %s%s%s", az,
		scope, tenant ? " --tenant " : "", tenant ? tenant : "");
	res = run_az(az, argv, &run, err);
	if (res == KVL_OK &&
	    (run.timed_out || run.cancelled || run.status != 0))
		res = az_failed(&run, err);
	else if (res == KVL_OK)
		res = kvl_azcli_parse_token(run.out.data, run.out.len, token,
					    err);
	kvl_log("az finished: exit status %d, %s", run.status,
		kvl_result_name(res));
	kvl_buf_clear(&run.out);
	kvl_buf_clear(&run.err);
	free(az);
	return res;
}
