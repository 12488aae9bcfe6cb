/* kvlink-sandbox: command line, start-up and shutdown. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "sandbox/sandbox.h"

static volatile sig_atomic_t stop_requested;

#ifdef __SANITIZE_ADDRESS__
/* LeakSanitizer calls this at exit. Its exit-time check stops every
 * thread with ptrace, and on some Linux machines that check has hung
 * this server for good: the main thread spun in sched_yield while the
 * checker waited for it to stop. The sandbox's leaks are checked under
 * valgrind instead (scripts/check-sanitizers valgrind); AddressSanitizer
 * and UndefinedBehaviorSanitizer still check all of its memory use. */
int __lsan_is_turned_off(void);

int __lsan_is_turned_off(void)
{
	return 1;
}
#endif

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void usage(FILE *out)
{
	fputs("Usage: kvlink-sandbox [OPTION]...\n"
	      "Serve a loopback stand-in for Azure (Entra ID, Resource "
	      "Manager,\nMicrosoft Graph and Key Vault) over HTTPS on "
	      "127.0.0.1, with a new\ncertificate authority each run.\n\n"
	      "  --port N            TCP port to listen on; 0 (default) "
	      "picks a free one\n"
	      "  --tenant FILE       tenant description (JSON); default: "
	      "the built-in\n"
	      "                      \"Contoso Sandbox\" tenant\n"
	      "  --state FILE        load the tenant from FILE if it exists "
	      "and save every\n"
	      "                      change back to it\n"
	      "  --cloud-out FILE    write the kvlink cloud profile (JSON) "
	      "to FILE\n"
	      "  --ca-out FILE       write the run's CA certificate (PEM) "
	      "to FILE; default:\n"
	      "                      beside --cloud-out, NAME.json becomes "
	      "NAME-ca.pem\n"
	      "  --request-log FILE  append one JSON line per request to "
	      "FILE\n"
	      "  --page-size N       items per page of Resource Manager "
	      "lists and most rows\n"
	      "                      per Resource Graph page (default 5)\n"
	      "  --generate subscriptions=N,vaults=N[,secrets=N]\n"
	      "                      add N generated subscriptions with N "
	      "vaults each (at\n"
	      "                      most 1000000 in all) and N secrets per "
	      "vault (default 1)\n"
	      "                      to the tenant, visible to its default "
	      "user\n"
	      "  --latency MS        delay every response (except under "
	      "/_sandbox) by MS\n"
	      "                      milliseconds; requests on different "
	      "connections wait\n"
	      "                      at the same time (default 0)\n"
	      "  --user NAME         user the device code flow signs in "
	      "(object id,\n"
	      "                      user principal name or display name)\n"
	      "  --poll-interval S   device code polling interval in "
	      "seconds (default 1)\n"
	      "  --code-lifetime S   seconds until a device code expires "
	      "(default 900)\n"
	      "  --vault-ports       serve each vault's Key Vault data plane "
	      "on a port of its\n"
	      "                      own, as Azure gives each vault a host "
	      "name; for the\n"
	      "                      Azure SDKs, as kvlink rejects such "
	      "vault URIs\n"
	      "  --single-use-refresh-tokens\n"
	      "                      revoke each refresh token once it is "
	      "redeemed\n"
	      "  --known-secrets FILE\n"
	      "                      for tests: append every secret value, "
	      "client secret,\n"
	      "                      token, refresh token and device code "
	      "the sandbox knows\n"
	      "                      or issues to FILE (mode 0600), one "
	      "JSON line each;\n"
	      "                      default: $KVLINK_SANDBOX_KNOWN_SECRETS_"
	      "FILE, if set\n"
	      "  --faults FILE       start with the fault rules of FILE, "
	      "{\"rules\": [...]}\n"
	      "                      as POST /_sandbox/faults takes them; "
	      "for tests only\n"
	      "  --help              show this help and exit\n"
	      "  --version           show the version and exit\n", out);
}

