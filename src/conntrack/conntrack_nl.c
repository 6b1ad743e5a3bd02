/* conntrack collectors: ctnetlink requests and dumps, /proc fallback. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include "nettriage.h"
#include "nt_conntrack.h"
#include "nt_nl.h"

#define CT_TYPE(m) ((uint16_t)((NFNL_SUBSYS_CTNETLINK << 8) | (m)))
#define DUMP_BUF 32768

static struct nlmsghdr *put_req(char *buf, uint16_t msg, uint16_t flags,
				uint8_t family)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = CT_TYPE(msg);
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = family;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	return nlh;
}

static int stats_cb(const struct nlmsghdr *nlh, void *data)
{
	return nt_ct_parse_stats(nlh, data);
}

int nt_ct_nl_stats(struct nt_ct_summary *s)
{
	_Alignas(8) char req[256];
	struct nlmsghdr *nlh = put_req(req, IPCTNL_MSG_CT_GET_STATS, NLM_F_ACK,
				       AF_UNSPEC);
	struct nt_nl_walk w = { .type = CT_TYPE(IPCTNL_MSG_CT_GET_STATS),
				.cb = stats_cb, .data = s };
	int r = nt_nl_dump(NETLINK_NETFILTER, nlh, &w, NULL, 1, DUMP_BUF);

	if (r)
		return r;
	if (!((s->avail >> NT_CTA_COUNT) & 1) || !((s->avail >> NT_CTA_MAX) & 1))
		return -ENODATA;
	return 0;
}

static void cpu_reset(void *data)
{
	((struct nt_ct_sample *)data)->ncpu = 0;
}

int nt_ct_nl_stats_cpu(struct nt_ct_sample *x)
{
	_Alignas(8) char req[256];
	struct nlmsghdr *nlh = put_req(req, IPCTNL_MSG_CT_GET_STATS_CPU,
				       NLM_F_DUMP, AF_UNSPEC);
	struct nt_nl_walk w = { .type = CT_TYPE(IPCTNL_MSG_CT_GET_STATS_CPU),
				.cb = nt_ct_cpu_cb, .data = x };

	x->ncpu = 0;
	return nt_nl_dump(NETLINK_NETFILTER, nlh, &w, cpu_reset, 3, DUMP_BUF);
}

static void agg_reset(void *data)
{
	nt_ct_agg_reset(data);
}

struct nlmsghdr *nt_ct_dump_request(void *buf, const struct nt_ct_filter *f)
{
	struct nlmsghdr *nlh;

	memset(buf, 0, NT_CT_REQ_LEN);
	nlh = put_req(buf, IPCTNL_MSG_CT_GET, NLM_F_DUMP, f->family);
	/* Kernel-side filters (ctnetlink_start, ctnetlink_alloc_filter):
	 * family in nfgenmsg, mark and mask, zone, status and mask. Kernels
	 * that lack one ignore it; nt_ct_filter_match() checks every entry
	 * again. At most 4 + 4 + 2 + 4 + 4 bytes of payload, 5 headers:
	 * well inside NT_CT_REQ_LEN. */
	if (f->mark_set) {
		mnl_attr_put_u32(nlh, CTA_MARK, htonl(f->mark));
		mnl_attr_put_u32(nlh, CTA_MARK_MASK, htonl(f->mark_mask));
	}
	if (f->zone_set)
		mnl_attr_put_u16(nlh, CTA_ZONE, htons(f->zone));
	if (f->status_set) {
		mnl_attr_put_u32(nlh, CTA_STATUS, htonl(f->status));
		mnl_attr_put_u32(nlh, CTA_STATUS_MASK, htonl(f->status_mask));
	}
	return nlh;
}

int nt_ct_nl_dump(struct nt_ct_agg *a, double *dump_ms)
{
	_Alignas(8) char req[NT_CT_REQ_LEN];
	struct nlmsghdr *nlh = nt_ct_dump_request(req, &a->filter);
	struct nt_nl_walk w = { .type = CT_TYPE(IPCTNL_MSG_CT_NEW),
				.cb = nt_ct_entry_cb, .data = a };
	double t0;
	int r;

	t0 = nt_now_mono();
	r = nt_nl_dump(NETLINK_NETFILTER, nlh, &w, agg_reset, 3, DUMP_BUF);
	*dump_ms = (nt_now_mono() - t0) * 1000.0;
	return r;
}

static int read_sysctl(const char *name, uint64_t *v)
{
	char path[256], rel[96], buf[64];
	long n;

	snprintf(rel, sizeof(rel), "sys/net/netfilter/%s", name);
	n = nt_read_file(nt_proc_path(rel, path, sizeof(path)), buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	return nt_ct_parse_sysctl(buf, v);
}

int nt_ct_proc_collect(struct nt_ct_sample *x, bool only_buckets)
{
	struct nt_ct_summary *s = &x->s;
	char path[256], *text = NULL;
	size_t cap = 0;
	uint64_t v, entries;
	long n;
	int r;

	if (read_sysctl("nf_conntrack_buckets", &v) == 0) {
		s->buckets = v;
		s->avail |= 1ull << NT_CTA_BUCKETS;
	}
	if (only_buckets)
		return 0;
	r = read_sysctl("nf_conntrack_max", &v);
	if (r)
		return r;
	s->max = v;
	s->avail |= 1ull << NT_CTA_MAX;
	x->ncpu = 0;
	/* one row per CPU: grows with the machine, never cut short */
	n = nt_read_file_grow(nt_proc_path("net/stat/nf_conntrack", path, sizeof(path)),
			      &text, &cap);
	r = n < 0 ? (int)n : nt_ct_parse_procstat(text, x, &entries);
	free(text);
	if (r)
		return r;
	if (read_sysctl("nf_conntrack_count", &v) == 0) {
		s->count = v;
	} else if (entries != UINT64_MAX) {
		s->count = entries;
	} else {
		return -ENODATA;
	}
	s->avail |= 1ull << NT_CTA_COUNT;
	return 0;
}

const char *nt_ct_max_scope(void)
{
	char path[256];
	struct stat a, b, m;

	/* In the initial namespace the sysctl is writable by root anyway;
	 * in a child namespace it is writable only when the kernel keeps the
	 * maximum per namespace. thread-self: the namespace this thread
	 * collects in (after setns), not the process's first thread's. */
	if (stat("/proc/thread-self/ns/net", &a) || stat("/proc/1/ns/net", &b) ||
	    a.st_ino == b.st_ino)
		return "global";
	if (stat(nt_proc_path("sys/net/netfilter/nf_conntrack_max", path,
			      sizeof(path)), &m))
		return "global";
	return (m.st_mode & 0222) ? "netns" : "global";
}
