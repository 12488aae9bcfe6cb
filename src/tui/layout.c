#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "core/buf.h"
#include "core/sanitize.h"
#include "tui/layout.h"

void tui_layout_compute(struct tui_layout *layout, int rows, int cols)
{
	memset(layout, 0, sizeof(*layout));
	layout->rows = rows;
	layout->cols = cols;
	layout->too_small = rows < TUI_MIN_ROWS || cols < TUI_MIN_COLS;
	if (layout->too_small)
		return;

	/* Row 1 stays blank to separate the title from the body. */
	layout->title_row = 0;
	layout->body_top = 2;
	layout->status_row = rows - 2;
	layout->status_rows = 1;
	layout->legend_row = rows - 1;
	layout->body_rows = layout->status_row - layout->body_top;
}

void tui_layout_status_rows(struct tui_layout *layout, int rows)
{
	int body = layout->body_rows + layout->status_rows - 1;
	int max = body / 3 + 1;

	if (layout->too_small)
		return;
	if (rows > max)
		rows = max;
	if (rows < 1)
		rows = 1;
	layout->status_rows = rows;
	layout->status_row = layout->legend_row - rows;
	layout->body_rows = layout->status_row - layout->body_top;
}

struct tui_rect tui_body_rect(const struct tui_layout *layout, int skip)
{
	struct tui_rect r;

	if (skip > layout->body_rows)
		skip = layout->body_rows;
	r.top = layout->body_top + skip;
	r.rows = layout->body_rows - skip;
	r.left = 1;
	r.cols = layout->cols - 2;
	return r;
}

size_t tui_scroll_top(size_t top, size_t selected, size_t count,
		      size_t height)
{
	if (height == 0 || count <= height)
		return 0;
	if (selected >= count)
		selected = count - 1;
	if (selected < top)
		top = selected;
	else if (selected >= top + height)
		top = selected - height + 1;
	if (top > count - height)
		top = count - height;
	return top;
}

void tui_columns_fit(int width, const int *wanted, const int *minimum,
		     size_t n, int gap, int *out)
{
	int total = 0;

	for (size_t i = 0; i < n; i++) {
		out[i] = wanted[i] > minimum[i] ? wanted[i] : minimum[i];
		total += out[i] + (i > 0 ? gap : 0);
	}

	while (total > width) {
		size_t widest = n;

		for (size_t i = 0; i < n; i++) {
			if (out[i] <= minimum[i])
				continue;
			if (widest == n || out[i] > out[widest])
				widest = i;
		}
		if (widest == n)
			break;	/* every column is at its minimum */
		out[widest]--;
		total--;
	}
}

static bool add_spaces(struct kvl_buf *buf, int count)
{
	for (int i = 0; i < count; i++) {
		if (!kvl_buf_add(buf, " ", 1))
			return false;
	}
	return true;
}

char *tui_format_row(const char *const *cells, const int *widths, size_t n,
		     int gap)
{
	struct kvl_buf buf;
	bool ok = true;

	kvl_buf_init(&buf);
	for (size_t i = 0; i < n && ok; i++) {
		char *cut = kvl_truncate_cols(cells[i] ? cells[i] : "",
					      (size_t)widths[i]);
		int used;

		if (cut == NULL) {
			ok = false;
			break;
		}
		used = (int)kvl_display_width(cut);
		ok = (i == 0 || add_spaces(&buf, gap)) &&
		     kvl_buf_adds(&buf, cut) &&
		     (i + 1 == n || add_spaces(&buf, widths[i] - used));
		free(cut);
	}

	if (!ok || !kvl_buf_add(&buf, "", 0)) {
		kvl_buf_clear(&buf);
		return NULL;
	}
	return kvl_buf_detach(&buf);
}

struct line_list {
	char **v;
	size_t n;
	size_t cap;
	bool failed;
};

static void line_push(struct line_list *list, const char *s, size_t len)
{
	char **grown;
	char *copy;

	if (list->failed)
		return;
	if (list->n == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 16;

		grown = realloc(list->v, cap * sizeof(*grown));
		if (grown == NULL) {
			list->failed = true;
			return;
		}
		list->v = grown;
		list->cap = cap;
	}
	copy = strndup(s, len);
	if (copy == NULL) {
		list->failed = true;
		return;
	}
	list->v[list->n++] = copy;
}

/* Bytes of s (valid UTF-8) that fit in cols columns; at least one
 * character so that wrapping always makes progress. */
static size_t bytes_for_cols(const char *s, int cols)
{
	mbstate_t st;
	size_t pos = 0;
	int used = 0;

	memset(&st, 0, sizeof(st));
	while (s[pos] != '\0') {
		wchar_t wc;
		size_t len = mbrtowc(&wc, s + pos, strlen(s + pos), &st);
		int w;

		if (len == (size_t)-1 || len == (size_t)-2 || len == 0)
			len = 1;
		w = wcwidth(wc);
		if (w < 0)
			w = 1;
		if (used + w > cols && pos > 0)
			break;
		used += w;
		pos += len;
	}
	return pos;
}