/* Parses a whole-number option value in [min, max]. */
static bool parse_int(const char *opt, const char *text, long min, long max,
		      int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "kvlink-sandbox: invalid value '%s' for %s: "
			"use a whole number from %ld to %ld\n", text, opt,
			min, max);
		return false;
	}
	*out = (int)v;
	return true;
}

static bool check_generate(const char *text)
{
	struct sb_gen gen;
	char errbuf[256];

	if (sb_gen_parse(text, &gen, errbuf, sizeof(errbuf)))
		return true;
	sb_sanitize_text(errbuf);
	fprintf(stderr, "kvlink-sandbox: invalid --generate value: %s\n",
		errbuf);
	return false;
}

/* Prints why getopt_long returned c ('?' or ':') for the option just
 * read, with the program's name instead of its path. */
static void report_bad_option(int c, int argc, char **argv)
{
	int at = optind - 1 < argc ? optind - 1 : argc - 1;
	char *name = strdup(at > 0 ? argv[at] : "?");

	if (name == NULL)
		return;
	sb_sanitize_text(name);
	if (c == ':')
		fprintf(stderr, "kvlink-sandbox: option '%s' needs a value\n",
			name);
	else
		fprintf(stderr, "kvlink-sandbox: unknown option '%s'\n",
			name);
	free(name);
}

/* Returns 0 to run, 1 for a usage error, 2 when --help/--version ran. */
static int parse_options(int argc, char **argv, struct sb_options *opt)
{
	enum { O_PORT = 256, O_TENANT, O_STATE, O_CLOUD, O_CA, O_LOG, O_PAGE,
	       O_USER, O_POLL, O_LIFETIME, O_VAULT_PORTS, O_SINGLE_USE,
	       O_KNOWN, O_FAULTS, O_LATENCY, O_GENERATE, O_HELP, O_VERSION };
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, O_PORT },
		{ "tenant", required_argument, NULL, O_TENANT },
		{ "state", required_argument, NULL, O_STATE },
		{ "cloud-out", required_argument, NULL, O_CLOUD },
		{ "ca-out", required_argument, NULL, O_CA },
		{ "request-log", required_argument, NULL, O_LOG },
		{ "page-size", required_argument, NULL, O_PAGE },
		{ "user", required_argument, NULL, O_USER },
		{ "poll-interval", required_argument, NULL, O_POLL },
		{ "code-lifetime", required_argument, NULL, O_LIFETIME },
		{ "vault-ports", no_argument, NULL, O_VAULT_PORTS },
		{ "single-use-refresh-tokens", no_argument, NULL,
		  O_SINGLE_USE },
		{ "known-secrets", required_argument, NULL, O_KNOWN },
		{ "faults", required_argument, NULL, O_FAULTS },
		{ "latency", required_argument, NULL, O_LATENCY },
		{ "generate", required_argument, NULL, O_GENERATE },
		{ "help", no_argument, NULL, O_HELP },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	int c, port = 0;
	bool ok = true;

	/* getopt's own messages start with the program's full path. */
	opterr = 0;
	while (ok && (c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case O_PORT:
			ok = parse_int("--port", optarg, 0, 65535, &port);
			opt->port = (unsigned int)port;
			break;
		case O_TENANT: opt->tenant_path = optarg; break;
		case O_STATE: opt->state_path = optarg; break;
		case O_CLOUD: opt->cloud_out = optarg; break;
		case O_CA: opt->ca_out = optarg; break;
		case O_LOG: opt->request_log = optarg; break;
		case O_USER: opt->user = optarg; break;
		case O_FAULTS: opt->faults_path = optarg; break;
		case O_PAGE:
			ok = parse_int("--page-size", optarg, 1, 1000,
				       &opt->page_size);
			break;
		case O_POLL:
			ok = parse_int("--poll-interval", optarg, 0, 60,
				       &opt->poll_interval);
			break;
		case O_LIFETIME:
			ok = parse_int("--code-lifetime", optarg, 1, 86400,
				       &opt->code_lifetime);
			break;
		case O_LATENCY:
			ok = parse_int("--latency", optarg, 0, 60000,
				       &opt->latency_ms);
			break;
		case O_GENERATE:
			ok = check_generate(optarg);
			opt->generate = optarg;
			break;
		case O_VAULT_PORTS: opt->vault_ports = true; break;
		case O_SINGLE_USE: opt->single_use_refresh = true; break;
		case O_KNOWN: opt->known_secrets = optarg; break;
		case O_HELP: usage(stdout); return 2;
		case O_VERSION: puts("kvlink-sandbox " PACKAGE_VERSION);
			return 2;
		default:
			report_bad_option(c, argc, argv);
			ok = false;
			break;
		}
	}
	if (ok && optind < argc) {
		fprintf(stderr, "kvlink-sandbox: unexpected argument '%s'\n",
			argv[optind]);
		ok = false;
	}
	/* The variable reaches the sandboxes that kvlink --sandbox starts,
	 * whose arguments the tests do not choose. */
	if (opt->known_secrets == NULL) {
		const char *path = getenv("KVLINK_SANDBOX_KNOWN_SECRETS_FILE");

		if (path != NULL && path[0] != '\0')
			opt->known_secrets = path;
	}
	if (!ok)
		fputs("Try 'kvlink-sandbox --help' for the options.\n", stderr);
	return ok ? 0 : 1;
}

