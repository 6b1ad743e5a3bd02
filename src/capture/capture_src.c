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
#include <unistd.h>
#include <sys/stat.h>
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

/* -w's file, opened while privileged (root may write where nobody may
 * not): without O_TRUNC first, so that -r's own file (the same device and
 * inode, also through a symlink or a hard link) is refused before a byte
 * of it is lost; "-" is standard output, as for tcpdump. */
static int open_wfile(struct cap_src *s, const struct cap_opts *o, char *why, size_t len)
{
	struct stat in, out;
	int fd, e;

	if (!strcmp(o->wfile, "-"))
		fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	else
		fd = open(o->wfile, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
	if (fd < 0 || fstat(fd, &out) < 0) {
		e = errno;
		if (fd >= 0)
			close(fd);
		snprintf(why, len, "-w %s: %s", o->wfile, strerror(e));
		return -e;
	}
	if (s->in && fstat(fileno(s->in), &in) == 0 &&
	    in.st_dev == out.st_dev && in.st_ino == out.st_ino) {
		close(fd);
		snprintf(why, len, "-w %s is the -r file %s (the same file): writing it would destroy the input (usage: give -w another file)",
			 o->wfile, o->file);
		return -EINVAL;
	}
	if (S_ISREG(out.st_mode) && ftruncate(fd, 0) < 0) {
		e = errno;
		close(fd);
		snprintf(why, len, "-w %s: %s", o->wfile, strerror(e));
		return -e;
	}
	s->wfp = fdopen(fd, "wb");
	if (!s->wfp) {
		e = errno;
		close(fd);
		snprintf(why, len, "-w %s: %s", o->wfile, strerror(e));
		return -e;
	}
	return 0;
}

/* -r's file, parsed only in nt_cap_src_start (after the drop) */
static int open_file(struct cap_src *s, const struct cap_opts *o, char *why, size_t len)
{
	int e;

	/* opened here so a missing or unreadable file is strerror's words */
	s->in = fopen(o->file, "rbe");
	if (!s->in) {
		e = errno;
		snprintf(why, len, "%s: %s", o->file, strerror(e));
		return -e;
	}
	return 0;
}

static int parse_file(struct cap_src *s, const struct cap_opts *o, char *why, size_t len)
{
	char eb[PCAP_ERRBUF_SIZE] = "";

	s->pcap = pcap_fopen_offline_with_tstamp_precision(s->in, PCAP_TSTAMP_PRECISION_NANO, eb);
	if (!s->pcap) {
		limit_msg(o->file, eb, why, len);
		return -EINVAL; /* s->in is still ours: nt_cap_src_close */
	}
	s->in = NULL; /* pcap_close closes it */
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

/* pcap_activate succeeded: a warning (r > 0) is said once; whether
 * promiscuous mode took effect is recorded. libpcap 1.10 returns 0 for
 * --promisc on "any" and only leaves its complaint in pcap_geterr. */
static void activate_ok(struct cap_src *s, const struct cap_opts *o, int r)
{
	pcap_t *p = s->pcap;
	bool any = !strcmp(o->iface, "any");

	s->activate_warning = r > 0 ? r : 0;
	s->promisc = o->promisc && !any && r != PCAP_WARNING_PROMISC_NOTSUP;
	if (r > 0)
		nt_note("capture", "%s: %s: %s%s", o->iface, pcap_statustostr(r), pcap_geterr(p),
			o->promisc && !s->promisc ? " (--promisc not in effect: if_dropped not counted)" : "");
	else if (o->promisc && any)
		nt_note("capture", "%s: --promisc not in effect: %s (if_dropped not counted)",
			o->iface, pcap_geterr(p)[0] ? pcap_geterr(p) : "libpcap has no promiscuous mode on \"any\"");
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
	activate_ok(s, o, r);
	if (s->nano)
		s->nano = pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO;
	if (pcap_setnonblock(p, 1, eb) < 0) {
		snprintf(why, len, "%s: non-blocking mode: %s", o->iface, eb);
		return -EIO;
	}
	s->live = true;
	return 0;
}

/* the link type, and the filter compiled and set on the handle */
static int link_and_filter(struct cap_src *s, const struct cap_opts *o, char *why, size_t len)
{
	const char *name = o->file ? o->file : o->iface;
	const char *ln;
	struct bpf_program prog;
	int r;

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
	if (!o->filter)
		return 0;
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
	return 0;
}

int nt_cap_src_acquire(struct cap_src *s, const struct cap_opts *o, char *why, size_t len)
{
	int r;

	memset(s, 0, sizeof(*s));
	/* live: the handle and its filter while privileged; a file: only
	 * opened, its bytes are read in nt_cap_src_start */
	r = o->file ? open_file(s, o, why, len) : open_live(s, o, why, len);
	if (!r && !o->file)
		r = link_and_filter(s, o, why, len);
	if (!r && o->wfile)
		r = open_wfile(s, o, why, len);
	return r;
}

int nt_cap_src_start(struct cap_src *s, const struct cap_opts *o, char *why, size_t len)
{
	int r;

	if (s->started)
		return 0;
	if (o->file && !s->pcap) {
		if (!s->in) {
			snprintf(why, len, "%s: capture not open", o->file);
			return -EBADF;
		}
		r = parse_file(s, o, why, len);
		if (!r)
			r = link_and_filter(s, o, why, len);
		if (r)
			return r;
	}
	if (s->wfp) {
		s->dumper = pcap_dump_fopen(s->pcap, s->wfp);
		if (!s->dumper) {
			snprintf(why, len, "-w %s: %s", o->wfile, pcap_geterr(s->pcap));
			return -EIO;
		}
	}
	s->started = true;
	return 0;
}

int nt_cap_src_open(struct cap_src *s, const struct cap_opts *o, char *why, size_t len)
{
	int r = nt_cap_src_acquire(s, o, why, len);

	return r ? r : nt_cap_src_start(s, o, why, len);
}

/* -w's file flushed and closed by us, not pcap_dump_close (which drops
 * fclose's result): pcap_dump_fopen's dumper is our FILE * itself
 * (pcap_dump_file), so nothing of libpcap's is left behind. A write that
 * failed earlier (ENOSPC, EIO) is sticky in ferror. 0 or -errno. */
static int close_wfile(struct cap_src *s)
{
	FILE *fp = s->wfp;
	int e = 0;

	if (!fp)
		return 0;
	if (s->dumper)
		fp = pcap_dump_file(s->dumper);
	s->dumper = NULL;
	s->wfp = NULL;
	errno = 0;
	if (fflush(fp) != 0 || ferror(fp))
		e = s->werr ? s->werr : errno ? errno : EIO;
	if (fclose(fp) != 0 && !e)
		e = errno ? errno : EIO;
	return -e;
}

void nt_cap_src_close(struct cap_src *s)
{
	close_wfile(s);
	if (s->pcap)
		pcap_close(s->pcap);
	if (s->in)
		fclose(s->in);
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
	/* -r with -t: SEC seconds of capture time from the first frame's
	 * stamp (a frame stamped earlier, out of order, still counts) */
	if (x->o.file && x->o.seconds > 0) {
		if (!x->s.have_t0) {
			x->s.t0_ns = ts;
			x->s.have_t0 = true;
		} else if (ts > x->s.t0_ns && (double)(ts - x->s.t0_ns) / 1e9 > x->o.seconds) {
			x->stopped_by_time = true;
			pcap_breakloop(x->s.pcap);
			return;
		}
	}
	if (x->s.dumper) {
		pcap_dump((u_char *)x->s.dumper, h, b);
		/* the first failed write ends the run (an error, exit 3):
		 * its errno now, before anything else overwrites it */
		if (ferror_unlocked(x->s.wfp)) {
			x->s.werr = errno ? errno : EIO;
			pcap_breakloop(x->s.pcap);
			return;
		}
	}
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
		if (enough(x) || x->s.werr)
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
			 * frames addressed to us unless promiscuous: counted
			 * only when promiscuous mode took effect */
			if (x->s.promisc) {
				x->sum.if_dropped = ps.ps_ifdrop;
				x->sum.avail |= 1u << CAP_AV_IFDROPPED;
			}
		} else {
			x->s.stats_failed = true;
			snprintf(x->s.stats_err, sizeof(x->s.stats_err), "%s", pcap_geterr(x->s.pcap));
			nt_note("capture", "%s: pcap_stats: %s: no drop counts", x->o.iface,
				x->s.stats_err);
		}
		clock_gettime(CLOCK_REALTIME, &now);
		nt_cap_table_finish(&x->t, (uint64_t)now.tv_sec * 1000000000u +
					   (uint64_t)now.tv_nsec);
	} else {
		x->duration_s = x->sum.packets ? (double)(x->last_ns - x->first_ns) / 1e9 : 0;
		nt_cap_table_finish(&x->t, x->last_ns);
	}
	/* a -w file that is not whole is an error, not a note: exit 3 */
	r = close_wfile(&x->s);
	if (r) {
		snprintf(why, len, "-w %s: %s", x->o.wfile, strerror(-r));
		return r;
	}
	return 0;
}
