/* stack: the field tables of the /proc records (the netlink ones are in
 * stack_nl*.c). */
#include <stddef.h>
#include "nt_stack.h"

#define SN(m) offsetof(struct nt_softnet_cpu, m)
static const struct nt_field softnet_fields[] = {
	{ "cpu", "CPU", 0, NT_T_U32, SN(cpu), NT_P_LABEL, NT_F_ID | NT_F_DEF, NULL, -1,
	  "CPU id (the file's index column; the row number on kernels before 5.10)" },
	{ "scope", "SCOPE", 0, NT_T_STR, SN(scope), NT_P_NONE, NT_F_INFO | NT_F_NOTABLE, NULL, -1,
	  "\"global\": the host's CPUs, the same in every namespace" },
	{ "processed", "PROCESSED", 0, NT_T_U64, SN(processed), NT_P_COUNTER,
	  NT_F_TOTAL | NT_F_DEF, NULL, -1, "Packets taken from the CPU's backlog or NAPI" },
	{ "dropped", "DROPPED", 0, NT_T_U64, SN(dropped), NT_P_COUNTER,
	  NT_F_TOTAL | NT_F_DEF, NULL, -1, "Packets dropped: the backlog was full (netdev_max_backlog)" },
	{ "time_squeeze", "SQUEEZE", 0, NT_T_U64, SN(time_squeeze), NT_P_COUNTER,
	  NT_F_TOTAL | NT_F_DEF, NULL, -1, "net_rx_action ran out of budget or time with work left" },
	{ "received_rps", "RPS", 0, NT_T_U64, SN(received_rps), NT_P_COUNTER,
	  NT_F_TOTAL, NULL, NT_SN_RPS, "RPS inter-processor interrupts received" },
	{ "flow_limit_count", "FLOWLIM", 0, NT_T_U64, SN(flow_limit_count), NT_P_COUNTER,
	  NT_F_TOTAL, NULL, NT_SN_FLOW, "Packets dropped by the flow limit" },
	{ "backlog_len", "BACKLOG", 0, NT_T_U64, SN(backlog_len), NT_P_GAUGE,
	  NT_F_INFO, NULL, NT_SN_BACKLOG, "Packets in the backlog now", "backlog_packets" },
	{ "processed", "PROC/s", 0, NT_T_DOUBLE, SN(processed_rate), NT_P_NONE,
	  NT_F_RATE | NT_F_DEF, "rates", NT_SN_RATE, "per second" },
	{ "dropped", "DROP/s", 0, NT_T_DOUBLE, SN(dropped_rate), NT_P_NONE,
	  NT_F_RATE | NT_F_DEF, "rates", NT_SN_RATE, "per second" },
	{ "time_squeeze", "SQZ/s", 0, NT_T_DOUBLE, SN(squeeze_rate), NT_P_NONE,
	  NT_F_RATE | NT_F_DEF, "rates", NT_SN_RATE, "per second" },
	{ "processed", NULL, 0, NT_T_U64, SN(processed_delta), NT_P_NONE,
	  NT_F_DELTA | NT_F_NOTABLE, "deltas", NT_SN_DELTA, "in the interval" },
	{ "dropped", NULL, 0, NT_T_U64, SN(dropped_delta), NT_P_NONE,
	  NT_F_DELTA | NT_F_NOTABLE, "deltas", NT_SN_DELTA, "in the interval" },
	{ "time_squeeze", NULL, 0, NT_T_U64, SN(squeeze_delta), NT_P_NONE,
	  NT_F_DELTA | NT_F_NOTABLE, "deltas", NT_SN_DELTA, "in the interval" },
	{ "dropped_pct", "DROP%", 0, NT_T_DOUBLE, SN(dropped_pct), NT_P_NONE,
	  NT_F_RATE | NT_F_DEF, NULL, NT_SN_RATE,
	  "dropped / (processed + dropped) over the baseline, percent" },
};

