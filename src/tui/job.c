#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/sanitize.h"
#include "i18n.h"
#include "tui/app.h"
#include "tui/term.h"

static void *job_main(void *arg)
{
	struct tui_job *job = arg;

	job->result = job->run(job->app, job->arg, &job->err);
	atomic_store(&job->done, true);
	/* The main loop then shows the result without waiting for its
	 * next tick. */
	tui_term_wake();
	return NULL;
}

bool tui_app_busy(const struct tui_app *app)
{
	return app->job.running && app->job.background_done == NULL;
}

bool tui_app_background(const struct tui_app *app)
{
	return app->job.running && app->job.background_done != NULL;
}

void tui_app_stop_background(struct tui_app *app)
{
	if (!tui_app_background(app))
		return;
	kvl_log("wizard: cancelling the background job for another one");
	atomic_store(&app->job.cancel, true);
	tui_job_collect(app, true);
}

bool tui_app_start_job(struct tui_app *app, int tag, const char *label,
		       tui_job_fn run, void *arg)
{
	struct tui_job *job = &app->job;
	int rc;

	tui_app_stop_background(app);
	if (job->running) {
		tui_app_status(app, TUI_ROLE_ERROR, "%s",
			       _("Wait for the current operation to finish, "
				 "or press Esc to cancel it."));
		return false;
	}

	free(job->label);
	job->label = kvl_sanitize(label);
	kvl_error_init(&job->err);
	job->tag = tag;
	job->run = run;
	job->arg = arg;
	job->app = app;
	job->result = KVL_OK;
	atomic_store(&job->done, false);
	atomic_store(&job->cancel, false);
	clock_gettime(CLOCK_MONOTONIC, &job->started);
	pthread_mutex_lock(&app->lock);
	free(app->progress);
	app->progress = NULL;
	pthread_mutex_unlock(&app->lock);

	rc = pthread_create(&job->thread, NULL, job_main, job);
	if (rc != 0) {
		tui_app_status(app, TUI_ROLE_ERROR,
			       _("could not start a worker thread: %s"),
			       strerror(rc));
		return false;
	}
	job->running = true;
	kvl_log("wizard: job %d started on '%s'", tag,
		app->depth > 0 ? app->stack[app->depth - 1]->breadcrumb : "-");
	if (job->background_done == NULL) {
		free(app->status);
		app->status = NULL;
	}
	return true;
}

/* Copies env through its JSON form, which keeps every member. */
static struct kvl_environment *env_copy(const struct kvl_environment *env,
					struct kvl_error *err)
{
	struct kvl_environment *copy = calloc(1, sizeof(*copy));
	json_object *doc = kvl_env_to_json(env);
	kvl_result rc;

	if (copy == NULL || doc == NULL) {
		kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
		goto fail;
	}
	rc = kvl_env_from_json(doc, copy, err);
	if (rc != KVL_OK)
		goto fail;
	json_object_put(doc);
	return copy;

fail:
	json_object_put(doc);
	free(copy);
	return NULL;
}

bool tui_app_start_env_job(struct tui_app *app, int tag, const char *label,
			   tui_job_fn run, void *arg)
{
	struct tui_job *job = &app->job;
	struct kvl_error err;

	tui_app_stop_background(app);
	if (job->running)
		return tui_app_start_job(app, tag, label, run, arg);

	kvl_error_init(&err);
	job->env = env_copy(&app->session->env, &err);
	if (job->env == NULL) {
		tui_app_error(app, _("Could not start the operation"), &err);
		kvl_error_clear(&err);
		return false;
	}
	if (tui_app_start_job(app, tag, label, run, arg))
		return true;
	kvl_env_clear(job->env);
	free(job->env);
	job->env = NULL;
	return false;
}

bool tui_app_start_background_job(struct tui_app *app, const char *label,
				  tui_job_fn run, tui_job_done_fn done)
{
	struct tui_job *job = &app->job;
	bool started;

	if (job->running)
		return false;
	/* Set first, so that tui_app_start_job neither stops this job nor
	 * clears the status line for it. */
	job->background_done = done;
	started = tui_app_start_env_job(app, 0, label, run, NULL);
	if (!started)
		job->background_done = NULL;
	return started;
}

/*
 * Puts the job's copy of the environment in the session's place. A
 * background job that failed saved nothing, while the main thread may
 * have read the environment again meanwhile, so its copy is dropped.
 */
static void env_swap_in(struct tui_app *app)
{
	struct tui_job *job = &app->job;

	if (job->env == NULL)
		return;
	if (job->background_done != NULL && job->result != KVL_OK) {
		kvl_env_clear(job->env);
	} else {
		kvl_env_clear(&app->session->env);
		app->session->env = *job->env;
	}
	free(job->env);
	job->env = NULL;
}

long tui_job_elapsed(const struct tui_job *job)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - job->started.tv_sec);
}

/*
 * Joins the worker once it has finished and hands the result to the
 * screen on top. With wait set, blocks until it finishes (the caller has
 * asked it to cancel).
 */
void tui_job_collect(struct tui_app *app, bool wait)
{
	struct tui_job *job = &app->job;
	const struct tui_screen *top;

	if (!job->running || (!wait && !atomic_load(&job->done)))
		return;
	pthread_join(job->thread, NULL);
	job->running = false;
	env_swap_in(app);
	kvl_log("wizard: job %d finished after %ld s: %s", job->tag,
		tui_job_elapsed(job), kvl_result_name(job->result));

	top = app->depth > 0 ? app->stack[app->depth - 1] : NULL;
	if (job->background_done != NULL) {
		tui_job_done_fn done = job->background_done;

		job->background_done = NULL;
		done(app, job->result, &job->err);
	} else if (!wait && top != NULL && top->job_done != NULL) {
		top->job_done(app, job->tag, job->result, &job->err);
	}
	kvl_error_clear(&job->err);
}

void tui_job_free(struct tui_job *job)
{
	free(job->label);
	job->label = NULL;
}

/* Sink callbacks; they run in the worker thread. */

static void sink_progress(void *ctx, const char *what)
{
	struct tui_app *app = ctx;
	char *clean = kvl_sanitize(what);

	pthread_mutex_lock(&app->lock);
	free(app->progress);
	app->progress = clean;
	pthread_mutex_unlock(&app->lock);
}

static void sink_message(void *ctx, enum kvl_level level, const char *text)
{
	(void)level;
	sink_progress(ctx, text);
}

static void sink_device_code(void *ctx, const char *message,
			     const char *user_code, const char *uri)
{
	struct tui_app *app = ctx;
	char *text = NULL;
	char *clean;

	if (message == NULL || message[0] == '\0') {
		if (asprintf(&text, _("To sign in, open %s in a browser and "
				      "enter the code %s."),
			     uri ? uri : "?", user_code ? user_code : "?") < 0)
			text = NULL;
		message = text;
	}
	clean = kvl_sanitize(message);
	pthread_mutex_lock(&app->lock);
	free(app->device_message);
	app->device_message = clean;
	pthread_mutex_unlock(&app->lock);
	free(text);
}

static bool sink_cancelled(void *ctx)
{
	struct tui_app *app = ctx;

	return atomic_load(&app->job.cancel);
}

void tui_sink_fill(struct kvl_sink *sink, struct tui_app *app)
{
	memset(sink, 0, sizeof(*sink));
	sink->progress = sink_progress;
	sink->message = sink_message;
	sink->device_code = sink_device_code;
	sink->cancelled = sink_cancelled;
	sink->ctx = app;
}
