/* link: interface counters from rtnetlink (model, parser, collector). */
#ifndef NT_LINK_H
#define NT_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>
#include "nt_output.h"

/* Every field of struct rtnl_link_stats64, in the kernel's order, so a
 * payload of any length copies straight in (zero-fill when short).
 * X(name, title, default-column, help) */
#define NT_LINK_STATS(X) \
	X(rx_packets, "RX-PKT", 1, "Packets received") \
	X(tx_packets, "TX-PKT", 1, "Packets transmitted") \
	X(rx_bytes, "RX-BYTES", 0, "Bytes received") \
	X(tx_bytes, "TX-BYTES", 0, "Bytes transmitted") \
	X(rx_errors, "RX-ERR", 1, "Receive errors (all causes)") \
	X(tx_errors, "TX-ERR", 1, "Transmit errors (all causes)") \
	X(rx_dropped, "RX-DROP", 1, "Received packets dropped by the host (no handler, backlog full, filtering)") \
	X(tx_dropped, "TX-DROP", 1, "Packets dropped on transmit (queue full, no carrier, no route to device)") \
	X(multicast, "MCAST", 0, "Multicast packets received") \
	X(collisions, "COLL", 0, "Collisions (half duplex)") \
	X(rx_length_errors, "RX-LEN", 0, "Frames with a bad length") \
	X(rx_over_errors, "RX-OVR", 1, "Receive ring overruns") \
	X(rx_crc_errors, "RX-CRC", 1, "Frames with a bad CRC") \
	X(rx_frame_errors, "RX-FRM", 0, "Frame alignment errors") \
	X(rx_fifo_errors, "RX-FIFO", 0, "Receive FIFO overruns") \
	X(rx_missed_errors, "RX-MISS", 1, "Frames missed by the host (NIC ring full)") \
	X(tx_aborted_errors, "TX-ABRT", 0, "Transmissions aborted") \
	X(tx_carrier_errors, "TX-CARR", 1, "Carrier errors on transmit") \
	X(tx_fifo_errors, "TX-FIFO", 0, "Transmit FIFO errors") \
	X(tx_heartbeat_errors, "TX-HB", 0, "Heartbeat errors") \
	X(tx_window_errors, "TX-WIN", 0, "Late collisions") \
	X(rx_compressed, "RX-CMP", 0, "Compressed packets received") \
	X(tx_compressed, "TX-CMP", 0, "Compressed packets transmitted") \
	X(rx_nohandler, "RX-NOHDL", 0, "Packets dropped on an inactive device with no exact-match handler (e.g. inactive bond slave)") \
	X(rx_otherhost_dropped, "RX-OTHER", 0, "Packets dropped as addressed to another host")

enum nt_link_stat {
#define NT_X(n, t, d, h) NT_LS_##n,
	NT_LINK_STATS(NT_X)
#undef NT_X
	NT_LS_COUNT
};

/* Extra counters that are not in rtnl_link_stats64. */
enum { NT_LX_CARRIER_CHANGES = NT_LS_COUNT, NT_LX_CARRIER_UP, NT_LX_CARRIER_DOWN,
       NT_LX_COUNT };

/* Rates and ratios computed between two samples. */
enum { NT_LR_RX_ERR_RATIO = NT_LX_COUNT, NT_LR_TX_ERR_RATIO, NT_LR_RX_DROP_RATIO,
       NT_LR_TX_DROP_RATIO, NT_LR_COUNT };

/* Availability bits: counter i is bit i; its delta is bit DELTA_BIT + i. */
#define NT_LINK_DELTA_BIT 32
/* Speed and duplex (ethtool netlink or sysfs): bits between the counters
 * and their deltas. */
#define NT_LINK_SPEED_BIT 28
#define NT_LINK_DUPLEX_BIT 29
/* IFLA_INFO_KIND present (kind[]); framing_bytes known (a netlink
 * source: ifi_type and IFLA_LINKINFO were there to look at). */
#define NT_LINK_KIND_BIT 30
#define NT_LINK_FRAMING_BIT 31
/* Ethernet bytes on the wire per frame that rx/tx_bytes leave out:
 * preamble + SFD (8), FCS (4), inter-frame gap (12). */
