/*
 * Runs a fuzz target over saved inputs without libFuzzer, so that the
 * seeds and every regression input run in each plain make check (gcc
 * build). Arguments are files or directories of files; a directory that
 * does not exist counts as empty. Arguments starting with '-' are
 * libFuzzer options (-runs=0, say) and are ignored, so that one command
 * line replays inputs in both builds.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int read_whole(const char *path, uint8_t **data, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL, *grown;
	size_t cap = 0, len = 0, got;
	int rc = -1;

	if (f == NULL)
		return -1;
	do {
		if (len == cap) {
			cap = cap ? cap * 2 : 4096;
			grown = realloc(buf, cap);
			if (grown == NULL)
				goto out;
			buf = grown;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
	} while (got > 0);
	if (ferror(f))
		goto out;

	*data = buf;
	*size = len;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	fclose(f);
	return rc;
}

static int replay_file(const char *path)
{
	uint8_t *data = NULL;
	size_t size = 0;

	if (read_whole(path, &data, &size) != 0) {
		fprintf(stderr, "replay: cannot read '%s': %s\n", path,
			strerror(errno));
		return -1;
	}
	printf("replay: %s (%zu bytes)\n", path, size);
	fflush(stdout);
	LLVMFuzzerTestOneInput(data, size);
	free(data);
	return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Replays every regular file of dir in name order; returns the count, or
 * -1 when one cannot be read. */
static int replay_dir(const char *dir)
{
	struct dirent **names = NULL;
	char *path;
	int n = scandir(dir, &names, NULL, by_name), done = 0;

	if (n < 0)
		return errno == ENOENT ? 0 : -1;
	for (int i = 0; i < n; i++) {
		struct stat st;

		if (done >= 0 && names[i]->d_name[0] != '.' &&
		    asprintf(&path, "%s/%s", dir, names[i]->d_name) >= 0) {
			if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
				done = replay_file(path) == 0 ? done + 1 : -1;
			free(path);
		}
		free(names[i]);
	}
	free(names);
	return done;
}

int main(int argc, char **argv)
{
	struct stat st;
	int total = 0, n;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIRECTORY...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-')
			continue;
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
			n = replay_dir(argv[i]);
		else if (stat(argv[i], &st) != 0 && errno == ENOENT)
			n = 0;
		else
			n = replay_file(argv[i]) == 0 ? 1 : -1;
		if (n < 0)
			return 1;
		total += n;
	}
	printf("replay: %d inputs, no crash\n", total);
	return 0;
}
