/*
 * Filter latency per keystroke: fills the wizard's list widget
 * (src/tui/list.c) with 100,000 vault names and types queries into its
 * filter with tui_list_key, the function the wizard calls for each key,
 * then erases them with Backspace. Each call is timed with
 * CLOCK_MONOTONIC; drawing is left out. Prints "p50_ms p99_ms keys".
 *
 * Usage: filter_keys [ROWS]
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tui/list.h"
#include "tui/screen.h"

#define DEFAULT_ROWS 100000
#define MAX_SAMPLES 4096

static const char *const teams[] = {
	"payments", "billing", "identity", "search", "insights", "orders",
	"catalog", "shipping", "support", "analytics", "ledger", "mobile",
};
static const char *const stages[] = { "prod", "dev", "test", "stage" };
static const char *const regions[] = {
	"weu", "neu", "eus", "wus2", "uks", "sea",
};

/* Queries typed one key at a time: words, numbers, several terms and
 * one that matches nothing. */
static const char *const queries[] = {
	"payments", "kv-ord", "prod weu", "01234", "ledger test 7",
	"zzzz", "ship", "analytics-stage", "99", "mobile dev sea",
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void fill(struct tui_list *list, long rows)
{
	char name[96];
	long i;

	for (i = 0; i < rows; i++) {
		snprintf(name, sizeof(name), "kv-%s-%s-%s-%05ld",
			 teams[(size_t)i % 12], stages[(size_t)(i / 12) % 4],
			 regions[(size_t)(i / 48) % 6], i);
		if (!tui_list_add(list, name, false)) {
			fputs("filter_keys: out of memory\n", stderr);
			exit(1);
		}
	}
}

/* Sends one key and returns how long the list took for it. */
static double press(struct tui_list *list, wint_t ch)
{
	struct tui_key key = { .function = false, .ch = ch };
	double start = now_ms();

	(void)tui_list_key(list, &key);
	return now_ms() - start;
}

int main(int argc, char **argv)
{
	static double samples[MAX_SAMPLES];
	struct tui_list list;
	long rows = argc > 1 ? atol(argv[1]) : DEFAULT_ROWS;
	size_t n = 0, q, i;

	setlocale(LC_ALL, "");
	tui_list_init(&list);
	fill(&list, rows > 0 ? rows : DEFAULT_ROWS);
	(void)press(&list, '/');
	for (q = 0; q < sizeof(queries) / sizeof(queries[0]); q++) {
		size_t len = strlen(queries[q]);

		for (i = 0; i < len && n < MAX_SAMPLES; i++)
			samples[n++] = press(&list, (wint_t)queries[q][i]);
		for (i = 0; i < len && n < MAX_SAMPLES; i++)
			samples[n++] = press(&list, 127);
	}
	qsort(samples, n, sizeof(samples[0]), compare_doubles);
	printf("%.3f %.3f %zu\n", samples[n / 2],
	       samples[(n * 99 + 99) / 100 - 1], n);
	tui_list_clear(&list);
	return 0;
}