/* Adds --generate's subscriptions to tenant (taken over). */
static json_object *generate(const char *text, json_object *tenant,
			     char *errbuf, size_t errlen)
{
	struct sb_gen gen;

	if (!sb_gen_parse(text, &gen, errbuf, errlen)) {
		json_object_put(tenant);
		return NULL;
	}
	return sb_gen_tenant(tenant, &gen, errbuf, errlen);
}

/* Loads --state if that file exists, else --tenant or the built-in. */
static json_object *load_tenant(const struct sb_options *opt,
				json_object **pristine)
{
	char errbuf[640];
	json_object *t = NULL;

	*pristine = opt->tenant_path
		? sb_tenant_load(opt->tenant_path, errbuf, sizeof(errbuf))
		: sb_default_tenant();
	if (*pristine != NULL && opt->generate != NULL)
		*pristine = generate(opt->generate, *pristine, errbuf,
				     sizeof(errbuf));
	if (*pristine == NULL) {
		sb_sanitize_text(errbuf);
		fprintf(stderr, "kvlink-sandbox: %s\n", errbuf);
		return NULL;
	}
	if (opt->state_path != NULL && access(opt->state_path, F_OK) == 0) {
		t = sb_tenant_load(opt->state_path, errbuf, sizeof(errbuf));
		if (t == NULL) {
			sb_sanitize_text(errbuf);
			fprintf(stderr, "kvlink-sandbox: %s (remove the state "
				"file to start from the tenant again)\n",
				errbuf);
		}
		return t;
	}
	return sb_tenant_copy(*pristine);
}

/* Sends kvlink's connection tests to the vendor stand-ins. */
static json_object *connection_targets(const struct sb_sandbox *sb)
{
	json_object *targets = json_object_new_object();
	char *url;
	size_t i;

	for (i = 0; sb_vendor_types[i] != NULL; i++) {
		url = sb_printf("%s/vendor/%s", sb->base, sb_vendor_types[i]);
		json_object_object_add(targets, sb_vendor_types[i],
				       json_object_new_string(url));
		free(url);
	}
	return targets;
}

/* Returns --ca-out, or NAME-ca.pem beside a --cloud-out of NAME.json.
 * Any other --cloud-out name gets "-ca.pem" appended. Returns NULL when
 * neither option is given. */
