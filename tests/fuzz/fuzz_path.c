/* libFuzzer target: the path reply decoder (nt_probe_decode and
 * nt_probe_decode_errq) and, on every decoded reply, the matcher
 * (nt_probe_match, and nt_probe_match_slot for per-probe sockets) against
 * a table of pending probes of each socket kind.
 * Byte 0 picks the entry point and family:
 *   bit 0: IPv6, bit 1: IPv4 header present (raw socket), bit 2: error
 *   queue record (then sizeof(struct sock_extended_err) bytes of ee,
 *   16 bytes of offender sockaddr_in, then the payload). */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "nt_probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct nt_probe_slot slots[NT_PROBE_SLOTS];

static void match(const struct nt_probe_reply *r, int fam)
{
	static const enum nt_probe_sock kinds[] = { NT_PS_RAW, NT_PS_DGRAM, NT_PS_UDP,
						    NT_PS_UDP_RAW };
	struct nt_probe_table t;
	uint16_t seq;
	size_t k;
	int i;

	memset(&t, 0, sizeof(t));
	t.dst.family = (uint8_t)fam;
	t.port = 33434;
	t.flows = 2;
	t.tag = 0x11223344u;
	t.size = 36;
	t.slot = slots;
	for (i = 1; i < 64; i++) { /* seqs 1..63 pending, flow = seq & 1 */
		slots[i].seq = (uint16_t)i;
		slots[i].flow = (uint8_t)(i & 1);
		slots[i].state = NT_SLOT_PENDING;
	}
	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		t.kind = kinds[k];
		t.id[0] = t.kind >= NT_PS_UDP ? 40000 : 0x0102;
		t.id[1] = (uint16_t)(t.id[0] + 1);
		for (i = -1; i < 3; i++)
			if (nt_probe_match(&t, r, i, &seq) != NT_MATCH_NONE &&
			    (seq == 0 || slots[seq].seq != seq))
				abort();
		/* per-probe sockets: the socket names the slot; never a
		 * slot that was not sent, never seq 0 */
		for (i = 0; i < 66; i++) {
			slots[i & 63].port = (uint16_t)(40000 + i);
			if (nt_probe_match_slot(&t, r, (uint16_t)i) != NT_MATCH_NONE &&
			    (i == 0 || i >= 64))
				abort();
		}
	}
}

static void check(const struct nt_probe_reply *r, const uint8_t *buf, size_t len)
{
	if (r->payload && (r->payload < buf || r->payload + r->payload_len > buf + len))
		abort();
	if (r->nmpls < 0 || r->nmpls > NT_PROBE_MAX_MPLS)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nt_probe_reply r;
	uint8_t mode, *buf;
	size_t len;
	int fam, rc;

	if (size < 1)
		return 0;
	mode = data[0];
	fam = (mode & 1) ? AF_INET6 : AF_INET;
	len = size - 1;
	buf = malloc(len ? len : 1); /* exact size: ASan sees overreads */
	if (!buf)
		return 0;
	memcpy(buf, data + 1, len);
	if (mode & 4) {
		struct sock_extended_err ee;
		struct sockaddr_in6 off;
		size_t hl = sizeof(ee) + sizeof(off);

		if (len >= hl) {
			memcpy(&ee, buf, sizeof(ee));
			memcpy(&off, buf + sizeof(ee), sizeof(off));
			rc = nt_probe_decode_errq(fam, (mode & 8) ? IPPROTO_UDP :
						  fam == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6,
						  &ee, (struct sockaddr *)&off,
						  (mode >> 4) & 1 ? sizeof(struct sockaddr_in) : sizeof(off),
						  buf + hl, len - hl, &r);
			if (rc == 0) {
				check(&r, buf, len);
				match(&r, fam);
			}
		}
	} else {
		rc = nt_probe_decode(fam, (mode & 2) && fam == AF_INET, buf, len, &r);
		if (rc == 0) {
			check(&r, buf, len);
			match(&r, fam);
		}
		if (rc == 0 && r.payload) {
			uint16_t seq;
			uint8_t ttl, flow;

			(void)nt_probe_payload_parse(r.payload, r.payload_len, 0x11223344u,
						     &seq, &ttl, &flow);
		}
	}
	free(buf);
	return 0;
}
