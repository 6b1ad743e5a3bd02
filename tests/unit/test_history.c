/* Unit tests: history file format, keys, and atomic save/load. */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "nt_history.h"
#include "t.h"

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
	s = nt_hist_format(&h, "b00t", 1000, 4026531833ull, "link");
	T_STR(s, "nettriage-history 1\nboot b00t\nuid 1000\nnetns 4026531833\ncommand link\n"
	      "time 123.500000\neth0 rx_packets 18446744073709551615\neth0 ifindex 2\n",
	      "format");
	T_EQ_I(nt_hist_parse(s, "b00t", 1000, 4026531833ull, "link", &g), 0, "round trip");
	T_OK(nt_hist_get(&g, "eth0", "rx_packets", &v) && v == 18446744073709551615ull,
	     "u64 max survives");
	T_NEAR(g.t, 123.5, 1e-9, "time survives");
	nt_hist_free(&g);
	T_EQ_I(nt_hist_parse(s, "other", 1000, 4026531833ull, "link", &g), -ESTALE,
	       "other boot id: -ESTALE");
	T_EQ_I(nt_hist_parse(s, "b00t", 0, 4026531833ull, "link", &g), -ESTALE,
	       "other uid: -ESTALE");
	T_EQ_I(nt_hist_parse(s, "b00t", 1000, 1, "link", &g), -ESTALE,
	       "other netns: -ESTALE");
	T_EQ_I(nt_hist_parse(s, "b00t", 1000, 4026531833ull, "tcp", &g), -ESTALE,
	       "other command: -ESTALE");
	free(s);
	T_EQ_I(nt_hist_parse("nettriage-history 1\nboot b\nuid 0\nnetns 1\ncommand link\n"
			     "time 1\neth0 rx\n", "b", 0, 1, "link", &g), -EINVAL,
	       "line without a value: -EINVAL");
	T_EQ_I(nt_hist_parse("nettriage-history 1\nboot b\nuid 0\nnetns 1\ncommand link\n"
			     "tim 1\n", "b", 0, 1, "link", &g), -EINVAL,
	       "missing time: -EINVAL");
	nt_hist_free(&h);
}

static void test_files(void)
{
	char dir[] = "/tmp/nt-hist-XXXXXX", sub[64];
	struct nt_hist h = { 0 }, g = { 0 };
	uint64_t v = 0;

	T_OK(mkdtemp(dir) != NULL, "temp dir");
	setenv("NETTRIAGE_STATE_DIR", dir, 1);
	T_EQ_I(nt_hist_load("link", 77, &g), -ENOENT, "no previous run: -ENOENT");
	nt_hist_put(&h, "lo", "rx_packets", 42);
	T_EQ_I(nt_hist_save("link", 77, &h), 0, "save");
	T_EQ_I(nt_hist_load("link", 77, &g), 0, "load");
	T_OK(nt_hist_get(&g, "lo", "rx_packets", &v) && v == 42, "value loaded");
	T_OK(g.t > 0, "boot time recorded");
	nt_hist_free(&g);
	T_EQ_I(nt_hist_load("link", 78, &g), -ENOENT, "another netns inode has its own file");

	snprintf(sub, sizeof(sub), "%s/open", dir);
	mkdir(sub, 0777);
	chmod(sub, 0777);
	setenv("NETTRIAGE_STATE_DIR", sub, 1);
	T_EQ_I(nt_hist_save("link", 77, &h), -EPERM, "world-writable state dir refused");
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
	test_files();
	return T_DONE();
}
