/* capture: the field tables. One table per record: a flow (the table's
 * rows, JSON "flows"), the totals (JSON "totals", Prometheus
 * nettriage_capture_*_total) and the capture's own counts (top-level
 * JSON keys, Prometheus). The count fields of a flow and of the totals are
 * one list (CAP_COUNTS), so both always carry the same keys. */
#include <stddef.h>
#include "capture_int.h"

/* key, title, in the default table, help */
#define CAP_COUNTS(X) \
	X(bytes, "BYTES", 0, "Their frame lengths on the wire, bytes") \
	X(payload_bytes, "PAYLOAD", 0, "Their TCP payload, bytes (retransmitted bytes included)") \
	X(data_segments, "DATA", 1, "Segments with payload: the base of the retransmission ratio") \
	X(retrans, "RETRANS", 1, "Retransmissions of every kind (tcp.analysis.retransmission)") \
	X(fast_retrans, "FAST", 1, "Fast retransmissions: within 20 ms of >= 2 duplicate ACKs (subset of retrans)") \
	X(spurious_retrans, "SPUR", 1, "Spurious retransmissions: the data was already ACKed (subset of retrans)") \
	X(out_of_order, "OOO", 1, "Out-of-order segments (not retransmissions)") \
	X(lost_segments, "LOST", 1, "Previous segment not captured: the sequence jumped past the expected one") \
	X(acked_unseen, "ACK-UNSEEN", 0, "ACKs of segments that were not captured") \
	X(dup_acks, "DUPACK", 1, "Duplicate ACKs") \
	X(zero_windows, "ZWIN", 1, "Segments advertising a zero window") \
	X(zero_window_probes, "ZW-PROBE", 0, "Zero-window probes") \
	X(window_full, "WIN-FULL", 0, "Segments that filled the peer's advertised window") \
	X(keep_alives, "KEEPALIVE", 0, "TCP keep-alives") \
	X(rsts, "RST", 1, "Segments with RST, from either side") \
	X(rsts_server, "RST-SRV", 0, "RSTs sent by the server (the side that answered the SYN, or got the first segment)") \
	X(port_reuse, "REUSE", 0, "New SYNs on a finished 5-tuple (each starts a new flow)")

#define FR(m) offsetof(struct cap_flowrec, m)
#define FC(m) (FR(c) + offsetof(struct nt_cap_counts, m))
static const struct nt_field flow_fields[] = {
	{ "id", "ID", 0, NT_T_U64, FR(id), NT_P_NONE, NT_F_ID | NT_F_DEF, NULL, CAP_FAV_FLOW,
	  "The flow's number: 1, 2, ... in order of creation (tells a reused 5-tuple's conversations apart; 0: the totals row)" },
	{ "src", "SRC", 0, NT_T_STR, FR(src), NT_P_NONE, NT_F_ID | NT_F_DEF | NT_F_LEFT, NULL, -1,
	  "Client address (the SYN's sender; without a SYN the first packet's)" },
	{ "sport", "SPORT", 0, NT_T_U32, FR(sport), NT_P_NONE, NT_F_ID | NT_F_DEF, NULL, CAP_FAV_FLOW,
	  "Client port" },
	{ "dst", "DST", 0, NT_T_STR, FR(dst), NT_P_NONE, NT_F_ID | NT_F_DEF | NT_F_LEFT, NULL, -1,
	  "Server address" },
	{ "dport", "DPORT", 0, NT_T_U32, FR(dport), NT_P_NONE, NT_F_ID | NT_F_DEF, NULL, CAP_FAV_FLOW,
	  "Server port" },
	{ "family", "FAM", 0, NT_T_STR, FR(family), NT_P_NONE, NT_F_INFO | NT_F_LEFT, NULL, CAP_FAV_FLOW,
	  "ipv4 or ipv6" },
	{ "packets", "PKTS", 0, NT_T_U64, FC(packets), NT_P_NONE, NT_F_TOTAL | NT_F_DEF, NULL, -1,
	  "TCP segments" },
#define X(k, t, d, h) { #k, t, 0, NT_T_U64, FC(k), NT_P_NONE, \
	  NT_F_TOTAL | (d ? NT_F_DEF : 0), NULL, -1, h },
	CAP_COUNTS(X)
