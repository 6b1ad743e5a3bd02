/* Unit tests: whole-file reads never cut silently (nt_read_file,
 * nt_read_file_grow and the conntrack /proc fallback on a machine with
 * many CPUs), and the one atomic writer (nt_write_atomic). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "nettriage.h"
#include "nt_conntrack.h"
#include "t.h"

static char dir[] = "/tmp/nt-files-XXXXXX";

static int put_file(const char *rel, const char *text, size_t len)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "w");
	if (!f)
		return -1;
	if (fwrite(text, 1, len, f) != len) {
		fclose(f);
		return -1;
	}
	return fclose(f);
}

static char *big_text(size_t n)
{
	char *t = malloc(n + 1);
	size_t i;

	for (i = 0; t && i < n; i++)
		t[i] = i % 61 == 60 ? '\n' : (char)('a' + i % 26);
	if (t)
		t[n] = '\0';
	return t;
}

static void test_read(void)
{
	char path[256], small[16], *buf = NULL, *t = big_text(300000);
	size_t cap = 0;
	long n;

	T_OK(t && put_file("big", t, 300000) == 0, "300 kB file written");
	snprintf(path, sizeof(path), "%s/big", dir);
	T_EQ_I(nt_read_file(path, small, sizeof(small)), -EFBIG,
	       "fixed buffer too small: -EFBIG, not a silent cut");
	put_file("fits", "0123456789abcde", 15);
	snprintf(path, sizeof(path), "%s/fits", dir);
	T_EQ_I(nt_read_file(path, small, sizeof(small)), 15, "exactly len - 1 bytes fit");
	T_STR(small, "0123456789abcde", "exact fit read whole");
	snprintf(path, sizeof(path), "%s/big", dir);
	n = nt_read_file_grow(path, &buf, &cap);
	T_EQ_I(n, 300000, "growing read: every byte (initial buffer 64 KiB)");
	T_OK(n == 300000 && !memcmp(buf, t, 300000) && buf[n] == '\0',
	     "growing read: bytes equal, NUL-terminated");
	T_OK(cap > 300000 && cap <= NT_READ_MAX, "buffer grew within the cap");
	n = nt_read_file_grow(path, &buf, &cap);
	T_EQ_I(n, 300000, "buffer reused for a second read");
	snprintf(path, sizeof(path), "%s/fits", dir);
	n = nt_read_file_grow(path, &buf, &cap);
	T_OK(n == 15 && !strcmp(buf, "0123456789abcde"), "shorter file after a longer one");
	T_EQ_I(nt_read_file_grow("/nonexistent/x", &buf, &cap), -ENOENT, "missing file: -ENOENT");
	free(buf);
	free(t);
}

/* /proc/net/stat/nf_conntrack of a 600-CPU machine (> 64 KiB, which the
 * old fallback read into a fixed 64 KiB buffer, dropping ~180 rows). */
static void test_conntrack_many_cpus(void)
{
	static const char hdr[] = "entries  clashres found new invalid ignore delete "
		"chainlength insert insert_failed drop early_drop icmp_error  expect_new "
		"expect_create expect_delete search_restart\n";
	struct nt_ct_sample x;
	char root[256], *text;
	size_t len = 0, cap = sizeof(hdr) + 600 * 160;
	int i, r;

	text = malloc(cap);
	T_OK(text != NULL, "buffer");
	if (!text)
		return;
	len += (size_t)snprintf(text + len, cap - len, "%s", hdr);
	for (i = 0; i < 600; i++)
		len += (size_t)snprintf(text + len, cap - len,
			"%08x  %08x %08x %08x %08x %08x %08x %08x %08x %08x %08x %08x %08x  "
			"%08x %08x %08x %08x\n", 5, 0, 1, 0, 0, 0, 0, 0, 2, 0, 1, 0, 0,
			0, 0, 0, 0);
	T_OK(len > 65536, "canned file is larger than 64 KiB (%zu bytes)", len);
	mkdir(strcat(strcpy(root, dir), "/net"), 0700);
	mkdir(strcat(strcpy(root, dir), "/net/stat"), 0700);
	mkdir(strcat(strcpy(root, dir), "/sys"), 0700);
	mkdir(strcat(strcpy(root, dir), "/sys/net"), 0700);
	mkdir(strcat(strcpy(root, dir), "/sys/net/netfilter"), 0700);
	put_file("net/stat/nf_conntrack", text, len);
	put_file("sys/net/netfilter/nf_conntrack_max", "262144\n", 7);
	put_file("sys/net/netfilter/nf_conntrack_count", "3000\n", 5);
	put_file("sys/net/netfilter/nf_conntrack_buckets", "65536\n", 6);
	setenv("NETTRIAGE_PROC", dir, 1);
	memset(&x, 0, sizeof(x));
	r = nt_ct_proc_collect(&x, false);
	unsetenv("NETTRIAGE_PROC");
	T_EQ_I(r, 0, "/proc fallback on 600 CPUs");
	T_EQ_U(x.ncpu, 600, "every CPU row kept");
	nt_ct_sample_free(&x);
	free(text);
}