#define NT_LINK_ETH_FRAMING 24
/* Interface attributes that /proc/net/dev does not give. */
#define NT_LINK_IFINDEX_BIT 60
#define NT_LINK_MTU_BIT 61
#define NT_LINK_OPER_BIT 62
#define NT_LINK_CARRIER_BIT 63
_Static_assert(NT_LX_COUNT <= NT_LINK_SPEED_BIT &&
	       NT_LINK_DUPLEX_BIT < NT_LINK_KIND_BIT &&
	       NT_LINK_FRAMING_BIT < NT_LINK_DELTA_BIT &&
	       NT_LX_COUNT <= NT_LINK_DELTA_BIT &&
	       NT_LINK_DELTA_BIT + NT_LX_COUNT <= NT_LINK_IFINDEX_BIT,
	       "availability bits overlap");

struct nt_link_if {
	char name[IFNAMSIZ];
	uint32_t ifindex;
	uint32_t mtu;
	char operstate[16];     /* "up", "down", "lowerlayerdown", ... */
	bool carrier;
	uint32_t speed_mbps;    /* bit NT_LINK_SPEED_BIT: known (not 0, not
				 * SPEED_UNKNOWN) */
	char duplex[8];         /* "full", "half"; bit NT_LINK_DUPLEX_BIT */
	uint16_t arphrd;        /* ifi_type (ARPHRD_*), netlink only */
	char kind[16];          /* IFLA_INFO_KIND ("veth", "bridge", ...):
				 * a virtual device; bit NT_LINK_KIND_BIT.
				 * Physical NICs have none. */
	uint32_t framing_bytes; /* per-frame bytes the utilization adds:
				 * NT_LINK_ETH_FRAMING for ARPHRD_ETHER
				 * without a kind (a real wire), else 0;
				 * bit NT_LINK_FRAMING_BIT */
	uint64_t avail;         /* bit i set: counter i was reported */
	uint64_t c[NT_LX_COUNT];  /* counters: stats64 then carrier counts */
	/* Filled by nt_link_rates(): per-second rates for every counter, and
	 * error/drop ratios (percent of packets); NaN when not computable. */
	double rate[NT_LR_COUNT];
	/* rx/tx bits per second over the baseline / speed, percent; NaN
	 * when the speed is unknown or there is no baseline. */
	double rx_util_pct, tx_util_pct;
	uint64_t delta[NT_LX_COUNT]; /* counter deltas; valid when rates are */
	bool reset;             /* re-created or counters went backwards */
	bool have_stats;        /* IFLA_STATS64 or IFLA_STATS present */
	bool mode_seen;         /* an ethtool LINKMODES reply was applied
				 * (even one with unknown speed) */
};

struct nt_link_list {
	struct nt_link_if *v;
	size_t n, cap;
	unsigned intr;          /* NLM_F_DUMP_INTR seen */
	unsigned skipped;       /* messages ignored (not RTM_NEWLINK, short) */
};

void nt_link_list_free(struct nt_link_list *l);
/* Append a zeroed interface; NULL on ENOMEM. */
struct nt_link_if *nt_link_list_add(struct nt_link_list *l);

/* Parse one RTM_NEWLINK message into *out (zeroed first). The message is
 * borrowed; nothing points into it afterwards. Returns 0, or -EINVAL for a
 * message too short for its header or not RTM_NEWLINK, -EBADMSG for a
 * malformed attribute. */
struct nlmsghdr;
int nt_link_parse_msg(const struct nlmsghdr *nlh, struct nt_link_if *out);

/* nt_nl_walk callback: parse one RTM_NEWLINK and append it to the
 * struct nt_link_list at data. */
int nt_link_msg_cb(const struct nlmsghdr *nlh, void *data);

/* Parse a buffer of netlink messages (one recv() of a dump) with libmnl's
 * callback runner, appending interfaces to l. seq/portid 0 skip checks.
 * Returns 1 to continue, 0 at NLMSG_DONE, or
 * -errno (error message from the kernel, malformed data, ENOMEM). */
int nt_link_parse_buf(const void *buf, size_t len, uint32_t seq,
		      uint32_t portid, struct nt_link_list *l);

/* Collect every interface of the current network namespace: one
 * RTM_GETLINK dump, retried on NLM_F_DUMP_INTR. Returns 0 or -errno. */
