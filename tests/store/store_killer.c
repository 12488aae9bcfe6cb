/*
 * Kills `kvlink connection edit` with SIGKILL at random moments while it
 * rewrites environment.json, and checks after every kill that the store
 * is either the document from before the edit or the one the edit
 * writes. tests/store/store_crash.sh prepares the environment and runs:
 *
 *   store_killer KILLS ENV_DIR CONNECTION -- KVLINK [OPTION]...
 *
 * KVLINK [OPTION]... is how to run kvlink for that store (with --cloud
 * and --env-dir). Each edit sets the connection's "folder" field to a
 * new value, so the new document is the old one with that field, the
 * connection's "updatedAt" and the revision changed. On success the last
 * line of the standard output is
 *
 *   kills=N old=N new=N midwrite=N finished=N
 *
 * midwrite counts the kills that left a temporary file beside the store,
 * that is kills that landed while the new document was being written.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#define TMP_PREFIX "environment.json.tmp."
#define CALIBRATION_RUNS 5
#define SHOW_MAX (64 * 1024 * 1024)

struct run {
	int kill_target;
	const char *env_dir;
	const char *connection;
	char **kvlink;		/* argv prefix, NULL-terminated */
	int n_kvlink;
	char *store_path;
	long window_us;		/* kills land in [0, window_us) */
};

struct tally {
	int kills, old, fresh, midwrite, finished;
};

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2),
						      noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("FAIL: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000L + ts.tv_nsec / 1000;
}

/* Reads the whole file; NULL when it cannot be read. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL;
	long size;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0) {
		text = malloc((size_t)size + 1);
		if (text != NULL &&
		    fread(text, 1, (size_t)size, f) != (size_t)size) {
			free(text);
			text = NULL;
		} else if (text != NULL) {
			text[size] = '\0';
		}
	}
	fclose(f);
	return text;
}

static json_object *parse_or_die(const char *text, const char *what)
{
	json_object *doc = json_tokener_parse(text);

	if (doc == NULL || !json_object_is_type(doc, json_type_object))
		die("%s is not a JSON object:\n%.400s", what, text);
	return doc;
}

/* Starts kvlink with the extra arguments; its output goes to out_fd, or
 * to /dev/null when out_fd is negative. */
static pid_t spawn(const struct run *run, const char *const *extra,
		   int out_fd)
{
	char *argv[32];
	int i, n = 0;
	pid_t pid;

	for (i = 0; i < run->n_kvlink && n < 24; i++)
		argv[n++] = run->kvlink[i];
	for (i = 0; extra[i] != NULL && n < 31; i++)
		argv[n++] = (char *)extra[i];
	argv[n] = NULL;

	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid > 0)
		return pid;

	int null_fd = open("/dev/null", O_RDWR);

	dup2(null_fd, STDIN_FILENO);
	dup2(out_fd >= 0 ? out_fd : null_fd, STDOUT_FILENO);
	dup2(null_fd, STDERR_FILENO);
	execv(argv[0], argv);
	_exit(127);
}

/* Runs `connection edit` with folder=value; kill_after_us < 0 lets it
 * finish. Returns the wait status. */
