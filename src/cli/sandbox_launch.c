/*
 * --sandbox: runs a private kvlink-sandbox for the length of one kvlink
 * run. The sandbox listens on a free loopback port and writes its cloud
 * profile into a private temporary directory. It keeps its tenant in a
 * state file beside the sandbox environments, so the changes of one run
 * are still there in the next. kvl_cli_sandbox_stop() ends it and
 * removes the temporary directory; main() calls it on every exit path.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/childenv.h"
#include "core/crypto.h"
#include "core/sanitize.h"
#include "i18n.h"

/* How long the sandbox may take to print its "listening on" line. */
#define READY_TIMEOUT_MS 15000
/* How long it may take to exit after SIGTERM before it gets SIGKILL. */
#define STOP_TIMEOUT_MS 5000

#define READY_PREFIX "kvlink-sandbox: listening on "

/* Copies for kvl_cli_sandbox_abort(), which runs in a signal handler and
 * so may only use what needs no allocation. */
static volatile pid_t abort_pid;
static char abort_cloud[PATH_MAX];
static char abort_ca[PATH_MAX];
static char abort_stderr[PATH_MAX];
static char abort_dir[PATH_MAX];

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *path_join(const char *dir, const char *name)
{
	char *path = NULL;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return NULL;
	return path;
}

/* kvlink-sandbox beside the running kvlink (a build tree or an install),
 * else in the configured bindir. */
static char *find_sandbox_binary(void)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *path;

	if (n > 0) {
		char *slash;

		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash != NULL) {
			*slash = '\0';
			path = path_join(self, "kvlink-sandbox");
			if (path != NULL && access(path, X_OK) == 0)
				return path;
			free(path);
		}
	}

	path = strdup(KVL_BINDIR "/kvlink-sandbox");
	if (path != NULL && access(path, X_OK) == 0)
		return path;
	free(path);
	return NULL;
}

/* $XDG_DATA_HOME/kvlink/sandbox, ~/.local/share/kvlink/sandbox, or
 * <env_dir>/sandbox-state when the user chose the environment directory.
 * XDG_DATA_HOME is ignored unless it is an absolute path. */
static char *sandbox_dir(const char *env_dir)
{
	const char *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");
	char *dir = NULL;

	if (env_dir != NULL)
		return path_join(env_dir, "sandbox-state");
	if (xdg != NULL && xdg[0] == '/')
		return path_join(xdg, "kvlink/sandbox");

	if (home == NULL || home[0] != '/') {
		struct passwd *pw = getpwuid(getuid());

		home = pw != NULL ? pw->pw_dir : NULL;
	}
	if (home == NULL)
		return NULL;
	if (asprintf(&dir, "%s/.local/share/kvlink/sandbox", home) < 0)
		return NULL;
	return dir;
}

static char *make_tmp_dir(void)
{
	const char *base = getenv("TMPDIR");
	char *template = NULL;

	if (base == NULL || base[0] != '/')
		base = "/tmp";
	if (asprintf(&template, "%s/kvlink-sandbox.XXXXXX", base) < 0)
		return NULL;
	if (mkdtemp(template) == NULL) {
		free(template);
		return NULL;
	}
	return template;
}

static void remember_for_abort(const struct kvl_cli_sandbox *sb)
{
	snprintf(abort_cloud, sizeof(abort_cloud), "%s", sb->cloud_file);
	snprintf(abort_ca, sizeof(abort_ca), "%s", sb->ca_file);
	snprintf(abort_stderr, sizeof(abort_stderr), "%s", sb->stderr_file);
	snprintf(abort_dir, sizeof(abort_dir), "%s", sb->tmp_dir);
}