const struct nt_rectype nt_softnet_rectype = {
	.json_array = "softnet",
	.prom_prefix = "nettriage_stack_softnet",
	.fields = softnet_fields,
	.nfields = sizeof(softnet_fields) / sizeof(softnet_fields[0]),
	.size = sizeof(struct nt_softnet_cpu),
	.avail_off = SN(avail),
	.subject_off = SN(subject),
};

#define SS(m) offsetof(struct nt_sockstat_ent, m)
static const struct nt_field sockstat_fields[] = {
	{ "proto", "PROTO", 0, NT_T_STR, SS(proto), NT_P_LABEL, NT_F_ID | NT_F_DEF | NT_F_LEFT,
	  NULL, -1, "The line's name in /proc/net/sockstat{,6}: sockets, TCP, UDP6, ..." },
	{ "field", "FIELD", 0, NT_T_STR, SS(field), NT_P_LABEL, NT_F_ID | NT_F_DEF | NT_F_LEFT,
	  NULL, -1, "The figure: inuse, orphan, tw, alloc, mem (pages), memory (bytes), used" },
	{ "scope", "SCOPE", 0, NT_T_STR, SS(scope), NT_P_LABEL, NT_F_INFO | NT_F_DEF | NT_F_LEFT,
	  NULL, -1, "global (the whole host), netns (this namespace) or unknown" },
	{ "value", "VALUE", 0, NT_T_U64, SS(value), NT_P_GAUGE, NT_F_TOTAL | NT_F_DEF,
	  NULL, -1, "The figure, as the kernel prints it" },
};

const struct nt_rectype nt_sockstat_rectype = {
	.json_array = "sockstat",
	.prom_prefix = "nettriage_stack_sockstat",
	.fields = sockstat_fields,
	.nfields = sizeof(sockstat_fields) / sizeof(sockstat_fields[0]),
	.size = sizeof(struct nt_sockstat_ent),
	.avail_off = -1,
	.subject_off = SS(subject),
};

#define LM(m) offsetof(struct nt_stack_limit, m)
static const struct nt_field limit_fields[] = {
	{ "name", "FIGURE", 0, NT_T_STR, LM(name), NT_P_LABEL, NT_F_ID | NT_F_DEF | NT_F_LEFT,
	  NULL, -1, "tcp_mem_pages, udp_mem_pages, tcp_orphans, tcp_timewait, files" },
	{ "scope", "SCOPE", 0, NT_T_STR, LM(scope), NT_P_LABEL, NT_F_INFO | NT_F_DEF | NT_F_LEFT,
	  NULL, -1, "global or netns: where the kernel keeps the figure and its limit" },
	{ "source", "LIMIT-FROM", 0, NT_T_STR, LM(source), NT_P_NONE, NT_F_INFO | NT_F_LEFT,
	  NULL, -1, "The sysctl the limit is read from" },
	{ "used", "USED", 0, NT_T_U64, LM(used), NT_P_GAUGE, NT_F_TOTAL | NT_F_DEF,
	  NULL, NT_LIM_USED, "In use now (pages, sockets or files)" },
	{ "pressure", "PRESSURE", 0, NT_T_U64, LM(pressure), NT_P_GAUGE, NT_F_TOTAL | NT_F_DEF,
	  NULL, NT_LIM_PRESSURE, "The pressure threshold (tcp_mem/udp_mem 2nd value)" },
	{ "limit", "LIMIT", 0, NT_T_U64, LM(limit), NT_P_GAUGE, NT_F_TOTAL | NT_F_DEF,
	  NULL, NT_LIM_LIMIT, "The limit (tcp_mem/udp_mem 3rd value, tcp_max_orphans, tcp_max_tw_buckets, file-max)" },
	{ "used_pct", "USED%", 0, NT_T_DOUBLE, LM(used_pct), NT_P_GAUGE, NT_F_TOTAL | NT_F_DEF,
	  NULL, NT_LIM_PCT, "used / limit, percent", "used_ratio", 0.01 },
};

