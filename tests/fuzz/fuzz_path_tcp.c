/* libFuzzer target: the TCP reply decoders and matchers of path's TCP
 * probes. Byte 0 picks the entry point:
 *   bits 0-1: 0 an ICMP(v6) message quoting a TCP header (nt_probe_decode,
 *             IPv4 with its IP header), 1 a TCP segment from the target
 *             (nt_probe_decode_tcp), 2 an error-queue record of a connect()
 *             socket (sizeof(struct sock_extended_err) bytes of ee, a
 *             sockaddr_in6 offender, then the quoted TCP header), 3 the SYN
 *             builder on the input's first bytes as addresses and ports;
 *   bit 2: IPv6.
 * Every reply decoded is matched against a half-open table (nt_probe_match)
 * and a connect() table (nt_probe_match_slot) of pending probes; a match
 * must name a pending slot. */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "nt_probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TAG 0x11223344u

static struct nt_probe_slot slots[NT_PROBE_SLOTS];

static void match(const struct nt_probe_reply *r, int fam)
{
	struct nt_probe_table t;
	uint16_t seq;
	int i, q;

	memset(&t, 0, sizeof(t));
	t.dst.family = (uint8_t)fam;
	if (fam == AF_INET) { /* 203.0.113.2 */
		t.dst.a[0] = 203; t.dst.a[2] = 113; t.dst.a[3] = 2;
	} else {
		t.dst.a[0] = 0x20; t.dst.a[1] = 0x01; t.dst.a[2] = 0x0d; t.dst.a[3] = 0xb8;
		t.dst.a[15] = 2;
	}
	t.port = 5432;
	t.flows = 2;
	t.id[0] = 40000;
	t.id[1] = 40001;
	t.tag = TAG;
	t.size = 36;
	t.slot = slots;
	for (i = 1; i < 64; i++) {
		slots[i].seq = (uint16_t)i;
		slots[i].flow = (uint8_t)(i & 1);
		slots[i].state = NT_SLOT_PENDING;
		slots[i].fd = -1;
		slots[i].port = (uint16_t)(41000 + i);
	}
	t.kind = NT_PS_TCP_RAW;
	for (i = -1; i < 2; i++)
		if (nt_probe_match(&t, r, i, &seq) != NT_MATCH_NONE &&
		    (seq == 0 || slots[seq].seq != seq || seq >= 64))
			abort();
	t.kind = NT_PS_TCP;
	for (q = 0; q < 66; q++) {
		enum nt_probe_match m = nt_probe_match_slot(&t, r, (uint16_t)q);

		if (m != NT_MATCH_NONE && (q == 0 || q >= 64))
			abort();
	}
	if (r->have_tseq)
		(void)nt_probe_tcp_seq_of(TAG, r->tseq);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nt_probe_reply r;
	uint8_t mode, *buf;
	size_t len;
	int fam, rc = -1;

	if (size < 1)
		return 0;
	mode = data[0];
	fam = (mode & 4) ? AF_INET6 : AF_INET;
	len = size - 1;
	buf = malloc(len ? len : 1); /* exact size: ASan sees overreads */
	if (!buf)
		return 0;
	memcpy(buf, data + 1, len);
	switch (mode & 3) {
	case 0:
		rc = nt_probe_decode(fam, fam == AF_INET, buf, len, &r);
		break;
	case 1:
		rc = nt_probe_decode_tcp(fam, fam == AF_INET, buf, len, &r);
		break;
	case 2: {
		struct sock_extended_err ee;
		struct sockaddr_in6 off;
		size_t hl = sizeof(ee) + sizeof(off);

		if (len >= hl) {
			memcpy(&ee, buf, sizeof(ee));
			memcpy(&off, buf + sizeof(ee), sizeof(off));
			rc = nt_probe_decode_errq(fam, IPPROTO_TCP, &ee, (struct sockaddr *)&off,
						  sizeof(off), buf + hl, len - hl, &r);
		}
		break;
	}
	default:
		if (len >= 40) {
			struct nt_paddr a = { 0 }, b = { 0 };
			uint8_t syn[24];

			a.family = b.family = (uint8_t)fam;
			memcpy(a.a, buf, 16);
			memcpy(b.a, buf + 16, 16);
			if (nt_probe_tcp_syn(syn, sizeof(syn), &a, &b,
					     (uint16_t)(buf[32] << 8 | buf[33]),
					     (uint16_t)(buf[34] << 8 | buf[35]),
					     (uint32_t)buf[36] << 24 | (uint32_t)buf[37] << 16 |
					     (uint32_t)buf[38] << 8 | buf[39]) != 24)
				abort();
		}
		break;
	}
	if (rc == 0) {
		if (r.payload && (r.payload < buf || r.payload + r.payload_len > buf + len))
			abort();
		match(&r, fam);
	}
	free(buf);
	return 0;
}
