/* Bench helper for tests/bench/capture.sh: the limit for `nettriage
 * capture -r`. A bare libpcap read loop: open FILE with
 * pcap_open_offline_with_tstamp_precision (nanosecond, as nettriage does),
 * read every packet with pcap_next_ex, touch nothing but the header's
 * captured length, and print "packets N bytes B". Exit 1 with one line on
 * stderr when the file cannot be read.
 *
 *   cc -O2 -o pcap_bare pcap_bare.c -lpcap
 */
#include <pcap/pcap.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const unsigned char *data;
	unsigned long long n = 0, bytes = 0;
	pcap_t *p;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: pcap_bare FILE\n");
		return 1;
	}
	p = pcap_open_offline_with_tstamp_precision(argv[1], PCAP_TSTAMP_PRECISION_NANO, err);
	if (!p) {
		fprintf(stderr, "pcap_bare: %s\n", err);
		return 1;
	}
	while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
		n++;
		bytes += h->caplen;
	}
	if (rc == PCAP_ERROR) {
		fprintf(stderr, "pcap_bare: %s: %s\n", argv[1], pcap_geterr(p));
		pcap_close(p);
		return 1;
	}
	pcap_close(p);
	printf("packets %llu bytes %llu\n", n, bytes);
	return 0;
}