static char *ca_out_path(const struct sb_options *opt)
{
	const char *cloud = opt->cloud_out;
	size_t len;

	if (opt->ca_out != NULL)
		return strdup(opt->ca_out);
	if (cloud == NULL)
		return NULL;
	len = strlen(cloud);
	if (len > 5 && strcmp(cloud + len - 5, ".json") == 0)
		len -= 5;
	return sb_printf("%.*s-ca.pem", (int)len, cloud);
}

/*
 * Writes the CA certificate, which clients need to trust the sandbox, and
 * sets *ca_path to its absolute path for the cloud profile. The file
 * contains no private key, so it may be world-readable.
 */
static int write_ca(struct sb_sandbox *sb, char **ca_path)
{
	char errbuf[512], *path = ca_out_path(&sb->opt);
	int rc = 0;

	*ca_path = NULL;
	if (path == NULL) {
		fputs("kvlink-sandbox: warning: neither --ca-out nor "
		      "--cloud-out is given, so the CA certificate is not "
		      "written and no client can verify this sandbox\n",
		      stderr);
		return 0;
	}
	if (sb_write_file_atomic(path, sb->tls.ca_pem, 0644, errbuf,
				 sizeof(errbuf)) != 0) {
		fprintf(stderr, "kvlink-sandbox: cannot write the CA "
			"certificate: %s\n", errbuf);
		rc = 1;
	} else {
		*ca_path = realpath(path, NULL);
		if (*ca_path == NULL) {
			fprintf(stderr, "kvlink-sandbox: cannot resolve the "
				"path '%s': %s\n", path, strerror(errno));
			rc = 1;
		}
	}
	free(path);
	return rc;
}

static int write_cloud_profile(struct sb_sandbox *sb, const char *ca_path)
{
	static const struct {
		const char *key;
		const char *path;
	} endpoints[] = {
		{ "authorityHost", "/login" },
		{ "resourceManager", "/arm" },
		{ "microsoftGraph", "/graph" },
		{ "keyVaultScope", "/kv" },
	};
	json_object *p = json_object_new_object();
	char errbuf[512], *url;
	size_t i;
	int rc;

	json_object_object_add(p, "name",
			       json_object_new_string("kvlink-sandbox"));
	for (i = 0; i < sizeof(endpoints) / sizeof(endpoints[0]); i++) {
		url = sb_printf("%s%s", sb->base, endpoints[i].path);
		json_object_object_add(p, endpoints[i].key,
				       json_object_new_string(url));
		free(url);
	}
	/* Vault URIs are BASE/kv/NAME/, so kvlink may send Key Vault tokens
	 * below that prefix only. With --vault-ports no prefix or DNS
	 * suffix describes them, and kvlink rejects them. */
	if (!sb->opt.vault_ports) {
		url = sb_printf("%s/kv/", sb->base);
		json_object_object_add(p, "keyVaultUriPrefix",
				       json_object_new_string(url));
		free(url);
	}
	json_object_object_add(p, "tenant", json_object_new_string(
				       sb_tenant_id(sb->tenant)));
	json_object_object_add(p, "connectionTargets", connection_targets(sb));
	json_object_object_add(p, "caBundle", json_object_new_string(ca_path));
	rc = sb_write_file_atomic(sb->opt.cloud_out,
			json_object_to_json_string_ext(p,
				JSON_C_TO_STRING_PRETTY |
				JSON_C_TO_STRING_NOSLASHESCAPE),
			0644, errbuf, sizeof(errbuf));
	if (rc != 0)
		fprintf(stderr, "kvlink-sandbox: cannot write the cloud "
			"profile: %s\n", errbuf);
	json_object_put(p);
	return rc;
}