static int edit(const struct run *run, const char *value, long kill_after_us)
{
	char field[128];
	const char *extra[] = { "connection", "edit", run->connection,
				"--field", field, NULL };
	int status;
	pid_t pid;

	snprintf(field, sizeof(field), "folder=%s", value);
	pid = spawn(run, extra, -1);
	if (kill_after_us >= 0) {
		if (kill_after_us > 0)
			usleep((useconds_t)kill_after_us);
		kill(pid, SIGKILL);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid: %s", strerror(errno));
	return status;
}

/* `kvlink env show --output json` must succeed and print JSON. */
static void check_env_show(const struct run *run)
{
	const char *extra[] = { "env", "show", "--output", "json", NULL };
	FILE *out = tmpfile();
	char *text;
	int status;
	pid_t pid;

	if (out == NULL)
		die("tmpfile: %s", strerror(errno));
	pid = spawn(run, extra, fileno(out));
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die("kvlink env show --output json failed (status 0x%x) "
		    "after a kill", status);

	text = calloc(1, SHOW_MAX);
	if (text == NULL || fseek(out, 0, SEEK_SET) != 0)
		die("cannot read the output of kvlink env show");
	if (fread(text, 1, SHOW_MAX - 1, out) == 0)
		die("kvlink env show --output json printed nothing");
	json_object_put(parse_or_die(text, "the output of env show"));
	free(text);
	fclose(out);
}

/* Counts the temporary files a killed save left beside the store. */
static int count_leftovers(const struct run *run)
{
	DIR *dir = opendir(run->env_dir);
	struct dirent *entry;
	int n = 0;

	if (dir == NULL)
		die("cannot list %s: %s", run->env_dir, strerror(errno));
	while ((entry = readdir(dir)) != NULL)
		if (strncmp(entry->d_name, TMP_PREFIX,
			    strlen(TMP_PREFIX)) == 0)
			n++;
	closedir(dir);
	return n;
}

/* The connection object named name in doc's "connections". */
static json_object *find_connection(json_object *doc, const char *name)
{
	json_object *list = NULL, *value = NULL;
	size_t i, n;

	if (!json_object_object_get_ex(doc, "connections", &list))
		return NULL;
	n = json_object_array_length(list);
	for (i = 0; i < n; i++) {
		json_object *c = json_object_array_get_idx(list, i);

		if (json_object_object_get_ex(c, "displayName", &value) &&
		    strcmp(json_object_get_string(value), name) == 0)
			return c;
	}
	return NULL;
}

/* The document the edit writes, from old, without the connection's
 * "updatedAt" (the edit's clock); the caller frees it. */
static json_object *expected_new(json_object *old, const struct run *run,
				 const char *value)
{
	json_object *copy = NULL, *rev = NULL, *conn, *fields = NULL;

	if (json_object_deep_copy(old, &copy, NULL) != 0)
		die("out of memory");
	json_object_object_get_ex(copy, "revision", &rev);
	json_object_object_add(copy, "revision", json_object_new_int64(
				       json_object_get_int64(rev) + 1));
	conn = find_connection(copy, run->connection);
	if (conn == NULL ||
	    !json_object_object_get_ex(conn, "fields", &fields))
		die("connection '%s' has no fields", run->connection);
	json_object_object_add(fields, "folder",
			       json_object_new_string(value));
	json_object_object_del(conn, "updatedAt");
	return copy;
}

/* Whether now is the document the edit writes, given the old one. */
static bool is_new(json_object *old, json_object *now,
		   const struct run *run, const char *value)
{
	json_object *want = expected_new(old, run, value);
	json_object *conn = find_connection(now, run->connection);
	json_object *stamp = NULL;
	bool same;

	if (conn == NULL ||
	    !json_object_object_get_ex(conn, "updatedAt", &stamp) ||
	    !json_object_is_type(stamp, json_type_string)) {
		json_object_put(want);
		return false;
	}
	stamp = json_object_get(stamp);
	json_object_object_del(conn, "updatedAt");
	same = json_object_equal(want, now);
	json_object_object_add(conn, "updatedAt", stamp);
	json_object_put(want);
	return same;
}

/* Checks the store after one run, given its text before the run.
 * Returns true for the new version and false for the old one. */
static bool check_store(const struct run *run, const char *before,
			const char *value)
{
	bool fresh = false;
	char *after = slurp(run->store_path);
	json_object *old, *now;

	if (after == NULL)
		die("%s is missing or unreadable after a kill",
		    run->store_path);
	now = parse_or_die(after, run->store_path);
	if (strcmp(before, after) != 0) {
		old = parse_or_die(before, "the store before the edit");
		if (!is_new(old, now, run, value))
			die("the store after a kill is neither the old nor "
			    "the new version:\n%.2000s", after);
		json_object_put(old);
		fresh = true;
	}
	json_object_put(now);
	free(after);
	return fresh;
}

/* The mean time of a whole edit, in microseconds. */
static long calibrate(const struct run *run)
{
	long start, total = 0;
	char value[64];
	int i, status;

	for (i = 0; i < CALIBRATION_RUNS; i++) {
		snprintf(value, sizeof(value), "/calibrate-%d", i);
		start = now_us();
		status = edit(run, value, -1);
		total += now_us() - start;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			die("kvlink connection edit failed (status 0x%x); "
			    "check the prepared environment", status);
	}
	return total / CALIBRATION_RUNS;
}

/* One edit killed at a random moment, then the checks. */
static void one_round(const struct run *run, int round, struct tally *t)
{
	char *before = slurp(run->store_path);
	long delay = random() % run->window_us;
	bool killed, fresh;
	char value[64];
	int status;

	if (before == NULL)
		die("cannot read %s", run->store_path);
	snprintf(value, sizeof(value), "/kill-%d", round);
	status = edit(run, value, delay);
	killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
	if (!killed && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
		die("kvlink connection edit failed (status 0x%x) in round "
		    "%d", status, round);
	if (killed && count_leftovers(run) > 0)
		t->midwrite++;

	check_env_show(run);
	fresh = check_store(run, before, value);
	if (!killed && !fresh)
		die("kvlink connection edit finished but the store is the "
		    "old version in round %d", round);
	if (!killed)
		t->finished++;
	else if (fresh)
		t->fresh++;
	else
		t->old++;
	if (killed)
		t->kills++;
	free(before);
}

static void parse_args(int argc, char **argv, struct run *run)
{
	if (argc < 6 || strcmp(argv[4], "--") != 0)
		die("usage: %s KILLS ENV_DIR CONNECTION -- KVLINK "
		    "[OPTION]...", argv[0]);
	run->kill_target = atoi(argv[1]);
	run->env_dir = argv[2];
	run->connection = argv[3];
	run->kvlink = argv + 5;
	run->n_kvlink = argc - 5;
	if (run->kill_target <= 0 || run->n_kvlink > 24)
		die("KILLS must be positive and KVLINK take at most 23 "
		    "options");
	if (asprintf(&run->store_path, "%s/environment.json",
		     run->env_dir) < 0)
		die("out of memory");
}

int main(int argc, char **argv)
{
	struct tally t = { 0 };
	struct run run = { 0 };
	int round, status;

	parse_args(argc, argv, &run);
	run.window_us = calibrate(&run);
	if (run.window_us < 1)
		run.window_us = 1;
	srandom((unsigned)(now_us() ^ getpid()));
	printf("kills land within %ld us of the start of an edit\n",
	       run.window_us);

	/* Every run that finished instead counts as a round but not as a
	 * kill; ten times the rounds bounds a machine too fast to hit. */
	for (round = 0; t.kills < run.kill_target &&
	     round < 10 * run.kill_target; round++)
		one_round(&run, round, &t);
	if (t.kills < run.kill_target)
		die("only %d of %d runs were killed before they finished",
		    t.kills, round);

	status = edit(&run, "/final", -1);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die("the final edit failed (status 0x%x)", status);
	if (count_leftovers(&run) != 0)
		die("a save left temporary files in %s", run.env_dir);
	printf("kills=%d old=%d new=%d midwrite=%d finished=%d\n", t.kills,
	       t.old, t.fresh, t.midwrite, t.finished);
	free(run.store_path);
	return 0;
}
