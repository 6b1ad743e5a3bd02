/* Bounded heavy-hitter counting for conntrack breakdowns: Space-Saving
 * (Metwally, Agrawal, El Abbadi, "Efficient computation of frequent and
 * top-k elements in data streams", ICDT 2005) over a fixed number of
 * counters, found through a hash table keyed with SipHash-1-3 (Aumasson,
 * Bernstein) under a per-instance random key, plus a HyperLogLog sketch
 * (Flajolet et al. 2007) for the number of distinct keys once the counters
 * overflow.
 *
 * Why: a dump of a table filled by spoofed sources has as many distinct
 * keys as entries; an exact table grows with them (33 MiB at 200k) and an
 * unkeyed hash lets whoever picks the sources pick the collisions. Here
 * memory is fixed by the capacity, and while the distinct keys fit, every
 * count is exact. After that each counter carries its own over-estimate
 * bound: true <= n <= true + err, err <= the smallest counter <= N/cap, and
 * every key with a true count above N/cap is present. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include "nt_conntrack.h"

#define NONE UINT32_MAX

static inline uint64_t rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

static inline void sipround(uint64_t v[4])
{
	v[0] += v[1]; v[1] = rotl(v[1], 13); v[1] ^= v[0]; v[0] = rotl(v[0], 32);
	v[2] += v[3]; v[3] = rotl(v[3], 16); v[3] ^= v[2];
	v[0] += v[3]; v[3] = rotl(v[3], 21); v[3] ^= v[0];
	v[2] += v[1]; v[1] = rotl(v[1], 17); v[1] ^= v[2]; v[2] = rotl(v[2], 32);
}

static uint64_t load_le64(const uint8_t *p, size_t n)
{
	uint64_t m = 0;
	size_t i;

	for (i = 0; i < n; i++)
		m |= (uint64_t)p[i] << (8 * i);
	return m;
}

uint64_t nt_ct_siphash(const uint64_t key[2], const void *data, size_t len,
		       int crounds, int drounds)
{
	const uint8_t *p = data;
	uint64_t v[4] = {
		key[0] ^ 0x736f6d6570736575ull, key[1] ^ 0x646f72616e646f6dull,
		key[0] ^ 0x6c7967656e657261ull, key[1] ^ 0x7465646279746573ull,
	};
	uint64_t m;
	size_t left = len;
	int r;

	for (; left >= 8; p += 8, left -= 8) {
		m = load_le64(p, 8);
		v[3] ^= m;
		for (r = 0; r < crounds; r++)
			sipround(v);
		v[0] ^= m;
	}
	m = load_le64(p, left) | ((uint64_t)(len & 0xff) << 56);
	v[3] ^= m;
	for (r = 0; r < crounds; r++)
		sipround(v);
	v[0] ^= m;
	v[2] ^= 0xff;
	for (r = 0; r < drounds; r++)
		sipround(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

/* The hash key: getrandom(2), without blocking (a triage tool must not
 * hang on an early-boot entropy pool); failing that, clocks, pid and an
 * address mixed through SipHash: weaker, but still unknown to a remote
 * sender choosing sources. */
static void fallback_key(struct nt_ct_topk *t)
{
	struct timespec m, r;
	uint64_t mix[4], k0[2] = { 0x6e65747472696167ull, 0x65636f6e6e747261ull };

	if (getrandom(t->key, sizeof(t->key), GRND_NONBLOCK) == sizeof(t->key))
		return;
	clock_gettime(CLOCK_MONOTONIC, &m);
	clock_gettime(CLOCK_REALTIME, &r);
	mix[0] = (uint64_t)m.tv_sec * 1000000000ull + (uint64_t)m.tv_nsec;
	mix[1] = (uint64_t)r.tv_sec * 1000000000ull + (uint64_t)r.tv_nsec;
	mix[2] = (uint64_t)getpid();
	mix[3] = (uint64_t)(uintptr_t)t;
	t->key[0] = nt_ct_siphash(k0, mix, sizeof(mix), 2, 4);
	mix[0] ^= t->key[0];
	t->key[1] = nt_ct_siphash(k0, mix, sizeof(mix), 2, 4);
}

int nt_ct_topk_init(struct nt_ct_topk *t, size_t cap, const uint64_t *seed)
{
	size_t nb = 16;

	memset(t, 0, sizeof(*t));
	if (cap < 1 || cap > NT_CT_TOPK_MAX)
		return -EINVAL;
	while (nb < 2 * cap)
		nb *= 2; /* load factor <= 1/2: chains stay short */
	if (seed) {
		t->key[0] = seed[0];
		t->key[1] = seed[1];
	} else {
		fallback_key(t);
	}
	t->c = calloc(cap, sizeof(*t->c));
	t->heap = calloc(cap, sizeof(*t->heap));
	t->bucket = malloc(nb * sizeof(*t->bucket));
	if (!t->c || !t->heap || !t->bucket) {
		nt_ct_topk_free(t);
		return -ENOMEM;
	}
	t->cap = cap;
	t->nbuckets = nb;
	nt_ct_topk_reset(t);
	return 0;
}

void nt_ct_topk_reset(struct nt_ct_topk *t)
{
	size_t i;

	for (i = 0; i < t->nbuckets; i++)
		t->bucket[i] = NONE;
	t->used = 0;
	t->total = t->evictions = 0;
	memset(t->hll, 0, sizeof(t->hll));
}