/* Runs in the child between fork and exec: async-signal-safe calls only. */
static void exec_sandbox(char *const argv[], char *const env[], int out_fd,
			 int err_fd, pid_t parent)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;
	int null_fd;

	sigaction(SIGINT, &dfl, NULL);
	sigaction(SIGTERM, &dfl, NULL);
	sigaction(SIGHUP, &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	/* Its own process group keeps a terminal's Ctrl-C away from it, so
	 * kvlink can finish its requests and stop it in order. The parent
	 * death signal stops it if kvlink itself is killed. */
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	/* kvlink may have died before the death signal was set up. */
	if (getppid() != parent)
		_exit(127);

	null_fd = open("/dev/null", O_RDONLY);
	if (null_fd < 0 || dup2(null_fd, STDIN_FILENO) < 0 ||
	    dup2(out_fd, STDOUT_FILENO) < 0 ||
	    dup2(err_fd, STDERR_FILENO) < 0)
		_exit(127);
	execve(argv[0], argv, env);
	_exit(127);
}

static kvl_result spawn(struct kvl_cli_sandbox *sb, const char *binary,
			const char *state_file, const char *request_log,
			struct kvl_error *err)
{
	char *argv[] = {
		(char *)binary, "--port", "0", "--cloud-out", sb->cloud_file,
		"--ca-out", sb->ca_file,
		"--state", (char *)state_file,
		"--request-log", (char *)request_log, NULL
	};
	int pipe_fds[2] = { -1, -1 };
	int err_fd;
	char **env = kvl_childenv_new();
	pid_t parent;
	kvl_result r = KVL_OK;

	err_fd = open(sb->stderr_file,
		      O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (env == NULL) {
		r = kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
		goto out;
	}
	if (err_fd < 0 || pipe2(pipe_fds, O_CLOEXEC) != 0) {
		r = kvl_error_set(err, KVL_ERR_IO,
				  _("cannot prepare kvlink-sandbox: %s"),
				  strerror(errno));
		goto out;
	}

	remember_for_abort(sb);
	parent = getpid();
	sb->pid = fork();
	if (sb->pid == 0)
		exec_sandbox(argv, env, pipe_fds[1], err_fd, parent);
	if (sb->pid < 0) {
		sb->pid = 0;
		r = kvl_error_set(err, KVL_ERR_IO,
				  _("cannot start kvlink-sandbox: %s"),
				  strerror(errno));
		goto out;
	}
	abort_pid = sb->pid;
	sb->stdout_fd = pipe_fds[0];
	pipe_fds[0] = -1;

out:
	kvl_childenv_free(env);
	if (pipe_fds[0] >= 0)
		close(pipe_fds[0]);
	if (pipe_fds[1] >= 0)
		close(pipe_fds[1]);
	if (err_fd >= 0)
		close(err_fd);
	return r;
}

/* The last line the sandbox wrote to stderr, sanitised, for messages. */
static char *last_stderr_line(const struct kvl_cli_sandbox *sb)
{
	char text[2048];
	FILE *f = fopen(sb->stderr_file, "r");
	size_t n;
	char *line;

	if (f == NULL)
		return NULL;
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';

	while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
		text[--n] = '\0';
	if (n == 0)
		return NULL;
	line = strrchr(text, '\n');
	return kvl_sanitize(line != NULL ? line + 1 : text);
}

static kvl_result sandbox_died(struct kvl_cli_sandbox *sb,
			       struct kvl_error *err)
{
	int status = 0;
	char *last = NULL;
	char how[64];

	while (waitpid(sb->pid, &status, 0) < 0 && errno == EINTR)
		;
	sb->pid = 0;
	abort_pid = 0;