#undef X
	{ "zero_window_ms", "ZW-MS", 0, NT_T_DOUBLE, FC(zero_window_ms), NT_P_NONE,
	  NT_F_TOTAL | NT_F_DEF, NULL, -1, "Time a direction advertised a zero window, ms" },
	{ "handshake_rtt_ms", "HS-RTT", 0, NT_T_DOUBLE, FR(handshake_rtt_ms), NT_P_NONE,
	  NT_F_INFO | NT_F_DEF, NULL, -1, "SYN to SYN/ACK, ms (null: handshake not captured)" },
	{ "irtt_ms", "IRTT", 0, NT_T_DOUBLE, FR(irtt_ms), NT_P_NONE, NT_F_INFO, NULL, -1,
	  "SYN to SYN/ACK plus SYN/ACK to ACK: Wireshark's tcp.analysis.initial_rtt, ms" },
	{ "min", "RTT-MIN", 0, NT_T_DOUBLE, FR(rtt_min), NT_P_NONE, NT_F_INFO, "rtt_ms", -1,
	  "Data RTT samples (Karn's rule): minimum, ms" },
	{ "mean", "RTT-MEAN", 0, NT_T_DOUBLE, FR(rtt_mean), NT_P_NONE, NT_F_INFO, "rtt_ms", -1,
	  "Mean data RTT, ms" },
	{ "p99", "RTT-P99", 0, NT_T_DOUBLE, FR(rtt_p99), NT_P_NONE, NT_F_INFO | NT_F_DEF, "rtt_ms", -1,
	  "99th percentile data RTT, ms (exact up to 100 samples, else the log bucket's middle)" },
	{ "samples", "RTT-N", 0, NT_T_U64, FR(rtt_samples), NT_P_NONE, NT_F_INFO, "rtt_ms", -1,
	  "Data RTT samples" },
	{ "icmp_errors", "ICMP", 0, NT_T_U64, FC(icmp_errors), NT_P_NONE, NT_F_TOTAL, NULL, -1,
	  "ICMP errors quoting the flow's segments (unreachable, time exceeded, fragmentation needed)" },
};

const struct nt_rectype nt_cap_flow_rectype = {
	.json_array = "flows",
	.prom_prefix = "nettriage_capture_flow",
	.fields = flow_fields,
	.nfields = sizeof(flow_fields) / sizeof(flow_fields[0]),
	.size = sizeof(struct cap_flowrec),
	.avail_off = FR(avail),
	.subject_off = FR(subject),
};

#define TR(m) offsetof(struct cap_totrec, m)
#define TC(m) (TR(c) + offsetof(struct nt_cap_counts, m))
static const struct nt_field tot_fields[] = {
	/* packets would collide with the capture's frame count
	 * (nettriage_capture_packets_total), icmp_errors is renamed there */
	{ "packets", NULL, 0, NT_T_U64, TC(packets), NT_P_COUNTER, NT_F_TOTAL, NULL, -1,
	  "TCP segments of every flow", "flow_packets" },
#define X(k, t, d, h) { #k, t, 0, NT_T_U64, TC(k), NT_P_COUNTER, NT_F_TOTAL, NULL, -1, \
	  h ", every flow" },
	CAP_COUNTS(X)
#undef X
	{ "zero_window_ms", NULL, 0, NT_T_DOUBLE, TC(zero_window_ms), NT_P_COUNTER, NT_F_TOTAL,
	  NULL, -1, "Time a direction advertised a zero window, every flow", "zero_window_seconds",
	  0.001 },
	{ "min", NULL, 0, NT_T_DOUBLE, TR(rtt_min), NT_P_GAUGE, NT_F_TOTAL, "rtt_ms", -1,
	  "Data RTT over every flow: minimum", "rtt_min_seconds", 0.001 },
	{ "mean", NULL, 0, NT_T_DOUBLE, TR(rtt_mean), NT_P_GAUGE, NT_F_TOTAL, "rtt_ms", -1,
	  "Data RTT over every flow: mean", "rtt_mean_seconds", 0.001 },
	{ "p99", NULL, 0, NT_T_DOUBLE, TR(rtt_p99), NT_P_GAUGE, NT_F_TOTAL, "rtt_ms", -1,
	  "Data RTT over every flow: 99th percentile", "rtt_p99_seconds", 0.001 },
	{ "samples", NULL, 0, NT_T_U64, TR(rtt_samples), NT_P_COUNTER, NT_F_TOTAL, "rtt_ms", -1,
	  "Data RTT samples over every flow", "rtt_samples" },
	{ "icmp_errors", NULL, 0, NT_T_U64, TC(icmp_errors), NT_P_COUNTER, NT_F_TOTAL, NULL, -1,
	  "ICMP errors matched to a flow by the quoted header" },
};

const struct nt_rectype nt_cap_totals_rectype = {
	.json_array = "totals",
	.prom_prefix = "nettriage_capture",
	.fields = tot_fields,
	.nfields = sizeof(tot_fields) / sizeof(tot_fields[0]),
	.size = sizeof(struct cap_totrec),
	.avail_off = -1,
	.subject_off = -1,
};

