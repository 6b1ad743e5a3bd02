/* Unit tests: the bounded breakdown structure (conntrack_topk.c) driven
 * directly with injected seeds: SipHash against the reference vector,
 * the exact regime, the overflow regime with its bounds, keys chosen to
 * collide under a known seed, and the distinct-key estimate. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include "nt_conntrack.h"
#include "t.h"

static const uint64_t seed_a[2] = { 0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull };
static const uint64_t seed_b[2] = { 0x243f6a8885a308d3ull, 0x13198a2e03707344ull };

static struct nt_ct_key key_of(uint32_t i)
{
	struct nt_ct_key k;

	memset(&k, 0, sizeof(k));
	k.a = 10; /* AF_INET6 */
	k.addr[0] = 0x20; k.addr[1] = 0x01; k.addr[2] = 0x0d; k.addr[3] = 0xb8;
	memcpy(k.addr + 12, &i, sizeof(i));
	return k;
}

/* xorshift64*: a fixed stream, so the tests are reproducible */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

static const struct nt_ct_counter *lookup(const struct nt_ct_topk *t,
					  const struct nt_ct_key *k)
{
	size_t i;

	for (i = 0; i < t->used; i++)
		if (!memcmp(&t->c[i].k, k, sizeof(*k)))
			return &t->c[i];
	return NULL;
}

static size_t longest_chain(const struct nt_ct_topk *t)
{
	size_t b, n, best = 0;
	uint32_t i;

	for (b = 0; b < t->nbuckets; b++) {
		for (n = 0, i = t->bucket[b]; i != UINT32_MAX; i = t->c[i].next)
			n++;
		if (n > best)
			best = n;
	}
	return best;
}

static void test_siphash(void)
{
	/* SipHash-2-4 reference: key 00..0f, message 00..0e (the paper's
	 * appendix A) */
	uint8_t msg[15];
	uint64_t h1, h2;
	struct nt_ct_key k = key_of(7);
	size_t i;

	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	T_EQ_U(nt_ct_siphash(seed_a, msg, sizeof(msg), 2, 4), 0xa129ca6149be45e5ull,
	       "SipHash-2-4 matches the reference vector");
	T_EQ_U(nt_ct_siphash(seed_a, "", 0, 2, 4), 0x726fdb47dd0e0e31ull,
	       "SipHash-2-4 of the empty message");
	h1 = nt_ct_siphash(seed_a, &k, sizeof(k), 1, 3);
	h2 = nt_ct_siphash(seed_b, &k, sizeof(k), 1, 3);
	T_OK(h1 != h2, "another seed, another hash");
	T_EQ_U(nt_ct_siphash(seed_a, &k, sizeof(k), 1, 3), h1, "same seed, same hash");
}

static void test_init(void)
{
	struct nt_ct_topk a, b;

	T_EQ_I(nt_ct_topk_init(&a, 0, seed_a), -EINVAL, "0 counters rejected");
	T_EQ_I(nt_ct_topk_init(&a, (size_t)NT_CT_TOPK_MAX + 1, seed_a), -EINVAL,
	       "more than NT_CT_TOPK_MAX rejected");
	T_EQ_I(nt_ct_topk_init(&a, 8, NULL), 0, "getrandom seed");
	T_EQ_I(nt_ct_topk_init(&b, 8, NULL), 0, "a second instance");
	T_OK(memcmp(a.key, b.key, sizeof(a.key)) != 0,
	     "each instance draws its own key (no process-global seed)");
	nt_ct_topk_free(&a);
	nt_ct_topk_free(&b);
	nt_ct_topk_free(&a); /* idempotent */
}