int nt_link_dump(struct nt_link_list *l);

/* Fallback: parse /proc/net/dev text. Fields that file lumps together are
 * marked unavailable. Returns 0 or -EINVAL. */
int nt_link_parse_procnetdev(const char *text, struct nt_link_list *l);

/* Compute rates of cur against prev over dt seconds, matching by name.
 * A changed ifindex or any counter going down marks cur->reset and leaves
 * rates NaN. Interfaces with no previous sample get NaN rates. */
void nt_link_rates(struct nt_link_list *cur, const struct nt_link_list *prev,
		   double dt);

/* Deltas of cur vs prev for one interface; false if no usable baseline. */
const struct nt_link_if *nt_link_find(const struct nt_link_list *l,
				      const char *name);

/* Thresholds (percent). NaN disables. */
struct nt_link_thresholds {
	double warn_errors, crit_errors;
	double warn_drops, crit_drops; /* warn_drops 0 = any rise */
	double warn_util, crit_util;   /* utilization, >= */
	unsigned long warn_flaps;      /* carrier changes in the interval, >= */
};
void nt_link_thresholds_default(struct nt_link_thresholds *t);

/* Verdicts for cur vs a baseline (prev may be NULL: since-boot totals). */
void nt_link_verdicts(const struct nt_link_list *cur,
		      const struct nt_link_list *prev,
		      const struct nt_link_thresholds *t,
		      struct nt_verdicts *vs,
		      const char *since_prev);
/* since_prev: how the reasons name the span since prev ("over the
 * interval", "since the previous run"); NULL: "over the interval". */

/* Carrier changes a device's creation explains, of cc since-creation
 * changes (down and up counts when updown): at most one down (a new
 * device starts without carrier) and one up (it gets it). After a reset
 * to a new device (ifindex changed, carrier counters went down) only the
 * changes beyond these are judged by link.carrier and link.flapping. */
uint64_t nt_link_creation_changes(uint64_t cc, bool updown, uint64_t down,
				  uint64_t up);

/* Utilization in percent of bits at speed_mbps: (bytes + packets *
 * framing) * 8 / dt over speed * 10^6, times 100. NaN when speed is 0 or
 * dt is not positive. */
double nt_link_util_pct(uint64_t bytes, uint64_t packets, uint32_t framing,
			double dt, uint32_t speed_mbps);

/* The framing bytes for a device of ifi_type arphrd with IFLA_INFO_KIND
 * kind ("" or NULL: none): NT_LINK_ETH_FRAMING for ARPHRD_ETHER without
 * a kind, 0 otherwise (loopback, tun, veth, bridge, vxlan...). */
uint32_t nt_link_framing(uint16_t arphrd, const char *kind);

/* --- speed and duplex: ethtool netlink (generic netlink family "ethtool"),
 * sysfs fallback. --- */

/* One ETHTOOL_MSG_LINKMODES_GET reply, as parsed. */
struct nt_link_mode {
	uint32_t ifindex;       /* ETHTOOL_A_HEADER_DEV_INDEX; 0: absent */
	char name[IFNAMSIZ];    /* ETHTOOL_A_HEADER_DEV_NAME; "": absent */
	bool have_speed, have_duplex; /* attribute present */
	uint32_t speed;         /* Mb/s as sent (SPEED_UNKNOWN kept) */
	uint8_t duplex;         /* DUPLEX_HALF 0, FULL 1, UNKNOWN 0xff */
};

/* Parse a CTRL_CMD_NEWFAMILY reply message: its CTRL_ATTR_FAMILY_ID into
 * *id. 0; -EINVAL not a reply of GENL_ID_CTRL; -EBADMSG malformed;
 * -ENOENT no family id in it. */
int nt_genl_parse_family(const struct nlmsghdr *nlh, uint16_t *id);

/* Parse one ETHTOOL_MSG_LINKMODES_GET_REPLY (genlmsghdr, then attributes,
 * the header nested) of family id fam into *out (zeroed first). 0;
 * -EINVAL wrong type or command, too short; -EBADMSG malformed attribute. */
int nt_link_parse_linkmodes(const struct nlmsghdr *nlh, uint16_t fam,
			    struct nt_link_mode *out);