void nt_ct_topk_free(struct nt_ct_topk *t)
{
	free(t->c);
	free(t->heap);
	free(t->bucket);
	t->c = NULL;
	t->heap = t->bucket = NULL;
	t->cap = t->used = t->nbuckets = 0;
}

/* The heap orders counter indices by n, smallest at the root. */
static void heap_swap(struct nt_ct_topk *t, size_t a, size_t b)
{
	uint32_t x = t->heap[a];

	t->heap[a] = t->heap[b];
	t->heap[b] = x;
	t->c[t->heap[a]].heap = (uint32_t)a;
	t->c[t->heap[b]].heap = (uint32_t)b;
}

static void sift_down(struct nt_ct_topk *t, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < t->used && t->c[t->heap[l]].n < t->c[t->heap[m]].n)
			m = l;
		if (r < t->used && t->c[t->heap[r]].n < t->c[t->heap[m]].n)
			m = r;
		if (m == i)
			return;
		heap_swap(t, i, m);
		i = m;
	}
}

static void sift_up(struct nt_ct_topk *t, size_t i)
{
	while (i > 0 && t->c[t->heap[(i - 1) / 2]].n > t->c[t->heap[i]].n) {
		heap_swap(t, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void hll_add(struct nt_ct_topk *t, uint64_t h)
{
	size_t reg = (size_t)(h >> (64 - NT_CT_HLL_BITS));
	uint64_t rest = h << NT_CT_HLL_BITS;
	uint8_t rank = 1;

	/* rank = position of the first 1 bit in the remaining 52 bits */
	while (rank <= 64 - NT_CT_HLL_BITS && !(rest & (1ull << 63))) {
		rest <<= 1;
		rank++;
	}
	if (rank > t->hll[reg])
		t->hll[reg] = rank;
}

static void unlink_counter(struct nt_ct_topk *t, uint32_t i)
{
	uint32_t *pp = &t->bucket[t->c[i].bucket];

	while (*pp != i)
		pp = &t->c[*pp].next;
	*pp = t->c[i].next;
}

void nt_ct_topk_add(struct nt_ct_topk *t, const struct nt_ct_key *k)
{
	uint64_t h = nt_ct_siphash(t->key, k, sizeof(*k), 1, 3);
	uint32_t b = (uint32_t)(h & (t->nbuckets - 1)), i;
	struct nt_ct_counter *c;

	t->total++;
	hll_add(t, h);
	for (i = t->bucket[b]; i != NONE; i = t->c[i].next)
		if (!memcmp(&t->c[i].k, k, sizeof(*k))) {
			t->c[i].n++;
			sift_down(t, t->c[i].heap);
			return;
		}
	if (t->used < t->cap) {
		/* A new counter of 1 is the smallest there is, so it rises
		 * to the root past every parent above 1 (leaving it at the
		 * end broke the heap: the next eviction took a counter that
		 * was not the minimum, and the bounds no longer held). */
		i = (uint32_t)t->used;
		c = &t->c[i];
		c->n = 1;
		c->err = 0;
		c->heap = i;
		t->heap[t->used++] = i;
		sift_up(t, c->heap);
	} else {
		/* Space-Saving: the key takes over the smallest counter,
		 * whose count becomes the bound of its over-estimate. */
		i = t->heap[0];
		c = &t->c[i];
		unlink_counter(t, i);
		c->err = c->n;
		c->n++;
		t->evictions++;
	}
	c->k = *k;
	c->bucket = b;
	c->next = t->bucket[b];
	t->bucket[b] = i;
	sift_down(t, c->heap);
}

uint64_t nt_ct_topk_min(const struct nt_ct_topk *t)
{
	return t->used ? t->c[t->heap[0]].n : 0;
}

double nt_ct_topk_distinct(const struct nt_ct_topk *t)
{
	const double m = (double)NT_CT_HLL_REGS;
	double sum = 0, e;
	size_t i, zeros = 0;

	if (!t->evictions)
		return (double)t->used; /* exact: every key has a counter */
	for (i = 0; i < NT_CT_HLL_REGS; i++) {
		sum += ldexp(1.0, -(int)t->hll[i]);
		zeros += !t->hll[i];
	}
	e = 0.7213 / (1.0 + 1.079 / m) * m * m / sum;
	if (e <= 2.5 * m && zeros)
		e = m * log(m / (double)zeros); /* linear counting, small range */
	/* more keys than counters were seen, whatever the sketch says */
	return e > (double)t->cap ? e : (double)t->cap + 1;
}

static int cmp_counter(const void *x, const void *y)
{
	const struct nt_ct_counter *a = *(const struct nt_ct_counter *const *)x;
	const struct nt_ct_counter *b = *(const struct nt_ct_counter *const *)y;

	if (a->n != b->n)
		return a->n > b->n ? -1 : 1;
	if (a->err != b->err)
		return a->err < b->err ? -1 : 1; /* surer counts first */
	return memcmp(&a->k, &b->k, sizeof(a->k));
}

size_t nt_ct_topk_sorted(const struct nt_ct_topk *t,
			 const struct nt_ct_counter **out, size_t n)
{
	const struct nt_ct_counter **v;
	size_t i;

	if (!t->used || !n)
		return 0;
	v = malloc(t->used * sizeof(*v));
	if (!v)
		return 0;
	for (i = 0; i < t->used; i++)
		v[i] = &t->c[i];
	qsort(v, t->used, sizeof(*v), cmp_counter);
	if (n > t->used)
		n = t->used;
	memcpy(out, v, n * sizeof(*v));
	free(v);
	return n;
}
