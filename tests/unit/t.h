/* Minimal TAP-style test helpers: "ok - name" / "not ok - name". */
#ifndef NT_T_H
#define NT_T_H

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static int t_failed;

#define T_OK(cond, ...) do { \
	int t_c_ = !!(cond); \
	printf("%s - ", t_c_ ? "ok" : "not ok"); \
	printf(__VA_ARGS__); \
	if (!t_c_) { printf("  [%s:%d: %s]", __FILE__, __LINE__, #cond); t_failed++; } \
	putchar('\n'); \
} while (0)

#define T_EQ_U(a, b, ...) do { \
	unsigned long long t_a_ = (a), t_b_ = (b); \
	T_OK(t_a_ == t_b_, __VA_ARGS__); \
	if (t_a_ != t_b_) printf("#   got %llu, want %llu\n", t_a_, t_b_); \
} while (0)

#define T_EQ_I(a, b, ...) do { \
	long long t_a_ = (a), t_b_ = (b); \
	T_OK(t_a_ == t_b_, __VA_ARGS__); \
	if (t_a_ != t_b_) printf("#   got %lld, want %lld\n", t_a_, t_b_); \
} while (0)

#define T_NEAR(a, b, eps, ...) do { \
	double t_a_ = (a), t_b_ = (b); \
	T_OK(fabs(t_a_ - t_b_) <= (eps), __VA_ARGS__); \
	if (!(fabs(t_a_ - t_b_) <= (eps))) printf("#   got %.17g, want %.17g\n", t_a_, t_b_); \
} while (0)

#define T_STR(a, b, ...) do { \
	const char *t_a_ = (a), *t_b_ = (b); \
	int t_e_ = t_a_ && t_b_ && !strcmp(t_a_, t_b_); \
	T_OK(t_e_, __VA_ARGS__); \
	if (!t_e_) printf("#   got:\n%s\n#   want:\n%s\n", t_a_ ? t_a_ : "(null)", t_b_ ? t_b_ : "(null)"); \
} while (0)

#define T_DONE() (t_failed ? 1 : 0)

/* Entries of a directory but . and .., or -1: to see that no temp file
 * was left behind. */
static inline int t_count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

#endif
