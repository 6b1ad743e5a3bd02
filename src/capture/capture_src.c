/* capture: the libpcap side. A file (pcap or pcapng, nanosecond
 * timestamps) or a live interface (pcap_create, a large buffer, TPACKET_V3
 * in bulk: no immediate mode), the BPF filter, -w, and the read loop that
 * feeds every frame to the decoder and the flow table.
 *
 * Snap length: the analysis needs the IP and TCP headers only. The
 * payload length comes from the IP length field and the TCP data offset
 * (nt_cap_pkt.seglen), never from the captured length, so a frame cut at
 * 256 bytes counts its whole segment; only -w, whose file is for
 * Wireshark, keeps whole frames (262144). A frame with caplen < len is
 * therefore normal and not "truncated": truncated is the decoder's
 * NT_CAPB_TRUNC, a header we need that the capture does not hold. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pcap/pcap.h>
#include "nettriage.h"
#include "capture_int.h"

#define BATCH 4096 /* frames per pcap_dispatch */
#define LIVE_TIMEOUT_MS 100 /* TPACKET_V3 block retire timeout */

static void limit_msg(const char *file, const char *msg, char *why, size_t len)
{
	/* libpcap reads one link type (and snap length) per file */
	if (strstr(msg, "an interface has a") && strstr(msg, "different from"))
		snprintf(why, len, "%s: pcapng interfaces of different link types or snap lengths: libpcap reads one per file (split it per interface): %s",
			 file, msg);
	else
		snprintf(why, len, "%s: not a capture file libpcap can read: %s", file, msg);
}

static int open_file(struct cap_src *s, const struct cap_opts *o, char *why, size_t len)
{
	char eb[PCAP_ERRBUF_SIZE] = "";
	FILE *fp;
	int e;

	/* opened here so a missing or unreadable file is strerror's words */
	fp = fopen(o->file, "rb");
	if (!fp) {
		e = errno;
		snprintf(why, len, "%s: %s", o->file, strerror(e));
		return -e;
	}
	s->pcap = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, eb);
	if (!s->pcap) {
		fclose(fp);
		limit_msg(o->file, eb, why, len);
		return -EINVAL;
	}
	s->nano = pcap_get_tstamp_precision(s->pcap) == PCAP_TSTAMP_PRECISION_NANO;
	return 0;
}

static int activate_err(pcap_t *p, int r, const char *iface, char *why, size_t len)
{
	switch (r) {
	case PCAP_ERROR_PERM_DENIED:
		snprintf(why, len, "%s: cannot capture: permission denied (needs CAP_NET_RAW: run as root or setcap cap_net_raw+ep nettriage)",
			 iface);
		return -EPERM;
	case PCAP_ERROR_NO_SUCH_DEVICE:
		snprintf(why, len, "%s: no such interface", iface);
		return -ENODEV;
	case PCAP_ERROR_IFACE_NOT_UP:
		snprintf(why, len, "%s: interface is down", iface);
		return -ENETDOWN;
	case PCAP_ERROR_PROMISC_PERM_DENIED:
		snprintf(why, len, "%s: promiscuous mode not permitted (needs CAP_NET_RAW)", iface);
		return -EPERM;
	default:
		snprintf(why, len, "%s: cannot capture: %s", iface, pcap_geterr(p));
		return -EIO;
	}
}

static int open_live(struct cap_src *s, const struct cap_opts *o, char *why, size_t len)
{
	char eb[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p;
	int r;

	p = pcap_create(o->iface, eb);
	if (!p) {
		snprintf(why, len, "%s: %s", o->iface, eb);
		return -ENODEV;
	}
	s->pcap = p;
	pcap_set_snaplen(p, (int)(o->snaplen ? o->snaplen :
				  o->wfile ? CAP_SNAP_FULL : CAP_SNAP_HEADERS));
	pcap_set_promisc(p, o->promisc);
	pcap_set_timeout(p, LIVE_TIMEOUT_MS);
	pcap_set_buffer_size(p, (int)(o->buffer_mib << 20));
	/* nanosecond stamps where the platform has them (Linux does) */
	s->nano = pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO) == 0;
	r = pcap_activate(p);
	if (r < 0)
		return activate_err(p, r, o->iface, why, len);
	if (s->nano)
		s->nano = pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO;
	if (pcap_setnonblock(p, 1, eb) < 0) {
		snprintf(why, len, "%s: non-blocking mode: %s", o->iface, eb);
		return -EIO;
	}
	s->live = true;
	return 0;
}

