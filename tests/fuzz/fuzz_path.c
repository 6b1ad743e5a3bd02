/* libFuzzer target: the path reply decoder (nt_probe_decode and
 * nt_probe_decode_errq). Byte 0 picks the entry point and family:
 *   bit 0: IPv6, bit 1: IPv4 header present (raw socket), bit 2: error
 *   queue record (then sizeof(struct sock_extended_err) bytes of ee,
 *   16 bytes of offender sockaddr_in, then the payload). */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "nt_probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
			if (rc == 0)
				check(&r, buf, len);
		}
	} else {
		rc = nt_probe_decode(fam, (mode & 2) && fam == AF_INET, buf, len, &r);
		if (rc == 0)
			check(&r, buf, len);
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
