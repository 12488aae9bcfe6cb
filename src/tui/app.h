/*
 * The wizard's application state and main loop: the screen stack, the
 * one worker job that may run at a time, the status line and the modal
 * dialog. Only the main thread touches curses and this struct, except for
 * the fields marked as shared with the worker.
 */
#ifndef KVL_TUI_APP_H
#define KVL_TUI_APP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>

#include "core/arm.h"
#include "core/result.h"
#include "core/sink.h"
#include "flow/link.h"
#include "flow/listcache.h"
#include "flow/session.h"
#include "tui/layout.h"
#include "tui/screen.h"
#include "tui/theme.h"
#include "tui/tui.h"

#define TUI_STACK_MAX 16

struct tui_text;

typedef kvl_result (*tui_job_fn)(struct tui_app *app, void *arg,
				 struct kvl_error *err);
/* Gets the result of a background job; err is cleared afterwards. */
typedef void (*tui_job_done_fn)(struct tui_app *app, kvl_result result,
				const struct kvl_error *err);

/* A call to Azure running in a worker thread. */
struct tui_job {
	pthread_t thread;
	bool running;		/* started and not yet joined */
	atomic_bool done;	/* set by the worker as its last act */
	atomic_bool cancel;	/* set by Esc; read by the sink */
	int tag;
	char *label;		/* "Listing key vaults" */
	struct timespec started;	/* CLOCK_MONOTONIC */
	tui_job_fn run;
	void *arg;
	struct tui_app *app;
	kvl_result result;
	struct kvl_error err;
	/* The job's private copy of the environment, for a job that changes
	 * it (tui_app_start_env_job); NULL otherwise. */
	struct kvl_environment *env;
	/* Set for a background job (tui_app_start_background_job). */
	tui_job_done_fn background_done;
};

/* The choices of the link steps so far. The pointers refer to the state
 * of the steps below on the stack and are valid while those are. */
struct tui_link_choice {
	const struct kvl_subscription *subscription;
	/* Not NULL when the vault step searches all these subscriptions
	 * at once; subscription is then set once a vault is chosen. */
	const struct kvl_subscription *subscriptions;
	size_t n_subscriptions;
	const char *resource_group;	/* NULL: all resource groups */
	const struct kvl_vault *vault;
	struct kvl_link_plan *plan;
	bool consent;
};

enum tui_nav {
	TUI_NAV_NONE,
	TUI_NAV_PUSH,
	TUI_NAV_POP,
	TUI_NAV_POP_TO,
	TUI_NAV_RESET,		/* empty the stack, then push */
};

struct tui_app {
	struct kvl_session *session;
	struct tui_layout layout;
	const struct tui_screen *stack[TUI_STACK_MAX];
	size_t depth;
	enum tui_nav nav;
	const struct tui_screen *nav_target;

	struct tui_job job;
	/* Shared with the worker's sink callbacks, under lock. */
	pthread_mutex_t lock;
	char *device_message;	/* sanitised sign-in instructions */
	char *progress;		/* sanitised progress text */

	char *status;		/* last message, sanitised */
	enum tui_role status_role;
	char *dialog_title;
	char *dialog_text;
	struct tui_text *help;	/* the help overlay; NULL while closed */
	struct tui_text *intro;	/* the introduction; NULL while closed */
	char *context;		/* environment shown in the title bar */
	unsigned tick;		/* advances the spinner */
	bool quit;
	int exit_code;
	bool sandbox;
	struct tui_link_choice link;
	/* Subscriptions, resource groups and vaults listed so far; the
	 * link steps show these until r reloads one. */
	struct kvl_listcache lists;
	/* The health check in the background (check.c). */
	bool check_tried;	/* the check at start was started or skipped */
	unsigned check_serial;	/* bumped whenever a check has finished */
};

/* Navigation, applied by the main loop after the current callback. */
void tui_app_push(struct tui_app *app, const struct tui_screen *screen);
void tui_app_pop(struct tui_app *app);
void tui_app_pop_to(struct tui_app *app, const struct tui_screen *screen);
void tui_app_reset(struct tui_app *app, const struct tui_screen *screen);

/* Sets the status line (printf-style; the text is sanitised). */
void tui_app_status(struct tui_app *app, enum tui_role role,
		    const char *fmt, ...) KVL_PRINTF(3, 4);
/* Shows err (kvl_error_format, sanitised) in a dialog titled title. */
void tui_app_error(struct tui_app *app, const char *title,
		   const struct kvl_error *err);

/*
 * Shows text in an error dialog titled title, with the title on the
 * status line. Each '\n' starts a new line, and every line is sanitised
 * on its own.
 */
void tui_app_error_lines(struct tui_app *app, const char *title,
			 const char *text);

/*
 * Starts run(app, arg, err) in the worker thread; the current screen's
 * job_done gets tag and the result. Returns false (with the reason on
 * the status line) when a job is already running or no thread starts.
 */
bool tui_app_start_job(struct tui_app *app, int tag, const char *label,
		       tui_job_fn run, void *arg);
/*
 * Like tui_app_start_job, for a job that changes the environment: run
 * works on app->job.env, a private copy, so that the main thread can go
 * on drawing the session's environment. Collecting the job, whatever its
 * result, replaces the session's environment with the copy.
 */
bool tui_app_start_env_job(struct tui_app *app, int tag, const char *label,
			   tui_job_fn run, void *arg);
/*
 * Like tui_app_start_env_job, for a job that runs in the background: keys
 * keep going to the screens, the status line shows no spinner, and done
 * gets the result instead of a screen's job_done. Its copy of the
 * environment replaces the session's only when it succeeds. Starting any other job
 * first cancels a background job and waits for it (done sees
 * KVL_ERR_CANCELLED then).
 */
bool tui_app_start_background_job(struct tui_app *app, const char *label,
				  tui_job_fn run, tui_job_done_fn done);
/* Whether a job other than a background job runs. */
bool tui_app_busy(const struct tui_app *app);
/* Whether a background job runs. */
bool tui_app_background(const struct tui_app *app);
/* Cancels a running background job and waits for it; for screens that
 * are about to save the session's environment themselves. */
void tui_app_stop_background(struct tui_app *app);

/* Used by the main loop (job.c). */
long tui_job_elapsed(const struct tui_job *job);
void tui_job_collect(struct tui_app *app, bool wait);
void tui_job_free(struct tui_job *job);
/* Fills sink with callbacks that report to app from the worker. */
void tui_sink_fill(struct kvl_sink *sink, struct tui_app *app);

/* The signed-in principal, or NULL. */
const struct kvl_identity *tui_app_identity(const struct tui_app *app);

#endif