const struct nt_rectype nt_stack_limit_rectype = {
	.json_array = "limits",
	.prom_prefix = "nettriage_stack_limit",
	.fields = limit_fields,
	.nfields = sizeof(limit_fields) / sizeof(limit_fields[0]),
	.size = sizeof(struct nt_stack_limit),
	.avail_off = LM(avail),
	.subject_off = LM(subject),
};

#define UD(m) offsetof(struct nt_stack_udp, m)
#define UC(i) (UD(c) + (size_t)(i) * sizeof(uint64_t))
#define UDL(i) (UD(delta) + (size_t)(i) * sizeof(uint64_t))
#define UR(i) (UD(rate) + (size_t)(i) * sizeof(double))
#define UDP_CTRS(X) \
	X(IN_DATAGRAMS, in_datagrams, "IN", 1, "Datagrams delivered to sockets") \
	X(NO_PORTS, no_ports, "NOPORT", 1, "Datagrams to a port without a socket") \
	X(IN_ERRORS, in_errors, "IN-ERR", 1, "Datagrams not delivered (buffer, checksum, memory errors)") \
	X(OUT_DATAGRAMS, out_datagrams, "OUT", 0, "Datagrams sent") \
	X(RCVBUF_ERRORS, rcvbuf_errors, "RCVBUF-ERR", 1, "Datagrams dropped: the socket's receive buffer was full") \
	X(SNDBUF_ERRORS, sndbuf_errors, "SNDBUF-ERR", 1, "Datagrams not sent: the send buffer was full") \
	X(IN_CSUM_ERRORS, in_csum_errors, "CSUM-ERR", 0, "Datagrams with a bad checksum") \
	X(MEM_ERRORS, mem_errors, "MEM-ERR", 0, "Datagrams dropped for lack of memory (udp_mem)")
static const struct nt_field udp_fields[] = {
	{ "proto", "PROTO", 0, NT_T_STR, UD(proto), NT_P_LABEL, NT_F_ID | NT_F_DEF | NT_F_LEFT,
	  NULL, -1, "Udp, Udp6, UdpLite or UdpLite6 (/proc/net/snmp, snmp6)" },
#define X(E, k, t, d, h) { #k, t, 0, NT_T_U64, UC(NT_UC_##E), NT_P_COUNTER, \
	  NT_F_TOTAL | (d ? NT_F_DEF : 0), NULL, NT_UC_##E, h },
	UDP_CTRS(X)
#undef X
#define X(E, k, t, d, h) { #k, t "/s", 0, NT_T_DOUBLE, UR(NT_UC_##E), NT_P_NONE, \
	  NT_F_RATE | (d ? NT_F_DEF : 0), "rates", NT_UC_DELTA_BIT, h ", per second" },
	UDP_CTRS(X)
#undef X
#define X(E, k, t, d, h) { #k, NULL, 0, NT_T_U64, UDL(NT_UC_##E), NT_P_NONE, \
	  NT_F_DELTA | NT_F_NOTABLE, "deltas", NT_UC_DELTA_BIT, h ", in the interval" },
	UDP_CTRS(X)
#undef X
};

const struct nt_rectype nt_stack_udp_rectype = {
	.json_array = "udp",
	.prom_prefix = "nettriage_stack_udp",
	.fields = udp_fields,
	.nfields = sizeof(udp_fields) / sizeof(udp_fields[0]),
	.size = sizeof(struct nt_stack_udp),
	.avail_off = UD(avail),
	.subject_off = UD(proto),
};

static const struct nt_field ctr_fields[] = {
	NT_NAMED_FIELDS("COUNTER", "IP-layer or TCP memory counter (nstat name)"),
};

const struct nt_rectype nt_stack_ctr_rectype = {
	.json_array = "counters",
	.prom_prefix = "nettriage_stack",
	.fields = ctr_fields,
	.nfields = sizeof(ctr_fields) / sizeof(ctr_fields[0]),
	.size = sizeof(struct nt_named),
	.avail_off = NT_NM_OFF(avail),
	.subject_off = NT_NM_OFF(name),
};
