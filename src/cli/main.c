/*
 * kvlink's entry point: process set-up, option parsing, the optional
 * private sandbox, the session, and then either the wizard or one
 * command. Returns one of the exit codes documented in kvlink(1).
 */
#include "config.h"

#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "cli/cli.h"
#include "core/secret.h"
#include "i18n.h"
#include "tui/tui.h"

/* The first signal asks the running operation to stop (the sink reports
 * a cancel); a second one stops the sandbox and exits at once. */
static void on_signal(int sig)
{
	(void)sig;
	if (kvl_cli_interrupted) {
		kvl_cli_sandbox_abort();
		_exit(KVL_EXIT_INTERRUPTED);
	}
	kvl_cli_interrupted = 1;
}

static void install_signal_handlers(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* KVLINK_LOCALEDIR names another directory of message catalogs, so that
 * the tests can use catalogs built from po/ before they are installed. */
static void bind_messages(void)
{
	const char *dir = getenv("KVLINK_LOCALEDIR");

	if (dir == NULL || dir[0] == '\0')
		dir = LOCALEDIR;
	bindtextdomain(PACKAGE, dir);
	textdomain(PACKAGE);
}

static void init_process(void)
{
	setlocale(LC_ALL, "");
	bind_messages();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	umask(077);

	/* A closed pipe on stdout becomes a write error (EPIPE) that
	 * kvl_cli_close_stdout reports, so the run still cleans up after
	 * itself (the sandbox and its temporary directory) instead of dying
	 * on SIGPIPE. Line buffering keeps stdout and stderr in order when
	 * both go to the same file. */
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* The memory contains tokens, so no core dumps, and no ptrace or
	 * /proc/PID/mem and environ for other processes of the same user.
	 * execve() resets the dumpable flag but keeps the zero core size,
	 * so the size limit also reaches az and kvlink-sandbox. */
	prctl(PR_SET_DUMPABLE, 0);
	setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 });
	kvl_secret_init();
}

static bool is_terminal(void)
{
	return isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
}

static kvl_result run_command(struct kvl_cli *cli, struct kvl_error *err)
{
	switch (cli->opt.command) {
	case KVL_CMD_LOGIN:
		return kvl_cli_cmd_login(cli, err);
	case KVL_CMD_LOGOUT:
		return kvl_cli_cmd_logout(cli, err);
	case KVL_CMD_WHOAMI:
		return kvl_cli_cmd_whoami(cli, err);
	case KVL_CMD_ENV_CREATE:
		return kvl_cli_cmd_env_create(cli, err);
	case KVL_CMD_ENV_SHOW:
		return kvl_cli_cmd_env_show(cli, err);
	case KVL_CMD_IDENTITY_SET:
	case KVL_CMD_IDENTITY_SHOW:
	case KVL_CMD_IDENTITY_CLEAR:
		return kvl_cli_cmd_identity(cli, err);
	case KVL_CMD_STATUS:
		return kvl_cli_cmd_status(cli, err);
	case KVL_CMD_CHECK:
		return kvl_cli_cmd_check(cli, err);
	case KVL_CMD_LIST_SUBSCRIPTIONS:
	case KVL_CMD_LIST_RESOURCE_GROUPS:
	case KVL_CMD_LIST_VAULTS:
		return kvl_cli_cmd_list(cli, err);
	case KVL_CMD_LINK:
		return kvl_cli_cmd_link(cli, err);
	case KVL_CMD_UNLINK:
		return kvl_cli_cmd_unlink(cli, err);
	case KVL_CMD_REPAIR:
		return kvl_cli_cmd_repair(cli, err);
	case KVL_CMD_CONN_ADD:
	case KVL_CMD_CONN_LIST:
	case KVL_CMD_CONN_SHOW:
	case KVL_CMD_CONN_EDIT:
	case KVL_CMD_CONN_DELETE:
	case KVL_CMD_CONN_TEST:
	case KVL_CMD_CONN_TYPES:
		return kvl_cli_cmd_connection(cli, err);
	default:
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("command not handled"));
	}
}

/* Whether the command reads only local files and so needs no cloud. */
static bool makes_no_azure_call(enum kvl_cli_command command)
{
	switch (command) {
	case KVL_CMD_STATUS:
	case KVL_CMD_ENV_SHOW:
	case KVL_CMD_CONN_LIST:
	case KVL_CMD_CONN_TYPES:
		return true;
	default:
		return false;
	}
}

/* --log-file, else KVLINK_LOG_FILE when it is set and not empty. */
static const char *log_file_path(const struct kvl_cli *cli)
{
	const char *path = getenv("KVLINK_LOG_FILE");

	if (cli->opt.log_file != NULL)
		return cli->opt.log_file;
	return path != NULL && path[0] != '\0' ? path : NULL;
}

static kvl_result open_session(struct kvl_cli *cli,
			       const struct kvl_cli_sandbox *sb,
			       struct kvl_error *err)
{
	struct kvl_session_options so = {
		.cloud_file = cli->opt.cloud_file,
		.env_dir = cli->opt.env_dir,
		.client_id = cli->opt.client_id,
		.tenant = cli->opt.tenant,
		.log_file = log_file_path(cli),
		.timeout_s = cli->opt.timeout_s,
		.auth_method = cli->opt.auth_method,
		.interactive = is_terminal(),
		.own_sign_in_only = cli->opt.sandbox,
		.azure_optional = makes_no_azure_call(cli->opt.command),
	};
	kvl_result r;

