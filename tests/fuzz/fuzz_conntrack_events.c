/* libFuzzer target: conntrack event messages (what the --events
 * subscription reads), decoded with nt_ct_event_parse (libnetfilter_conntrack's
 * nfct_nlmsg_parse on one message) and counted into a window with 2
 * counters per top list, so the lists overflow; the accounting's
 * invariants are checked. The input is a run of netlink messages; each
 * message's bytes are copied to a buffer of exactly its claimed length
 * (ASan sees any overread) when that length fits what is left. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>
#include "nt_conntrack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t seed[2] = { 0x0123456789abcdefull, 0xfedcba9876543210ull };
	struct nt_ct_evacc a;
	struct nt_ct_top top[4];
	struct nt_ct_event ev;
	uint64_t news = 0, destroys = 0, sum;
	size_t off = 0, i, n;
	double t = 0;

	if (nt_ct_evacc_init(&a, 2, 2, seed))
		return 0;
	while (size - off >= sizeof(struct nlmsghdr)) {
		struct nlmsghdr h;
		size_t len, step;
		void *m;

		memcpy(&h, data + off, sizeof(h));
		len = h.nlmsg_len;
		if (len < sizeof(h) || len > size - off)
			len = size - off; /* the parser must refuse the claim */
		if (!(m = malloc(len)))
			break;
		memcpy(m, data + off, len);
		if (nt_ct_event_parse(m, len, &ev) == 0) {
			news += ev.type == NT_CTEV_NEW;
			destroys += ev.type == NT_CTEV_DESTROY;
			nt_ct_evacc_add(&a, &ev, t);
			t += 0.7;
		}
		free(m);
		step = NLMSG_ALIGN(len);
		if (step == 0 || step > size - off)
			break;
		off += step;
	}
	nt_ct_evacc_finish(&a, 2.0);
	if (a.r.new_flows != news || a.r.destroyed != destroys)
		abort();
	if (a.r.peak_new_per_s > a.r.new_flows)
		abort();
	n = nt_ct_evacc_top(&a, NT_BY_SRC, top, 4);
	for (i = 0; i < n; i++)
		if (top[i].count > a.r.new_flows + top[i].err ||
		    (i && top[i].count > top[i - 1].count))
			abort();
	n = nt_ct_evacc_top(&a, NT_BY_PROTO, top, 4);
	for (i = 0, sum = 0; i < n; i++)
		sum += top[i].count;
	if (sum > a.r.new_flows)
		abort();
	(void)nt_ct_evacc_top(&a, NT_BY_DST, top, 4);
	nt_ct_evacc_free(&a);
	return 0;
}
