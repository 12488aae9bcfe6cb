/*
 * Helpers for the fuzz targets in this directory. Each target defines
 * LLVMFuzzerTestOneInput, the entry point that libFuzzer calls with one
 * input. In the plain build, replay.c calls it once per saved input.
 */
#ifndef KVL_FUZZ_H
#define KVL_FUZZ_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/jsonutil.h"
#include "core/result.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Copies the input into a NUL-terminated string for parsers that take
 * one; an embedded NUL ends the text early, as it would in a file. */
static inline char *kvl_fuzz_text(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	if (text == NULL)
		return NULL;
	memcpy(text, data, size);
	text[size] = '\0';
	return text;
}

/* Parses the input with the parser every Azure response goes through;
 * NULL when it is not JSON the core would accept. */
static inline json_object *kvl_fuzz_json(const uint8_t *data, size_t size)
{
	struct kvl_error err;
	json_object *obj = NULL;

	kvl_error_init(&err);
	if (kvl_json_parse((const char *)data, size, "fuzz input", &obj,
			   &err) != KVL_OK)
		obj = NULL;
	kvl_error_clear(&err);
	return obj;
}

/*
 * Checks the contract that every parser of outside data keeps: a failure
 * carries a message for the user. Aborts otherwise, so that libFuzzer
 * saves the input. Clears err for the next call.
 */
static inline void kvl_fuzz_check(kvl_result res, struct kvl_error *err,
				  const char *call)
{
	if (res != KVL_OK &&
	    (err->message == NULL || err->message[0] == '\0')) {
		fprintf(stderr, "%s failed (result %d) with no message\n",
			call, (int)res);
		abort();
	}
	kvl_error_clear(err);
}

/* Calls parse on each item of a list response ("value"), or on the
 * whole body when it has no such array. */
static inline void kvl_fuzz_each_item(const uint8_t *data, size_t size,
				      void (*parse)(json_object *item))
{
	json_object *body = kvl_fuzz_json(data, size);
	json_object *items = kvl_json_path(body, "value");

	if (items != NULL && json_object_is_type(items, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(items); i++)
			parse(json_object_array_get_idx(items, i));
	} else if (body != NULL) {
		parse(body);
	}
	json_object_put(body);
}

#endif