#define SM(m) offsetof(struct cap_summary, m)
static const struct nt_field sum_fields[] = {
	{ "kind", "SOURCE", 0, NT_T_STR, SM(kind), NT_P_NONE, NT_F_INFO, "source", -1,
	  "file (-r) or live (-d)" },
	{ "file", "FILE", 0, NT_T_STR, SM(file), NT_P_NONE, NT_F_INFO, "source", CAP_AV_FILE,
	  "-r FILE as given (null for a live capture)" },
	{ "iface", "IFACE", 0, NT_T_STR, SM(iface), NT_P_NONE, NT_F_INFO, "source", CAP_AV_IFACE,
	  "-d IFACE as given (null for a file)" },
	{ "linktype", "LINKTYPE", 0, NT_T_STR, SM(linktype), NT_P_NONE, NT_F_INFO, "source", -1,
	  "libpcap's name of the link type (pcap_datalink_val_to_name)" },
	{ "filter", "FILTER", 0, NT_T_STR, SM(filter), NT_P_NONE, NT_F_INFO, "source", CAP_AV_FILTER,
	  "The BPF filter, or null" },
	{ "duration_s", "SECONDS", 0, NT_T_DOUBLE, SM(duration_s), NT_P_GAUGE, NT_F_INFO, "source", -1,
	  "Live: the capture's wall time; file: first to last frame, seconds", "duration_seconds" },
	{ "packets", "PACKETS", 0, NT_T_U64, SM(packets), NT_P_COUNTER, NT_F_TOTAL, NULL, -1,
	  "Frames read (after the BPF filter): tcp_packets + icmp_errors + other + malformed + truncated + unsupported" },
	{ "tcp_packets", "TCP", 0, NT_T_U64, SM(tcp_packets), NT_P_COUNTER, NT_F_TOTAL, NULL, -1,
	  "Frames holding a TCP segment" },
	{ "icmp_errors", "ICMP", 0, NT_T_U64, SM(icmp_errors), NT_P_COUNTER, NT_F_TOTAL, NULL, -1,
	  "Frames holding an ICMP error that quotes a TCP segment", "icmp_error_packets" },
	{ "other", "OTHER", 0, NT_T_U64, SM(other), NT_P_COUNTER, NT_F_TOTAL, NULL, -1,
	  "Frames decoded but of no interest (not TCP, not an ICMP error quoting TCP)", "other_packets" },
	{ "malformed", "MALFORMED", 0, NT_T_U64, SM(malformed), NT_P_COUNTER, NT_F_TOTAL, NULL, -1,
	  "Frames with a length or version field that cannot be right", "malformed_packets" },
	{ "truncated", "TRUNCATED", 0, NT_T_U64, SM(truncated), NT_P_COUNTER, NT_F_TOTAL, NULL, -1,
	  "Frames cut inside a header the analysis needs (not a short snap length), and a last frame the file cuts short",
	  "truncated_packets" },
	{ "unsupported", "UNSUPPORTED", 0, NT_T_U64, SM(unsupported), NT_P_COUNTER, NT_F_TOTAL, NULL, -1,
	  "Frames the decoder does not handle (link type, tunnel or IPv6 extension header not decoded)",
	  "unsupported_packets" },
	{ "dropped", "DROPPED", 0, NT_T_U64, SM(dropped), NT_P_COUNTER, NT_F_TOTAL, NULL, CAP_AV_DROPPED,
	  "Frames the kernel dropped: the capture buffer was full (pcap_stats ps_drop; null for a file)",
	  "dropped_packets" },
	{ "if_dropped", "IF-DROPPED", 0, NT_T_U64, SM(if_dropped), NT_P_COUNTER, NT_F_TOTAL, NULL,
	  CAP_AV_IFDROPPED, "Frames the interface dropped (ps_ifdrop; null unless --promisc)",
	  "if_dropped_packets" },
	{ "flows_total", "FLOWS", 0, NT_T_U64, SM(flows_total), NT_P_COUNTER, NT_F_TOTAL, NULL, -1,
	  "TCP flows created (evicted ones included)", "flows_created" },
	{ "evicted", "EVICTED", 0, NT_T_U64, SM(evicted), NT_P_COUNTER, NT_F_TOTAL, NULL, -1,
	  "Flows evicted at --max-flows (least recently used; their counts stay in the totals)",
	  "evicted_flows" },
};

const struct nt_rectype nt_cap_summary_rectype = {
	.json_array = "capture",
	.prom_prefix = "nettriage_capture",
	.fields = sum_fields,
	.nfields = sizeof(sum_fields) / sizeof(sum_fields[0]),
	.size = sizeof(struct cap_summary),
	.avail_off = SM(avail),
	.subject_off = -1,
};