/* The replies of one dump, kept so the dump can run beside RTM_GETLINK's
 * (in a thread) and be applied once both are in. */
struct nt_link_modes {
	struct nt_link_mode *v;
	size_t n, cap;
};
void nt_link_modes_free(struct nt_link_modes *m);

/* Apply one parsed reply to the interface of the same ifindex (or name,
 * when either has no ifindex) in l; hint is where to look first (updated:
 * replies come in ifindex order, like RTM_GETLINK's). Unknown speed (0,
 * SPEED_UNKNOWN) and duplex (not 0 or 1) are left unavailable. Returns
 * true when an interface took it. */
bool nt_link_mode_apply(struct nt_link_list *l, const struct nt_link_mode *m,
			size_t *hint);
/* All of them; returns how many interfaces took one. */
size_t nt_link_modes_apply(struct nt_link_list *l, const struct nt_link_modes *m);

/* Walk a buffer of LINKMODES replies of family fam, appending to m
 * (like nt_link_parse_buf: 1 more, 0 done, -errno). */
int nt_link_parse_modes_buf(const void *buf, size_t len, uint16_t fam,
			    struct nt_link_modes *m);

/* Speed and duplex of every device from ethtool netlink in the calling
 * thread's namespace: resolve the family (its id into *fam, 0 when not
 * resolved), one LINKMODES_GET dump into m. 0; -ENOENT when the kernel
 * has no ethtool family (use the fallback); other -errno. With *fam set
 * and an error, the dump ended early (the kernel's ethnl_default_dumpit
 * stops at a device whose ethnl_ops_begin fails with anything but
 * -EOPNOTSUPP: -ENODEV for one not present or unregistering) and m
 * holds the replies that came before it. */
int nt_link_ethtool_dump(struct nt_link_modes *m, uint16_t *fam);

/* Interfaces of l no LINKMODES reply was applied to (mode_seen false):
 * the ones a per-device request is for after a dump ended in an error. */
size_t nt_link_modes_pending(const struct nt_link_list *l);

/* The per-device fallback's result. */
struct nt_link_perdev {
	size_t asked;           /* requests sent (pending interfaces) */
	size_t answered;        /* a reply applied */
	size_t unsupported;     /* -EOPNOTSUPP: no link settings (lo) */
	size_t failed;          /* any other error: speed stays unknown */
	int first_err;          /* the first failure's -errno */
	char first_name[IFNAMSIZ]; /* and its interface */
	bool stopped;           /* stopped asking: an answer that may have left
				 * part of itself on the socket (malformed, out
				 * of sequence, truncated, timed out), or nt_stop */
};
#define NT_LINK_GET_RBUF 16384 /* receive buffer for one reply */

/* One ETHTOOL_MSG_LINKMODES_GET request (ETHTOOL_A_HEADER_DEV_INDEX,
 * or DEV_NAME without an ifindex) for each pending interface of l, in
 * order, over io (family fam), applying each reply. Bounded: exactly
 * one request per pending interface, none for the others. 0 or -ENOMEM;
 * per-device errors are counted in *res. */
struct nt_nl_io;
int nt_link_ethtool_get_io(const struct nt_nl_io *io, uint16_t fam,
			   struct nt_link_list *l, struct nt_link_perdev *res);
/* The same on one new generic netlink socket in the calling thread's
 * namespace (none when nothing is pending). 0 or -errno. */
int nt_link_ethtool_get(uint16_t fam, struct nt_link_list *l,
			struct nt_link_perdev *res);

/* Fallback: /sys/class/net/IF/{speed,duplex} for each interface of l
 * whose /sys/class/net/IF/ifindex matches (sysfs shows the namespace it
 * was mounted for: call only when that is the one measured). root is the
 * sysfs class directory ("/sys/class/net"; a test root). Returns how many
 * interfaces were matched. */
size_t nt_link_sysfs_speed(struct nt_link_list *l, const char *root);

/* Parse sysfs text: speed ("10000\n"; "-1" or 0 is unknown) and duplex
 * ("full", "half", "unknown"). */
bool nt_link_parse_sysfs_speed(const char *text, uint32_t *mbps);
const char *nt_link_parse_sysfs_duplex(const char *text);

extern const struct nt_rectype nt_link_rectype;

#endif