static void test_exact(void)
{
	struct nt_ct_topk t;
	const struct nt_ct_counter *top[1000];
	uint64_t total = 0;
	uint32_t i, j, bad = 0;
	size_t n;

	nt_ct_topk_init(&t, 1000, seed_a);
	/* key (i * 7919) % 1000 (a permutation) seen (i % 37) + 1 times */
	for (i = 0; i < 1000; i++)
		for (j = 0; j <= i % 37; j++) {
			struct nt_ct_key k = key_of((i * 7919u) % 1000);

			nt_ct_topk_add(&t, &k);
			total++;
		}
	T_EQ_U(t.evictions, 0, "1,000 keys in 1,000 counters: no eviction");
	T_EQ_U(t.total, total, "every key counted");
	T_NEAR(nt_ct_topk_distinct(&t), 1000, 0, "exact distinct count");
	for (i = 0; i < 1000; i++) {
		struct nt_ct_key k = key_of(i);
		const struct nt_ct_counter *c = lookup(&t, &k);
		/* key (i * 7919) % 1000 was added (i % 37) + 1 times */
		uint32_t src = 0;

		while ((src * 7919u) % 1000 != i)
			src++;
		if (!c || c->n != src % 37 + 1 || c->err)
			bad++;
	}
	T_EQ_U(bad, 0, "exact regime: every count exact, error 0");
	n = nt_ct_topk_sorted(&t, top, 1000);
	T_EQ_U(n, 1000, "all counters sorted");
	for (i = 1, bad = 0; i < n; i++)
		if (top[i - 1]->n < top[i]->n ||
		    (top[i - 1]->n == top[i]->n &&
		     memcmp(&top[i - 1]->k, &top[i]->k, sizeof(top[i]->k)) > 0))
			bad++;
	T_EQ_U(bad, 0, "largest first, ties by key");
	nt_ct_topk_reset(&t);
	T_EQ_U(t.used + t.total + t.evictions, 0, "reset empties the summary");
	T_EQ_U(t.key[0], seed_a[0], "reset keeps the key");
	nt_ct_topk_free(&t);
}

/* A flood: five heavy keys (10k, 8k, 6k, 4k, 2k) among `singles` keys
 * seen once into cap counters; shuffled, or (heavy_last) the worst order
 * for Space-Saving: every singleton first, so each heavy key arrives when
 * the counters are full and takes over one with the largest error. */
static void test_overflow(size_t cap, uint32_t singles, bool heavy_last,
			  const char *what)
{
	static const uint32_t heavy[5] = { 10000, 8000, 6000, 4000, 2000 };
	uint32_t nheavy = 30000, n = nheavy + singles, i, j, *stream;
	const struct nt_ct_counter *top[5];
	struct nt_ct_topk t;
	uint64_t s = 42, sum = 0, thr;
	uint32_t bad_bounds = 0, bad_order = 0, missing = 0;
	uint32_t *truth;

	stream = malloc(n * sizeof(*stream));
	truth = calloc(singles + 5, sizeof(*truth));
	j = 0;
	if (heavy_last)
		for (i = 0; i < singles; i++)
			stream[j++] = 5 + i;
	for (i = 0; i < 5; i++)
		for (uint32_t r = 0; r < heavy[i]; r++)
			stream[j++] = i;
	for (i = 0; !heavy_last && i < singles; i++)
		stream[j++] = 5 + i;
	for (i = n - 1; !heavy_last && i > 0; i--) { /* Fisher-Yates */
		uint32_t r = (uint32_t)(rnd(&s) % (i + 1)), x = stream[i];

		stream[i] = stream[r];
		stream[r] = x;
	}
	nt_ct_topk_init(&t, cap, seed_b);
	for (i = 0; i < n; i++) {
		struct nt_ct_key k = key_of(stream[i]);

		nt_ct_topk_add(&t, &k);
		truth[stream[i]]++;
	}
	T_OK(t.evictions > 0, "%s: the counters overflowed", what);
	for (i = 0; i < t.used; i++) {
		const struct nt_ct_counter *c = &t.c[i];
		uint32_t id;

		memcpy(&id, c->k.addr + 12, sizeof(id));
		sum += c->n;
		if (!(truth[id] <= c->n && c->n <= truth[id] + c->err) ||
		    c->err > nt_ct_topk_min(&t))
			bad_bounds++;
	}
	T_EQ_U(bad_bounds, 0, "%s: every counter: true <= count <= true + err, err <= min", what);
	T_EQ_U(sum, n, "%s: counters sum to the stream length", what);
	T_OK(nt_ct_topk_min(&t) <= n / cap, "%s: min counter %llu <= N/cap %zu", what,
	     (unsigned long long)nt_ct_topk_min(&t), (size_t)(n / cap));
	thr = n / cap;
	for (i = 0; i < singles + 5; i++) {
		struct nt_ct_key k = key_of(i);

		if (truth[i] > thr && !lookup(&t, &k))
			missing++;
	}
	T_EQ_U(missing, 0, "%s: every key above N/cap has a counter", what);
	T_EQ_U(nt_ct_topk_sorted(&t, top, 5), 5, "%s: five rows", what);
	for (i = 0; i < 5; i++) {
		uint32_t id;

		memcpy(&id, top[i]->k.addr + 12, sizeof(id));
		if (id != i || top[i]->n > heavy[i] + heavy[i] / 100 ||
		    top[i]->n < heavy[i])
			bad_order++;
	}
	T_EQ_U(bad_order, 0, "%s: the heavy five first, in order, within 1 %%", what);
	if (heavy_last)
		T_OK(top[4]->err > 0, "%s: heavy counts carry a non-zero bound (%llu)", what,
		     (unsigned long long)top[4]->err);
	T_NEAR(nt_ct_topk_distinct(&t) / (singles + 5), 1.0, 0.06,
	       "%s: distinct-key estimate within 6 %%", what);
	nt_ct_topk_free(&t);
	free(stream);
	free(truth);
}

