/* Unit test for the --procs scan on a fake /proc tree (NETTRIAGE_PROC):
 * socket inodes found through /proc/PID/fd links, comm read, non-socket
 * links and non-pid entries ignored. */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "nt_tcp.h"
#include "t.h"

static char root[256];

static void mk(const char *rel)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	mkdir(p, 0755);
}

static void ln(const char *target, const char *rel)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if (symlink(target, p))
		perror(p);
}

static void put(const char *rel, const char *text)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	f = fopen(p, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

int main(void)
{
	struct nt_tcp_procscan ps;
	const struct nt_tcp_owner *o;
	uint32_t want[] = { 555, 777, 555, 999, 0 };
	char cmd[600];

	snprintf(root, sizeof(root), "/tmp/nt-tcp-procs-%d", (int)getpid());
	mkdir(root, 0700);
	mk("123"); mk("123/fd"); put("123/comm", "server\n");
	ln("socket:[555]", "123/fd/3");
	ln("/dev/null", "123/fd/0");
	ln("socket:[12345]", "123/fd/4");
	mk("456"); mk("456/fd"); put("456/comm", "client-with-a-very-long-name\n");
	ln("socket:[777]", "456/fd/7");
	ln("socket:[555]", "456/fd/8"); /* shared: first owner found wins */
	mk("self"); mk("net");          /* not pids */
	setenv("NETTRIAGE_PROC", root, 1);

	T_EQ_I(nt_tcp_procscan(want, 5, &ps), 0, "scan of a fake /proc");
	T_EQ_U(ps.n, 3, "inodes deduplicated, zero dropped");
	T_EQ_U(ps.nprocs, 2, "two pid directories");
	o = nt_tcp_owner_find(&ps, 777);
	T_OK(o && o->pid == 456, "inode 777 held by pid 456");
	T_OK(o && !strcmp(o->process, "client-with-a-very-"), "comm read and cut to the field");
	o = nt_tcp_owner_find(&ps, 555);
	T_OK(o && (o->pid == 123 || o->pid == 456), "inode 555 has an owner");
	o = nt_tcp_owner_find(&ps, 999);
	T_OK(o && o->pid == 0, "inode 999: no owner");
	T_OK(nt_tcp_owner_find(&ps, 12345) == NULL, "inodes not asked for are not kept");
	T_EQ_U(ps.n_unreadable, 0, "nothing unreadable");
	nt_tcp_procscan_free(&ps);

	setenv("NETTRIAGE_PROC", "/nonexistent-nettriage", 1);
	T_EQ_I(nt_tcp_procscan(want, 5, &ps), -ENOENT, "missing /proc: -ENOENT");
	unsetenv("NETTRIAGE_PROC");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd))
		return 1;
	return T_DONE();
}