	if (WIFEXITED(status))
		snprintf(how, sizeof(how), _("exit status %d"),
			 WEXITSTATUS(status));
	else
		snprintf(how, sizeof(how), _("signal %d"), WTERMSIG(status));
	last = last_stderr_line(sb);
	kvl_error_set(err, KVL_ERR_IO,
		      _("kvlink-sandbox stopped before it was ready (%s)%s%s"),
		      how, last != NULL ? ": " : "", last != NULL ? last : "");
	free(last);
	return KVL_ERR_IO;
}

static kvl_result parse_ready_line(struct kvl_cli_sandbox *sb,
				   const char *line, struct kvl_error *err)
{
	const char *url = strstr(line, READY_PREFIX);

	if (url == NULL ||
	    strncmp(url + strlen(READY_PREFIX), "https://127.0.0.1:", 18) != 0)
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("kvlink-sandbox printed an unexpected "
				       "first line; is it the same version "
				       "as kvlink?"));
	url += strlen(READY_PREFIX);
	sb->url = strndup(url, strcspn(url, "\r\n"));
	if (sb->url == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	if (access(sb->cloud_file, R_OK) != 0)
		return kvl_error_set(err, KVL_ERR_IO,
				     _("kvlink-sandbox did not write its cloud "
				       "profile '%s'"), sb->cloud_file);
	return KVL_OK;
}

/* Reads the sandbox's stdout until its "listening on" line. */
static kvl_result wait_until_ready(struct kvl_cli_sandbox *sb,
				   struct kvl_error *err)
{
	char line[512];
	size_t len = 0;
	long long deadline = now_ms() + READY_TIMEOUT_MS;

