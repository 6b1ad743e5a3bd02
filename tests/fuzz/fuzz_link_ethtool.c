/* libFuzzer target: the ethtool genetlink parsers of link
 * (nt_genl_parse_family over a walk, nt_link_parse_modes_buf and
 * applying the replies to a list of interfaces). The family id the
 * LINKMODES walk expects is 0x1c, as in the seeds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/genetlink.h>
#include "nt_link.h"
#include "nt_nl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fam_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nt_genl_parse_family(nlh, data);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nt_link_if v[3];
	struct nt_link_list l = { v, 3, 3, 0, 0 };
	struct nt_link_modes m = { 0 };
	uint16_t id = 0;
	struct nt_nl_walk w = { 0, 0, GENL_ID_CTRL, fam_cb, &id, 0, 0 };
	void *buf = malloc(size ? size : 1); /* exact size: ASan sees overreads */
	size_t i;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	memset(v, 0, sizeof(v));
	strcpy(v[0].name, "lo");
	v[0].ifindex = 1;
	strcpy(v[1].name, "eth0");
	v[1].ifindex = 2;
	strcpy(v[2].name, "eth1"); /* no ifindex: matched by name */
	(void)nt_nl_walk(buf, size, &w);
	(void)nt_link_parse_modes_buf(buf, size, 0x1c, &m);
	(void)nt_link_modes_apply(&l, &m);
	for (i = 0; i < m.n; i++)
		if (memchr(m.v[i].name, 0, sizeof(m.v[i].name)) == NULL)
			abort(); /* names stay terminated */
	for (i = 0; i < 3; i++) {
		bool spd = (v[i].avail >> NT_LINK_SPEED_BIT) & 1;

		/* a known speed is never 0 or SPEED_UNKNOWN */
		if (spd && (v[i].speed_mbps == 0 || v[i].speed_mbps == 0xffffffffu))
			abort();
		if (((v[i].avail >> NT_LINK_DUPLEX_BIT) & 1) &&
		    strcmp(v[i].duplex, "full") && strcmp(v[i].duplex, "half"))
			abort();
	}
	nt_link_modes_free(&m);
	free(buf);
	return 0;
}