	if (cli->opt.sandbox) {
		so.cloud_file = sb->cloud_file;
		if (so.env_dir == NULL)
			so.env_dir = sb->env_dir;
	}
	r = kvl_session_open(&cli->session, &so, &cli->sink, err);
	/* The log opens with the session, after the arena was set up. */
	if (r == KVL_OK)
		kvl_secret_log_status();
	return r;
}

/* Runs the wizard or the command once the sandbox (if any) is up. */
static int run_session(struct kvl_cli *cli, const struct kvl_cli_sandbox *sb)
{
	struct kvl_error err;
	kvl_result r;
	int code;

	kvl_error_init(&err);
	memset(&cli->session, 0, sizeof(cli->session));
	r = open_session(cli, sb, &err);
	if (r != KVL_OK)
		goto out;

	if (cli->opt.command == KVL_CMD_WIZARD && cli->opt.plain) {
		code = kvl_cli_plain_run(cli);
		kvl_session_close(&cli->session);
		return code;
	}
	if (cli->opt.command == KVL_CMD_WIZARD) {
		struct kvl_tui_options to = {
			.sandbox = cli->opt.sandbox,
			.no_colour = cli->opt.no_colour,
			.ascii = cli->opt.ascii,
			.sink = &cli->sink,
		};

		code = kvl_tui_run(&cli->session, &to);
		kvl_session_close(&cli->session);
		return code;
	}
	r = run_command(cli, &err);
	kvl_session_close(&cli->session);

out:
	if (r != KVL_OK && kvl_cli_interrupted)
		r = KVL_ERR_CANCELLED;
	if (r != KVL_OK)
		kvl_cli_print_error(cli, &err);
	kvl_error_clear(&err);
	if (r != KVL_OK && r != KVL_ERR_CANCELLED && cli->exit_code != 0)
		return cli->exit_code;
	return kvl_result_exit_code(r);
}

static int run_with_sandbox(struct kvl_cli *cli)
{
	struct kvl_cli_sandbox sb = { .stdout_fd = -1 };
	struct kvl_error err;
	int code;

	kvl_error_init(&err);
	if (cli->opt.sandbox &&
	    kvl_cli_sandbox_start(&sb, cli->opt.env_dir, &err) != KVL_OK) {
		if (kvl_cli_interrupted)
			err.result = KVL_ERR_CANCELLED;
		kvl_cli_print_error(cli, &err);
		code = kvl_result_exit_code(err.result);
		goto out;
	}
	code = run_session(cli, &sb);

out:
	kvl_cli_sandbox_stop(&sb);
	kvl_error_clear(&err);
	return code;
}

/* Turns line mode on where the wizard cannot run, and prints why. */
static void choose_line_mode(struct kvl_cli *cli)
{
	const char *problem;

	if (cli->opt.plain)
		return;
	problem = kvl_tui_terminal_problem();
	if (problem == NULL)
		return;
	cli->opt.plain = true;
	fprintf(stderr, "kvlink: %s\n", problem);
	fprintf(stderr, _("kvlink: starting line mode instead (numbered "
			  "prompts; q goes back); the commands for scripts "
			  "are: %s\n"), kvl_cli_command_summary());
}

/* Handles what needs no session; returns -1 when a session is needed. */
static int run_without_session(struct kvl_cli *cli)
{
	switch (cli->opt.command) {
	case KVL_CMD_HELP:
		kvl_cli_print_help(stdout);
		return KVL_EXIT_OK;
	case KVL_CMD_VERSION:
		kvl_cli_print_version(stdout);
		return KVL_EXIT_OK;
	case KVL_CMD_PRIVACY_STATEMENT:
		kvl_cli_cmd_privacy_statement(cli);
		return KVL_EXIT_OK;
	case KVL_CMD_CLOUD_LIST:
	case KVL_CMD_CLOUD_SHOW:
		return kvl_cli_cmd_cloud(cli);
	case KVL_CMD_WIZARD:
		choose_line_mode(cli);
		return -1;
	default:
		return -1;
	}
}

int main(int argc, char **argv)
{
	struct kvl_cli cli;
	struct kvl_error err;
	int code;

	init_process();
	memset(&cli, 0, sizeof(cli));
	kvl_error_init(&err);

	if (kvl_cli_parse(argc, argv, &cli.opt, &err) != KVL_OK) {
		kvl_cli_print_error(&cli, &err);
		kvl_error_clear(&err);
		code = KVL_EXIT_USAGE;
		goto out;
	}

	/* Scripts that read JSON also get the messages untranslated. */
	if (cli.opt.output == KVL_OUTPUT_JSON)
		setlocale(LC_MESSAGES, "C");

	code = run_without_session(&cli);
	if (code >= 0)
		goto out;

	kvl_cli_sink_init(&cli);
	install_signal_handlers();
	code = run_with_sandbox(&cli);

out:
	code = kvl_cli_close_stdout(code);
	curl_global_cleanup();
	return code;
}