	for (;;) {
		struct pollfd pfd = { .fd = sb->stdout_fd, .events = POLLIN };
		long long left = deadline - now_ms();
		ssize_t n;

		if (kvl_cli_interrupted)
			return kvl_error_set(err, KVL_ERR_CANCELLED,
					     _("interrupted"));
		if (left <= 0)
			return kvl_error_set(err, KVL_ERR_NETWORK,
				_("kvlink-sandbox did not start listening "
				  "within %d seconds"),
				READY_TIMEOUT_MS / 1000);
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;

		n = read(sb->stdout_fd, line + len, sizeof(line) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return sandbox_died(sb, err);
		len += (size_t)n;
		line[len] = '\0';
		if (strchr(line, '\n') != NULL || len == sizeof(line) - 1)
			return parse_ready_line(sb, line, err);
	}
}

static kvl_result prepare_dirs(struct kvl_cli_sandbox *sb,
			       const char *env_dir, struct kvl_error *err)
{
	kvl_result r;

	sb->env_dir = sandbox_dir(env_dir);
	if (sb->env_dir == NULL)
		return kvl_error_set(err, KVL_ERR_IO,
				     _("cannot find a directory for the "
				       "sandbox: set HOME or XDG_DATA_HOME, "
				       "or use --env-dir"));
	r = kvl_make_dirs(sb->env_dir, err);
	if (r != KVL_OK)
		return r;

	sb->tmp_dir = make_tmp_dir();
	if (sb->tmp_dir == NULL)
		return kvl_error_set(err, KVL_ERR_IO,
				     _("cannot create a temporary directory: "
				       "%s"), strerror(errno));
	sb->cloud_file = path_join(sb->tmp_dir, "cloud.json");
	sb->ca_file = path_join(sb->tmp_dir, "ca.pem");
	sb->stderr_file = path_join(sb->tmp_dir, "sandbox.log");
	if (sb->cloud_file == NULL || sb->ca_file == NULL ||
	    sb->stderr_file == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	return KVL_OK;
}

/*
 * Adds the sandbox's host to no_proxy, which kvlink reads before
 * NO_PROXY, so that requests to the sandbox this run started go to it
 * directly: a proxy from the environment has no business seeing them
 * and may not reach this machine's loopback at all. Commands that kvlink
 * runs, such as az, inherit the setting.
 */
static kvl_result bypass_proxies(struct kvl_error *err)
{
	const char *lower = getenv("no_proxy");
	const char *upper = getenv("NO_PROXY");
	const char *old = lower != NULL && lower[0] != '\0' ? lower : upper;
	char *value = NULL;
	int n;

	if (old != NULL && old[0] != '\0')
		n = asprintf(&value, "%s,127.0.0.1", old);
	else
		n = asprintf(&value, "127.0.0.1");
	if (n < 0)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	n = setenv("no_proxy", value, 1);
	free(value);
	if (n != 0)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	return KVL_OK;
}

kvl_result kvl_cli_sandbox_start(struct kvl_cli_sandbox *sb,
				 const char *env_dir, struct kvl_error *err)
{
	char *binary = find_sandbox_binary();
	char *state_file = NULL;
	char *request_log = NULL;
	kvl_result r;

	memset(sb, 0, sizeof(*sb));
	sb->stdout_fd = -1;
	if (binary == NULL) {
		r = kvl_error_set(err, KVL_ERR_NOT_FOUND,
				  _("kvlink-sandbox not found beside kvlink "
				    "or in %s; install it or run kvlink from "
				    "its build directory"), KVL_BINDIR);
		goto out;
	}

	r = prepare_dirs(sb, env_dir, err);
	if (r != KVL_OK)
		goto out;
	/* The request log lets the user see every call kvlink made; it
	 * grows across runs, like the state beside it. */
	state_file = path_join(sb->env_dir, "sandbox-state.json");
	request_log = path_join(sb->env_dir, "sandbox-requests.jsonl");
	if (state_file == NULL || request_log == NULL) {
		r = kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
		goto out;
	}

	r = spawn(sb, binary, state_file, request_log, err);
	if (r == KVL_OK)
		r = wait_until_ready(sb, err);
	if (r == KVL_OK)
		r = bypass_proxies(err);

out:
	if (r != KVL_OK)
		kvl_error_operation(err, _("start the sandbox"));
	free(state_file);
	free(request_log);
	free(binary);
	return r;
}

static void stop_process(pid_t pid)
{
	long long deadline = now_ms() + STOP_TIMEOUT_MS;
	struct timespec pause = { .tv_nsec = 20 * 1000000 };
	int status;

	kill(pid, SIGTERM);
	while (now_ms() < deadline) {
		pid_t done = waitpid(pid, &status, WNOHANG);

		if (done == pid || (done < 0 && errno != EINTR))
			return;
		nanosleep(&pause, NULL);
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
}

/* Removes the files in the temporary directory (the cloud profile, the
 * CA certificate, the sandbox's stderr, and any temporary file of an
 * interrupted atomic write), then the directory. */
static void remove_tmp_dir(const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *entry;

	if (dir != NULL) {
		while ((entry = readdir(dir)) != NULL) {
			if (strcmp(entry->d_name, ".") == 0 ||
			    strcmp(entry->d_name, "..") == 0)
				continue;
			unlinkat(dirfd(dir), entry->d_name, 0);
		}
		closedir(dir);
	}
	rmdir(path);
}

void kvl_cli_sandbox_stop(struct kvl_cli_sandbox *sb)
{
	if (sb->pid > 0) {
		stop_process(sb->pid);
		sb->pid = 0;
	}
	abort_pid = 0;
	if (sb->stdout_fd >= 0) {
		close(sb->stdout_fd);
		sb->stdout_fd = -1;
	}
	if (sb->tmp_dir != NULL)
		remove_tmp_dir(sb->tmp_dir);

	free(sb->tmp_dir);
	free(sb->cloud_file);
	free(sb->ca_file);
	free(sb->stderr_file);
	free(sb->env_dir);
	free(sb->url);
	memset(sb, 0, sizeof(*sb));
	sb->stdout_fd = -1;
}

void kvl_cli_sandbox_abort(void)
{
	pid_t pid = abort_pid;

	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	if (abort_cloud[0] != '\0')
		unlink(abort_cloud);
	if (abort_ca[0] != '\0')
		unlink(abort_ca);
	if (abort_stderr[0] != '\0')
		unlink(abort_stderr);
	if (abort_dir[0] != '\0')
		rmdir(abort_dir);
}