/* Keys chosen to share one bucket under seed_a (what an attacker who knew
 * an unkeyed or fixed hash would send) spread out under another seed. */
static void test_adversarial(void)
{
	enum { CAP = 256, WANT = 200 };
	struct nt_ct_topk a, b;
	struct nt_ct_key *keys = malloc(WANT * sizeof(*keys));
	uint32_t i, n = 0;

	nt_ct_topk_init(&a, CAP, seed_a);
	nt_ct_topk_init(&b, CAP, seed_b);
	for (i = 0; n < WANT; i++) {
		struct nt_ct_key k = key_of(i);

		if ((nt_ct_siphash(seed_a, &k, sizeof(k), 1, 3) & (a.nbuckets - 1)) == 0)
			keys[n++] = k;
	}
	for (i = 0; i < WANT; i++) {
		nt_ct_topk_add(&a, &keys[i]);
		nt_ct_topk_add(&b, &keys[i]);
	}
	T_EQ_U(longest_chain(&a), WANT, "chosen keys all collide under the seed they were chosen for");
	T_OK(longest_chain(&b) <= 8, "the same keys under another seed: longest chain %zu",
	     longest_chain(&b));
	T_EQ_U(b.evictions, 0, "and are counted exactly");
	nt_ct_topk_free(&a);
	nt_ct_topk_free(&b);

	/* Sequential addresses (a scan), capacity overflowed many times:
	 * chains stay short, bounds hold. */
	nt_ct_topk_init(&b, 1024, seed_b);
	for (i = 0; i < 100000; i++) {
		struct nt_ct_key k = key_of(i);

		nt_ct_topk_add(&b, &k);
	}
	T_OK(longest_chain(&b) <= 12, "100k sequential keys in 1,024 counters: longest chain %zu",
	     longest_chain(&b));
	T_OK(nt_ct_topk_min(&b) <= 100000 / 1024, "min counter within N/cap");
	nt_ct_topk_free(&b);
	free(keys);
}

