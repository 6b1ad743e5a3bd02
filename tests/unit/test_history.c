/* Unit tests: history file format, keys, and atomic save/load. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "nt_history.h"
#include "t.h"

#define HDR "nettriage-history 2\nboot b\nuid 0\nnetns cookie-1\ncommand link\n"

static void test_format(void)
{
	struct nt_hist h = { 0 }, g = { 0 };
	uint64_t v = 0;
	char *s;

	T_EQ_I(nt_hist_put(&h, "eth0", "rx_packets", 18446744073709551615ull), 0, "put");
	T_EQ_I(nt_hist_put(&h, "eth0", "ifindex", 2), 0, "put ifindex");
	T_EQ_I(nt_hist_put(&h, "bad name", "k", 1), -EINVAL, "subject with a space refused");
	T_EQ_I(nt_hist_put(&h, "x", "", 1), -EINVAL, "empty key refused");
	h.t = 123.5;
	s = nt_hist_format(&h, "b00t", 1000, "cookie-4097", "link");
	T_STR(s, "nettriage-history 2\nboot b00t\nuid 1000\nnetns cookie-4097\ncommand link\n"
	      "time 123.500000\neth0 rx_packets 18446744073709551615\neth0 ifindex 2\n",
	      "format");
	T_EQ_I(nt_hist_parse(s, "b00t", 1000, "cookie-4097", "link", &g), 0, "round trip");
	T_OK(nt_hist_get(&g, "eth0", "rx_packets", &v) && v == 18446744073709551615ull,
	     "u64 max survives");
	T_NEAR(g.t, 123.5, 1e-9, "time survives");
	nt_hist_free(&g);
	T_EQ_I(nt_hist_parse(s, "other", 1000, "cookie-4097", "link", &g), -ESTALE,
	       "other boot id: -ESTALE");
	T_EQ_I(nt_hist_parse(s, "b00t", 0, "cookie-4097", "link", &g), -ESTALE,
	       "other uid: -ESTALE");
	T_EQ_I(nt_hist_parse(s, "b00t", 1000, "cookie-1", "link", &g), -ESTALE,
	       "other netns: -ESTALE");
	T_EQ_I(nt_hist_parse(s, "b00t", 1000, "cookie-40970", "link", &g), -ESTALE,
	       "a key that extends ours: -ESTALE");
	T_EQ_I(nt_hist_parse(s, "b00t", 1000, "inode-4097", "link", &g), -ESTALE,
	       "inode key never matches a cookie key: -ESTALE");
	T_EQ_I(nt_hist_parse(s, "b00t", 1000, "cookie-4097", "tcp", &g), -ESTALE,
	       "other command: -ESTALE");
	free(s);
	T_EQ_I(nt_hist_parse("nettriage-history 1\nboot b\nuid 0\nnetns 1\ncommand link\n"
			     "time 1\nlo rx 1\n", "b", 0, "cookie-1", "link", &g), -ESTALE,
	       "version-1 file (bare inode key): -ESTALE, no baseline");
	T_EQ_I(nt_hist_parse(HDR "time 1\neth0 rx\n", "b", 0, "cookie-1", "link", &g), -EINVAL,
	       "line without a value: -EINVAL");
	T_EQ_I(nt_hist_parse(HDR "tim 1\n", "b", 0, "cookie-1", "link", &g), -EINVAL,
	       "missing time: -EINVAL");
	T_EQ_I(nt_hist_parse(HDR "time nan\neth0 rx 1\n", "b", 0, "cookie-1", "link", &g), -EINVAL,
	       "time nan: -EINVAL (NaN passed the t < 0 check)");
	T_EQ_I(nt_hist_parse(HDR "time inf\neth0 rx 1\n", "b", 0, "cookie-1", "link", &g), -EINVAL,
	       "time inf: -EINVAL");
	nt_hist_free(&h);
}

/* The key: cookie preferred, inode only as a labelled fallback, never a
 * key shared by every namespace. */
