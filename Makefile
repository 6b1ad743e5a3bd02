# nettriage: see README.md. `make check` runs every test level.
PREFIX  ?= /usr/local
DESTDIR ?=
SBINDIR ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
# JSON Schemas of the -j documents (schema/*.schema.json, see nettriage(8))
SCHEMADIR ?= $(PREFIX)/share/nettriage/schema

CC      ?= gcc
PKGS    := libmnl jansson libnetfilter_conntrack libpcap
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN    := -Wall -Wextra -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes \
	   -Wshadow -Wpointer-arith -Wvla -Wno-missing-field-initializers
ifneq ($(CI),)
WARN    += -Werror
endif
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 $(WARN) -Iinclude $(PKG_CFLAGS) -D_GNU_SOURCE -D_FORTIFY_SOURCE=2
LDLIBS  += $(PKG_LIBS) -lm

ifneq ($(SANITIZE),)
CFLAGS  += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SANITIZE)
BUILD   ?= build-san
else
BUILD   ?= build
endif

# Library objects (everything but main.c) are shared by the binary, the
# unit tests and the fuzzers.
LIB_SRC := $(filter-out src/main.c,$(wildcard src/*.c)) $(wildcard probes/*.c)
LIB_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRC))
BIN     := $(BUILD)/nettriage
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
NET_HELPERS := $(patsubst tests/net/%.c,$(BUILD)/tests/%,$(wildcard tests/net/*.c))
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(patsubst tests/fuzz/%.c,build-fuzz/%,$(FUZZ_SRC))

.PHONY: all deps run check unit bench fuzz fuzz-build fuzz-seeds install uninstall clean
all: $(BIN)

$(BUILD)/%.o: %.c $(wildcard include/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BIN): $(BUILD)/src/main.o $(LIB_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/nlgen.c tests/unit/nlgen.h tests/unit/t.h $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< tests/unit/nlgen.c $(LIB_OBJ) $(LDLIBS)

$(BUILD)/tests/%: tests/net/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LDLIBS)

deps:
	@sh scripts/deps.sh

run: deps $(BIN)
	./$(BIN) link

unit: $(UNIT_BIN) $(NET_HELPERS)

check: deps $(BIN) $(UNIT_BIN) $(NET_HELPERS)
	@BUILD=$(BUILD) sh tests/run.sh

# libFuzzer targets: clang, ASan+UBSan. FUZZ_SECONDS per target.
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -Iinclude -Itests/unit $(PKG_CFLAGS) \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
build-fuzz/%: tests/fuzz/%.c $(LIB_SRC) $(wildcard include/*.h)
	@mkdir -p build-fuzz
	clang $(FUZZ_CFLAGS) -o $@ $< $(LIB_SRC) $(PKG_LIBS) -lm

fuzz-build: $(FUZZ_BIN)

fuzz: deps $(FUZZ_BIN)
	@for f in $(FUZZ_BIN); do n=$${f#build-fuzz/fuzz_}; \
	  mkdir -p build-fuzz/corpus-$$n; \
	  echo "fuzz: $$f for $(FUZZ_SECONDS) s"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    build-fuzz/corpus-$$n tests/fuzz/corpus/$$n || exit 1; done

bench: deps $(BIN)
	@BUILD=$(BUILD) sh tests/bench/run.sh

install: $(BIN)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8
	install -m 0755 $(BIN) $(DESTDIR)$(SBINDIR)/nettriage
	install -m 0644 man/*.8 $(DESTDIR)$(MANDIR)/man8/
	install -d $(DESTDIR)$(SCHEMADIR)
	install -m 0644 schema/*.schema.json $(DESTDIR)$(SCHEMADIR)/

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/nettriage
	cd man && for m in *.8; do rm -f $(DESTDIR)$(MANDIR)/man8/$$m; done
	cd schema && for s in *.schema.json; do rm -f $(DESTDIR)$(SCHEMADIR)/$$s; done
	-rmdir $(DESTDIR)$(SCHEMADIR) $(DESTDIR)$(PREFIX)/share/nettriage 2>/dev/null

clean:
	rm -rf build build-san build-fuzz

# Regenerate the seed corpora from the canned-message generators.
SEED_GENS := $(patsubst tests/fuzz/gen_%_seeds.c,%,$(wildcard tests/fuzz/gen_*_seeds.c))
fuzz-seeds: $(patsubst %,$(BUILD)/tests/gen_%_seeds,$(SEED_GENS))
	@for g in $(SEED_GENS); do mkdir -p tests/fuzz/corpus/$$g; \
	  $(BUILD)/tests/gen_$${g}_seeds tests/fuzz/corpus/$$g || exit 1; done
$(BUILD)/tests/gen_%_seeds: tests/fuzz/gen_%_seeds.c tests/unit/nlgen.c tests/unit/nlgen.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< tests/unit/nlgen.c $(LDLIBS)