struct chop {
	size_t max;    /* bytes per write at most */
	unsigned calls;
	size_t fail_after; /* fail with ENOSPC once this many bytes went out */
	size_t out;
};

static ssize_t chop_write(void *ctx, int fd, const void *buf, size_t len)
{
	struct chop *c = ctx;
	ssize_t w;

	if (++c->calls % 3 == 0) {
		errno = EINTR;
		return -1;
	}
	if (c->fail_after && c->out >= c->fail_after) {
		errno = ENOSPC;
		return -1;
	}
	w = write(fd, buf, len < c->max ? len : c->max);
	if (w > 0)
		c->out += (size_t)w;
	return w;
}

static void test_write(void)
{
	char sub[256], path[300], back[64], *t = big_text(5000), *buf = NULL;
	struct chop c = { 7, 0, 0, 0 };
	struct nt_write_ops ops = { chop_write, &c };
	size_t cap = 0;
	struct stat st;
	int fd;

	snprintf(sub, sizeof(sub), "%s/w", dir);
	mkdir(sub, 0700);
	snprintf(path, sizeof(path), "%s/out.prom", sub);
	T_EQ_I(nt_write_atomic(path, "a 1\n", 4, 0644, NT_WA_SYNC_DIR), 0, "write");
	T_OK(nt_read_file(path, back, sizeof(back)) == 4 && !strcmp(back, "a 1\n"), "content");
	T_OK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644, "mode 0644 as asked");
	/* stale temp files of crashed runs, in the old fixed-name patterns */
	snprintf(back, sizeof(back), "/.out.prom.%ld.tmp", (long)getpid());
	fd = open(strcat(strcpy(path, sub), back), O_WRONLY | O_CREAT, 0600);
	if (fd >= 0)
		close(fd);
	fd = open(strcat(strcpy(path, sub), "/.nettriage-prom.XXXXXX"), O_WRONLY | O_CREAT, 0600);
	if (fd >= 0)
		close(fd);
	snprintf(path, sizeof(path), "%s/out.prom", sub);
	T_EQ_I(nt_write_atomic(path, "b 2\n", 4, 0600, 0), 0, "stale temp files do not block");
	T_OK(nt_read_file(path, back, sizeof(back)) == 4 && !strcmp(back, "b 2\n"), "replaced");
	T_OK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "mode 0600 as asked");
	T_EQ_I(t_count_entries(sub), 3, "no new temp file left (target + 2 stale)");

	T_EQ_I(nt_write_atomic_ops(path, t, 5000, 0644, 0, &ops), 0,
	       "7-byte short writes and EINTR every third call");
	T_OK(c.calls > 700, "the writer was called many times (%u)", c.calls);
	T_OK(nt_read_file_grow(path, &buf, &cap) == 5000 && !memcmp(buf, t, 5000),
	     "every byte arrived in order");
	T_EQ_I(t_count_entries(sub), 3, "no temp file left after short writes");

	memset(&c, 0, sizeof(c));
	c.max = 100;
	c.fail_after = 1000;
	T_EQ_I(nt_write_atomic_ops(path, "xyz", 3, 0644, 0, &ops), 0, "short write ok");
	memset(&c, 0, sizeof(c));
	c.max = 100;
	c.fail_after = 1000;
	T_EQ_I(nt_write_atomic_ops(path, t, 5000, 0644, 0, &ops), -ENOSPC,
	       "a failing write (ENOSPC after 1000 bytes) is returned");
	T_OK(nt_read_file(path, back, sizeof(back)) == 3 && !strcmp(back, "xyz"),
	     "failure leaves the old file untouched");
	T_EQ_I(t_count_entries(sub), 3, "failure leaves no temp file");
	snprintf(path, sizeof(path), "%s/nodir/out.prom", sub);
	T_EQ_I(nt_write_atomic(path, "x", 1, 0644, 0), -ENOENT, "missing directory: -ENOENT");
	free(buf);
	free(t);
}

int main(void)
{
	char cmd[128];

	if (!mkdtemp(dir)) {
		printf("not ok - temp dir\n");
		return 1;
	}
	test_read();
	test_conntrack_many_cpus();
	test_write();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	T_EQ_I(system(cmd), 0, "cleanup");
	return T_DONE();
}