static void test_keys(void)
{
	struct nt_netns_id both = { 4097, 4026531833ull }, ino = { 0, 4026531833ull };
	struct nt_netns_id none = { 0, 0 }, self;
	char k[48];

	T_EQ_I(nt_netns_id_key(&both, k, sizeof(k)), 0, "key with a cookie");
	T_STR(k, "cookie-4097", "cookie preferred over the inode");
	T_STR(nt_netns_id_kind(&both), "netns_cookie", "kind netns_cookie");
	T_EQ_I(nt_netns_id_key(&ino, k, sizeof(k)), 0, "key without a cookie");
	T_STR(k, "inode-4026531833", "inode fallback");
	T_STR(nt_netns_id_kind(&ino), "netns_inode", "fallback labelled netns_inode");
	T_EQ_I(nt_netns_id_key(&none, k, sizeof(k)), -ENOKEY, "no identity: -ENOKEY");
	T_OK(nt_netns_id_kind(&none) == NULL, "no identity: no kind");
	T_EQ_I(nt_netns_id_key(&both, k, 8), -ENAMETOOLONG, "short buffer refused");
	T_EQ_I(nt_netns_id_self(&self), 0, "identity of our namespace");
	T_OK(self.inode != 0, "inode of our namespace known");
	/* SO_NETNS_COOKIE: Linux >= 5.14 (this project's machines run 6.x) */
	T_OK(self.cookie != 0, "cookie of our namespace known");
}

static void test_files(void)
{
	char dir[] = "/tmp/nt-hist-XXXXXX", sub[64], stale[256];
	struct nt_hist h = { 0 }, g = { 0 };
	struct nt_netns_id a = { 77, 4026532000ull }, b = { 78, 4026532000ull };
	struct nt_netns_id ia = { 0, 4026532000ull }, none = { 0, 0 };
	struct stat st;
	uint64_t v = 0;
	int fd;

	T_OK(mkdtemp(dir) != NULL, "temp dir");
	setenv("NETTRIAGE_STATE_DIR", dir, 1);
	T_EQ_I(nt_hist_load("link", &a, &g), -ENOENT, "no previous run: -ENOENT");
	nt_hist_put(&h, "lo", "rx_packets", 42);
	/* the old writer's fixed temp name, left by a crashed run whose PID
	 * we now have: it blocked every save with O_EXCL */
	snprintf(stale, sizeof(stale), "%s/link-%u-cookie-77.hist.%ld.tmp", dir,
		 (unsigned)getuid(), (long)getpid());
	fd = open(stale, O_WRONLY | O_CREAT, 0600);
	T_OK(fd >= 0, "stale temp file made");
	if (fd >= 0)
		close(fd);
	T_EQ_I(nt_hist_save("link", &a, &h), 0, "save despite a stale temp file");
	T_EQ_I(t_count_entries(dir), 2, "no temp file left beside the history and the stale one");
	snprintf(stale, sizeof(stale), "%s/link-%u-cookie-77.hist", dir, (unsigned)getuid());
	T_OK(stat(stale, &st) == 0 && (st.st_mode & 0777) == 0600, "history file is 0600");
	T_EQ_I(nt_hist_load("link", &a, &g), 0, "load");
	T_OK(nt_hist_get(&g, "lo", "rx_packets", &v) && v == 42, "value loaded");
	T_OK(g.t > 0, "boot time recorded");
	nt_hist_free(&g);
	T_EQ_I(nt_hist_load("link", &b, &g), -ENOENT,
	       "same (recycled) inode, other cookie: not this history");
	T_EQ_I(nt_hist_load("link", &ia, &g), -ENOENT,
	       "inode-keyed lookup never reads a cookie-keyed file");
	T_EQ_I(nt_hist_save("link", &none, &h), -ENOKEY, "no identity: save refused");
	T_EQ_I(nt_hist_load("link", &none, &g), -ENOKEY, "no identity: load refused");
	T_OK(strstr(nt_hist_strerror(-ENOKEY), "history is off") != NULL,
	     "no identity: the reason is said");

	snprintf(sub, sizeof(sub), "%s/open", dir);
	mkdir(sub, 0777);
	chmod(sub, 0777);
	setenv("NETTRIAGE_STATE_DIR", sub, 1);
	T_EQ_I(nt_hist_save("link", &a, &h), -EPERM, "world-writable state dir refused");
	rmdir(sub);
	unsetenv("NETTRIAGE_STATE_DIR");
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		T_EQ_I(system(cmd), 0, "cleanup");
	}
	nt_hist_free(&h);
}

int main(void)
{
	test_format();
	test_keys();
	test_files();
	return T_DONE();
}