/* Everything after the options: tenant, log, key. Returns 0 or 1. */
static int prepare(struct sb_sandbox *sb)
{
	char errbuf[640];

	sb->tenant = load_tenant(&sb->opt, &sb->pristine);
	if (sb->tenant == NULL)
		return 1;
	if (sb->opt.user != NULL &&
	    sb_tenant_find_user(sb->tenant, sb->opt.user) == NULL) {
		fprintf(stderr, "kvlink-sandbox: --user '%s' is not a user of "
			"the tenant: give an object id, user principal name "
			"or display name from the tenant file\n",
			sb->opt.user);
		return 1;
	}
	if (sb->opt.request_log != NULL) {
		sb->request_log = fopen(sb->opt.request_log, "a");
		if (sb->request_log == NULL) {
			fprintf(stderr, "kvlink-sandbox: cannot open the "
				"request log '%s': %s\n", sb->opt.request_log,
				strerror(errno));
			return 1;
		}
	}
	if (RAND_bytes(sb->key, sizeof(sb->key)) != 1) {
		fputs("kvlink-sandbox: cannot draw a signing key from "
		      "OpenSSL\n", stderr);
		return 1;
	}
	sb_hex_id(sb->identity_header);
	if (sb_known_open(sb) != 0)
		return 1;
	sb->device_codes = json_object_new_object();
	sb->refresh_tokens = json_object_new_object();
	sb->requests = json_object_new_array();
	sb->undo = json_object_new_array();
	sb->faults = json_object_new_array();
	if (sb->opt.faults_path != NULL &&
	    sb_faults_load(sb, sb->opt.faults_path, errbuf,
			   sizeof(errbuf)) != 0) {
		sb_sanitize_text(errbuf);
		fprintf(stderr, "kvlink-sandbox: --faults %s\n", errbuf);
		return 1;
	}
	return 0;
}

static void cleanup(struct sb_sandbox *sb)
{
	sb_stop(sb);
	if (sb->tenant != NULL)
		sb_known_close(sb);
	OPENSSL_cleanse(sb->key, sizeof(sb->key));
	sb_federation_free(sb);
	sb_resource_graph_free(sb);
	json_object_put(sb->tenant);
	json_object_put(sb->pristine);
	json_object_put(sb->device_codes);
	json_object_put(sb->refresh_tokens);
	json_object_put(sb->requests);
	json_object_put(sb->undo);
	json_object_put(sb->faults);
	json_object_put(sb->checkpoint);
	if (sb->request_log != NULL)
		fclose(sb->request_log);
}

/* Blocks SIGINT and SIGTERM (the server thread inherits the mask) and
 * waits for one of them in sigsuspend. */
static void wait_for_signal(const sigset_t *old)
{
	while (!stop_requested)
		sigsuspend(old);
}

int main(int argc, char **argv)
{
	struct sb_sandbox sb = { 0 };
	struct sigaction sa = { 0 };
	sigset_t block, old;
	char errbuf[256], *ca_path = NULL;
	int rc;

	sb.opt.page_size = 5;
	sb.opt.poll_interval = 1;
	sb.opt.code_lifetime = 900;
	rc = parse_options(argc, argv, &sb.opt);
	if (rc != 0)
		return rc == 2 ? 0 : 2;
	rc = prepare(&sb);
	if (rc != 0)
		goto out;

	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);

	if (sb_start(&sb, errbuf, sizeof(errbuf)) != 0) {
		fprintf(stderr, "kvlink-sandbox: %s\n", errbuf);
		rc = 1;
		goto out;
	}
	if (write_ca(&sb, &ca_path) != 0 ||
	    (sb.opt.cloud_out != NULL &&
	     write_cloud_profile(&sb, ca_path) != 0)) {
		rc = 1;
		goto out;
	}
	if (sb.opt.state_path != NULL)
		sb_state_changed(&sb);
	printf("kvlink-sandbox: listening on %s\n", sb.base);
	fflush(stdout);
	wait_for_signal(&old);
	fprintf(stderr, "kvlink-sandbox: stopping\n");
out:
	free(ca_path);
	cleanup(&sb);
	return rc;
}