static void test_agg_bounds(void)
{
	/* Through the aggregator: counters chosen at init, exactness
	 * reported, error per row. */
	struct nt_ct_agg a;
	struct nt_ct_top top[3];
	struct nt_ct_entry e;
	uint32_t i;
	size_t n;

	T_EQ_I(nt_ct_agg_init(&a, NT_BY_SRC, NULL, 4, seed_a), 0, "aggregator of 4 counters");
	memset(&e, 0, sizeof(e));
	e.have = NT_CTE_SRC;
	e.family = 2;
	for (i = 0; i < 4; i++) {
		e.src[3] = (uint8_t)(1 + i);
		nt_ct_agg_add(&a, &e);
	}
	T_OK(nt_ct_agg_exact(&a), "four sources in four counters: exact");
	e.src[3] = 9;
	for (i = 0; i < 10; i++)
		nt_ct_agg_add(&a, &e);
	T_OK(!nt_ct_agg_exact(&a), "a fifth source: approximate");
	n = nt_ct_agg_top(&a, top, 3);
	T_EQ_U(n, 3, "three rows");
	T_OK(!strcmp(top[0].value, "0.0.0.9") && top[0].count >= 10 &&
	     top[0].count <= 10 + top[0].err, "heavy source first, 10 <= %llu <= 10 + %llu",
	     (unsigned long long)top[0].count, (unsigned long long)top[0].err);
	T_EQ_U(top[0].err, 1, "its bound is the counter it took over (1)");
	nt_ct_agg_free(&a);
}

/* The heap under the counters: a new counter of 1 must become the root
 * when the root counts more. A A B C in 2 counters: C takes B's counter
 * (the minimum, 1), never A's 2. Then a stream with counts of every size:
 * after each add the heap property holds at every node, and no bound is
 * above the minimum counter (Space-Saving's invariant). */
static void test_heap(void)
{
	struct nt_ct_topk t;
	struct nt_ct_key a = key_of(1), b = key_of(2), c = key_of(3);
	const struct nt_ct_counter *x;
	uint32_t i, bad = 0, badmin = 0, r = 12345;
	size_t j;

	nt_ct_topk_init(&t, 2, seed_a);
	nt_ct_topk_add(&t, &a);
	nt_ct_topk_add(&t, &a);
	nt_ct_topk_add(&t, &b);
	T_EQ_U(t.c[t.heap[0]].n, 1, "a new counter of 1 is the root under a 2");
	nt_ct_topk_add(&t, &c);
	x = lookup(&t, &a);
	T_OK(x && x->n == 2 && x->err == 0, "A A B C in 2 counters: A kept, exact (2, error 0)");
	x = lookup(&t, &c);
	T_OK(x && x->n == 2 && x->err == 1, "  C took B's counter: 2 with error 1");
	nt_ct_topk_free(&t);

	nt_ct_topk_init(&t, 64, seed_b);
	for (i = 0; i < 20000; i++) {
		struct nt_ct_key k;

		r = r * 1103515245u + 12345u;
		k = key_of((r >> 16) % ((r >> 8 & 1) ? 16 : 4000)); /* heavy and light */
		nt_ct_topk_add(&t, &k);
		for (j = 1; j < t.used; j++)
			if (t.c[t.heap[(j - 1) / 2]].n > t.c[t.heap[j]].n)
				bad++;
		for (j = 0; j < t.used; j++)
			if (t.c[j].err > nt_ct_topk_min(&t))
				badmin++;
	}
	T_EQ_U(bad, 0, "heap property after every one of 20,000 adds");
	T_EQ_U(badmin, 0, "no error bound above the minimum counter");
	nt_ct_topk_free(&t);
}

int main(void)
{
	test_siphash();
	test_init();
	test_exact();
	test_heap();
	test_overflow(16384, 170000, false, "16384 counters, 170k singletons");
	test_overflow(1024, 50000, false, "1024 counters, 50k singletons");
	test_overflow(16384, 170000, true, "heavy keys last, 16384 counters");
	test_adversarial();
	test_agg_bounds();
	return T_DONE();
}