int nt_cap_src_open(struct cap_src *s, const struct cap_opts *o, char *why, size_t len)
{
	const char *name = o->file ? o->file : o->iface;
	const char *ln;
	struct bpf_program prog;
	int r;

	memset(s, 0, sizeof(*s));
	r = o->file ? open_file(s, o, why, len) : open_live(s, o, why, len);
	if (r)
		return r;
	s->dlt = pcap_datalink(s->pcap);
	ln = pcap_datalink_val_to_name(s->dlt);
	if (ln)
		snprintf(s->linktype, sizeof(s->linktype), "%s", ln);
	else
		snprintf(s->linktype, sizeof(s->linktype), "DLT_%d", s->dlt);
	if (!nt_cap_dlt_ok(s->dlt)) {
		snprintf(why, len, "%s: link type %s not supported (Ethernet, Linux cooked SLL/SLL2, raw IP, NULL, LOOP are)",
			 name, s->linktype);
		return -EPROTONOSUPPORT;
	}
	if (o->filter) {
		if (pcap_compile(s->pcap, &prog, o->filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
			snprintf(why, len, "bad filter \"%s\": %s", o->filter, pcap_geterr(s->pcap));
			return -EINVAL;
		}
		r = pcap_setfilter(s->pcap, &prog);
		pcap_freecode(&prog);
		if (r < 0) {
			snprintf(why, len, "filter \"%s\": %s", o->filter, pcap_geterr(s->pcap));
			return -EINVAL;
		}
	}
	if (o->wfile) {
		s->dumper = pcap_dump_open(s->pcap, o->wfile);
		if (!s->dumper) {
			snprintf(why, len, "-w %s: %s", o->wfile, pcap_geterr(s->pcap));
			return -EIO;
		}
	}
	return 0;
}

void nt_cap_src_close(struct cap_src *s)
{
	if (s->dumper)
		pcap_dump_close(s->dumper);
	if (s->pcap)
		pcap_close(s->pcap);
	memset(s, 0, sizeof(*s));
}

static void on_frame(u_char *arg, const struct pcap_pkthdr *h, const u_char *b)
{
	struct capture_st *x = (struct capture_st *)arg;
	struct nt_cap_pkt p;
	enum nt_cap_bad why = NT_CAPB_NONE;
	uint64_t ts;

	ts = (uint64_t)h->ts.tv_sec * 1000000000u +
	     (uint64_t)h->ts.tv_usec * (x->s.nano ? 1u : 1000u);
	if (x->o.file && x->o.seconds > 0 && x->sum.packets && ts > x->first_ns &&
	    (double)(ts - x->first_ns) / 1e9 > x->o.seconds) {
		x->stopped_by_time = true;
		pcap_breakloop(x->s.pcap);
		return;
	}
	if (x->s.dumper)
		pcap_dump((u_char *)x->s.dumper, h, b);
	if (!x->sum.packets || ts < x->first_ns)
		x->first_ns = ts;
	if (ts > x->last_ns)
		x->last_ns = ts;
	x->sum.packets++;
	if (nt_cap_decode(x->s.dlt, b, h->caplen, h->len, ts, &p, &why) < 0) {
		if (why == NT_CAPB_TRUNC)
			x->sum.truncated++;
		else if (why == NT_CAPB_LINK)
			x->sum.unsupported++;
		else
			x->sum.malformed++;
		return;
	}
	switch (p.kind) {
	case NT_CAPK_TCP:
		x->sum.tcp_packets++;
		nt_cap_table_add(&x->t, &p);
		break;
	case NT_CAPK_ICMP_ERR:
		x->sum.icmp_errors++;
		nt_cap_table_add(&x->t, &p);
		break;
	default:
		x->sum.other++;
		break;
	}
}

static int batch(const struct capture_st *x)
{
	if (x->o.count > 0 && x->o.count - (long)x->sum.packets < BATCH)
		return (int)(x->o.count - (long)x->sum.packets);
	return BATCH;
}

static bool enough(const struct capture_st *x)
{
	return x->o.count > 0 && (long)x->sum.packets >= x->o.count;
}

static int run_file(struct capture_st *x, char *why, size_t len)
{
	int n;

	for (;;) {
		if (nt_stop) {
			x->stopped = true;
			return 0;
		}
		if (enough(x) || x->stopped_by_time)
			return 0;
		n = pcap_dispatch(x->s.pcap, batch(x), on_frame, (u_char *)x);
		if (n == 0)
			return 0; /* end of file */
		if (n == PCAP_ERROR_BREAK)
			return 0;
		if (n < 0 && !strncmp(pcap_geterr(x->s.pcap), "truncated dump file", 19)) {
			/* the last frame is cut short (a capture killed while
			 * writing): what came before stands, that one is
			 * truncated, as tshark says "cut short" */
			x->sum.truncated++;
			x->file_cut = true;
			nt_note("capture", "%s: cut short after %llu frames (libpcap: %s): the last one counts as truncated",
				x->o.file, (unsigned long long)x->sum.packets, pcap_geterr(x->s.pcap));
			return 0;
		}
		if (n < 0) {
			limit_msg(x->o.file, pcap_geterr(x->s.pcap), why, len);
			return -EINVAL;
		}
	}
}

static int run_live(struct capture_st *x, char *why, size_t len)
{
	sigset_t old;
	double t0 = nt_now_mono(), end = x->o.seconds > 0 ? t0 + x->o.seconds : 0;
	int fd = pcap_get_selectable_fd(x->s.pcap), n, r = 0;

	if (fd < 0) {
		snprintf(why, len, "%s: no selectable descriptor", x->o.iface);
		return -EIO;
	}
	/* SIGINT/SIGTERM stay blocked between the nt_stop check and the
	 * wait; ppoll unblocks them atomically (conntrack events do the same) */
	nt_stops_block(&old);
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct timespec rel;
		double left = 0.1;

		if (nt_stop) {
			x->stopped = true;
			break;
		}
		if (enough(x))
			break;
		if (end) {
			left = end - nt_now_mono();
			if (left <= 0)
				break;
			if (left > 0.1)
				left = 0.1; /* the block timeout: see the ring often */
		}
		rel = nt_timespec_of(left);
		n = ppoll(&pfd, 1, &rel, &old);
		if (n < 0 && errno != EINTR) {
			r = -errno;
			snprintf(why, len, "%s: poll: %s", x->o.iface, strerror(-r));
			break;
		}
		/* the ring may hold frames even without POLLIN (block timeout) */
		do {
			n = pcap_dispatch(x->s.pcap, batch(x), on_frame, (u_char *)x);
		} while (n > 0 && !enough(x) && !nt_stop && (!end || nt_now_mono() < end));
		if (n < 0 && n != PCAP_ERROR_BREAK) {
			snprintf(why, len, "%s: %s", x->o.iface, pcap_geterr(x->s.pcap));
			r = -EIO;
			break;
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	x->duration_s = nt_now_mono() - t0;
	return r;
}

int nt_cap_src_run(struct capture_st *x, char *why, size_t len)
{
	struct pcap_stat ps;
	struct timespec now;
	int r;

	r = x->s.live ? run_live(x, why, len) : run_file(x, why, len);
	if (r)
		return r;
	if (x->s.live) {
		memset(&ps, 0, sizeof(ps));
		if (pcap_stats(x->s.pcap, &ps) == 0) {
			x->sum.dropped = ps.ps_drop;
			x->sum.avail |= 1u << CAP_AV_DROPPED;
			/* ps_ifdrop counts what the NIC dropped, which is only
			 * frames addressed to us unless promiscuous */
			if (x->o.promisc) {
				x->sum.if_dropped = ps.ps_ifdrop;
				x->sum.avail |= 1u << CAP_AV_IFDROPPED;
			}
		}
		clock_gettime(CLOCK_REALTIME, &now);
		nt_cap_table_finish(&x->t, (uint64_t)now.tv_sec * 1000000000u +
					   (uint64_t)now.tv_nsec);
	} else {
		x->duration_s = x->sum.packets ? (double)(x->last_ns - x->first_ns) / 1e9 : 0;
		nt_cap_table_finish(&x->t, x->last_ns);
	}
	if (x->s.dumper && pcap_dump_flush(x->s.dumper) < 0) {
		snprintf(why, len, "-w %s: %s", x->o.wfile, strerror(errno));
		return -EIO;
	}
	return 0;
}
