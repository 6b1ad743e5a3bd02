/* Unit-test helper for layers (nt_layer.h): collect, and judge when b is
 * given, with stdout sent to a file that must stay empty (layers print
 * nothing below render). *printed: the bytes that reached stdout, -1 if
 * unknown. scratch: a directory for the file. Returns collect's result.
 * (test_conntrack_layer.c has the same helper of its own, and can use
 * this one.) */
#ifndef NT_T_LAYER_H
#define NT_T_LAYER_H

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include "nt_layer.h"

static inline int t_quiet_sample(const struct nt_layer *L, void *st,
				 struct nt_layer_ctx *c, const struct nt_baseline *b,
				 struct nt_verdicts *vs, const char *scratch,
				 long *printed)
{
	char path[512];
	struct stat sb;
	int fd, saved, r;

	snprintf(path, sizeof(path), "%s/stdout", scratch);
	fflush(stdout);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	saved = dup(STDOUT_FILENO);
	dup2(fd, STDOUT_FILENO);
	r = L->collect(st, c);
	if (!r && b) {
		nt_verdicts_reset(vs);
		L->judge(st, b, vs);
	}
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	*printed = fstat(fd, &sb) ? -1 : (long)sb.st_size;
	close(fd);
	return r;
}

#endif