static void wrap_word(struct line_list *list, struct kvl_buf *line,
		      const char *word, int width)
{
	int wcols = (int)kvl_display_width(word);
	int lcols = line->len ? (int)kvl_display_width(line->data) : 0;

	if (lcols > 0 && lcols + 1 + wcols > width) {
		line_push(list, line->data, line->len);
		line->len = 0;
		line->data[0] = '\0';
		lcols = 0;
	}
	while (wcols > width) {
		size_t cut = bytes_for_cols(word, width);

		line_push(list, word, cut);
		word += cut;
		wcols = (int)kvl_display_width(word);
	}
	if (lcols > 0 && !kvl_buf_add(line, " ", 1))
		list->failed = true;
	if (!kvl_buf_adds(line, word))
		list->failed = true;
}

/* Wraps word, cut to TUI_WRAP_MAX_WORD_COLS with a "~" when it is wider,
 * so that one name from Azure cannot fill the screen. */
static void wrap_long_word(struct line_list *list, struct kvl_buf *line,
			   const char *word, int width)
{
	char *cut;

	if (kvl_display_width(word) <= TUI_WRAP_MAX_WORD_COLS) {
		wrap_word(list, line, word, width);
		return;
	}
	cut = kvl_truncate_cols(word, TUI_WRAP_MAX_WORD_COLS);
	if (cut == NULL) {
		list->failed = true;
		return;
	}
	wrap_word(list, line, cut, width);
	free(cut);
}

static void wrap_words(struct line_list *list, const char *para, int width)
{
	struct kvl_buf line;
	char *copy = strdup(para);
	char *save = NULL;
	char *word;

	kvl_buf_init(&line);
	if (copy == NULL || !kvl_buf_add(&line, "", 0)) {
		list->failed = true;
		goto out;
	}

	for (word = strtok_r(copy, " ", &save); word != NULL;
	     word = strtok_r(NULL, " ", &save))
		wrap_long_word(list, &line, word, width);
	line_push(list, line.data, line.len);

out:
	kvl_buf_clear(&line);
	free(copy);
}

/* Prefixes lines first.. of list with indent spaces. */
static void indent_lines(struct line_list *list, size_t first, int indent)
{
	for (size_t i = first; i < list->n && !list->failed; i++) {
		char *shifted = NULL;

		if (asprintf(&shifted, "%*s%s", indent, "", list->v[i]) < 0) {
			list->failed = true;
			break;
		}
		free(list->v[i]);
		list->v[i] = shifted;
	}
}

/* Wraps one line of text; its leading spaces indent every line it
 * wraps into, so that indented lists stay indented. */
static void wrap_paragraph(struct line_list *list, const char *para,
			   int width)
{
	int indent = (int)strspn(para, " ");
	size_t first = list->n;

	if (indent > width / 2)
		indent = width / 2;
	wrap_words(list, para + strspn(para, " "), width - indent);
	if (indent > 0)
		indent_lines(list, first, indent);
}

size_t tui_wrap(const char *text, int width, char ***lines)
{
	struct line_list list = { 0 };
	const char *p = text ? text : "";

	if (width < 1)
		width = 1;
	for (;;) {
		size_t len = strcspn(p, "\n");
		char *raw = strndup(p, len);
		char *clean = raw ? kvl_sanitize(raw) : NULL;

		if (clean == NULL)
			list.failed = true;
		else
			wrap_paragraph(&list, clean, width);
		free(raw);
		free(clean);
		if (p[len] == '\0' || list.failed)
			break;
		p += len + 1;
	}

	if (list.failed) {
		tui_lines_free(list.v, list.n);
		*lines = NULL;
		return 0;
	}
	*lines = list.v;
	return list.n;
}

void tui_lines_free(char **lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

/* Byte offset of the shortest end of s that is at most cols wide. */
static size_t tail_for_cols(const char *s, int cols)
{
	size_t pos = 0;

	while (s[pos] != '\0' && (int)kvl_display_width(s + pos) > cols) {
		pos++;
		while ((s[pos] & 0xC0) == 0x80)
			pos++;
	}
	return pos;
}

char *tui_cut_middle(const char *text, int cols)
{
	size_t head, tail;
	char *out = NULL;
	int head_cols;

	if (cols < 1)
		return strdup("");
	if ((int)kvl_display_width(text) <= cols)
		return strdup(text);
	if (cols < 3)
		return kvl_truncate_cols(text, (size_t)cols);

	/* The end usually names the current step, so it gets more room. */
	head_cols = (cols - 1) / 3;
	head = head_cols > 0 ? bytes_for_cols(text, head_cols) : 0;
	tail = tail_for_cols(text, cols - 1 - head_cols);
	if (asprintf(&out, "%.*s~%s", (int)head, text, text + tail) < 0)
		return NULL;
	return out;
}

struct tui_rect tui_dialog_rect(const struct tui_layout *layout,
				int text_rows)
{
	struct tui_rect r;
	int max_rows = layout->body_rows;

	/* Border on both sides plus a title line and a blank line. */
	r.rows = text_rows + 4;
	if (r.rows > max_rows)
		r.rows = max_rows;
	r.cols = layout->cols - 10;
	if (r.cols > 70)
		r.cols = 70;
	r.top = layout->body_top + (max_rows - r.rows) / 2;
	r.left = (layout->cols - r.cols) / 2;
	return r;
}
