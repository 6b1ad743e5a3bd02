# nettriage: see README.md. `make check` runs every test level.
PREFIX  ?= /usr/local
DESTDIR ?=
SBINDIR ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
# JSON Schemas of the -j documents (schema/*.schema.json, see nettriage(8))
SCHEMADIR ?= $(PREFIX)/share/nettriage/schema
# bash-completion's own directory when pkg-config knows it (asked only by
# install and uninstall), else the usual place under PREFIX
BASHCOMPDIR ?= $(or $(shell pkg-config --variable=completionsdir bash-completion 2>/dev/null),$(PREFIX)/share/bash-completion/completions)
# contrib/systemd: the service and timer, the sysusers.d and tmpfiles.d
# snippets, in systemd's own directories when pkg-config knows them (asked
# only by install and uninstall), else under PREFIX
SYSTEMDUNITDIR ?= $(or $(shell pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null),$(PREFIX)/lib/systemd/system)
SYSUSERSDIR ?= $(or $(shell pkg-config --variable=sysusersdir systemd 2>/dev/null),$(PREFIX)/lib/sysusers.d)
TMPFILESDIR ?= $(or $(shell pkg-config --variable=tmpfilesdir systemd 2>/dev/null),$(PREFIX)/lib/tmpfiles.d)
# contrib/prometheus: the alerting rules
PROMRULESDIR ?= $(PREFIX)/share/nettriage/prometheus

CC      ?= gcc
PKGS    := libmnl jansson libnetfilter_conntrack libpcap
# The Debian package that ships each pkg-config name.
DEB_libmnl                 := libmnl-dev
DEB_jansson                := libjansson-dev
DEB_libnetfilter_conntrack := libnetfilter-conntrack-dev
DEB_libpcap                := libpcap-dev

# deps, run, check, bench and fuzz install the packages first (scripts/deps.sh)
# and then build in a sub-make, so that pkg-config is asked only once they
# are there. Every other goal that compiles needs them now: if one is
# missing, stop with one line that names it, not with a compiler error.
NODEPS_GOALS := deps run demo check bench fuzz clean uninstall
ifneq ($(filter-out $(NODEPS_GOALS),$(or $(MAKECMDGOALS),all)),)
ifeq ($(shell command -v pkg-config 2>/dev/null),)
PKG_MISSING := pkg-config $(PKGS)
PKG_MISSING_DEB := pkg-config $(foreach p,$(PKGS),$(DEB_$(p)))
else
PKG_MISSING := $(shell for p in $(PKGS); do pkg-config --exists $$p || echo $$p; done)
PKG_MISSING_DEB := $(foreach p,$(PKG_MISSING),$(DEB_$(p)))
endif
ifneq ($(PKG_MISSING),)
$(error nettriage: missing $(PKG_MISSING_DEB) (pkg-config $(PKG_MISSING)); run: sudo apt-get install $(PKG_MISSING_DEB)  (or: make deps))
endif
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))
endif

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
LIB_SRC := $(filter-out src/core/main.c,$(wildcard src/*/*.c)) $(wildcard probes/*.c)
LIB_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRC))
BIN     := $(BUILD)/nettriage
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
NET_HELPERS := $(patsubst tests/net/%.c,$(BUILD)/tests/%,$(wildcard tests/net/*.c))
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(patsubst tests/fuzz/%.c,build-fuzz/%,$(FUZZ_SRC))

.PHONY: all deps run run-nodeps demo demo-nodeps check check-nodeps unit bench bench-nodeps fuzz fuzz-nodeps \
	fuzz-build fuzz-seeds install uninstall clean
all: $(BIN)

$(BUILD)/%.o: %.c $(wildcard include/*.h src/*/*.h probes/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BIN): $(BUILD)/src/core/main.o $(LIB_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/nlgen.c $(wildcard tests/unit/*.h) $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< tests/unit/nlgen.c $(LIB_OBJ) $(LDLIBS)

$(BUILD)/tests/%: tests/net/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LDLIBS)

# Namespace-test helpers that drive the library itself (a layer, the
# prober): tests/net/lib_*.c, linked with it and with pthreads.
$(BUILD)/tests/lib_%: tests/net/lib_%.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB_OBJ) $(LDLIBS) -pthread

deps:
	@sh scripts/deps.sh

# Exit 1 (WARN) and 2 (CRIT) are verdicts of a run that worked: say so and
# succeed. make fails only when nettriage could not measure (3), was used
# wrongly (64) or crashed. Scripts call the binary, not make.
run: deps
	@$(MAKE) --no-print-directory run-nodeps
run-nodeps: $(BIN)
	@./$(BIN) triage; rc=$$?; \
	case $$rc in \
	0) ;; \
	1|2) echo "make run: $(BIN) triage exited $$rc ($$([ $$rc = 1 ] && echo WARN || echo CRIT)" \
		"verdict, the run itself worked)" ;; \
	*) echo "make run: $(BIN) triage exited $$rc (could not measure, usage error or crash)" >&2; \
		exit $$rc ;; \
	esac

# A namespace scenario with every fault of issue 9 in it, nettriage triage
# run inside it, torn down afterwards (scripts/demo.sh; root).
demo: deps
	@$(MAKE) --no-print-directory demo-nodeps
demo-nodeps: $(BIN) $(NET_HELPERS)
	@BUILD=$(BUILD) bash scripts/demo.sh

unit: $(UNIT_BIN) $(NET_HELPERS)

check: deps
	@$(MAKE) --no-print-directory check-nodeps
check-nodeps: $(BIN) $(UNIT_BIN) $(NET_HELPERS)
	@BUILD=$(BUILD) sh tests/run.sh

# libFuzzer targets: clang, ASan+UBSan. FUZZ_SECONDS per target.
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -Iinclude -Itests/unit $(PKG_CFLAGS) \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
build-fuzz/%: tests/fuzz/%.c $(LIB_SRC) $(wildcard include/*.h src/*/*.h probes/*.h)
	@mkdir -p build-fuzz
	clang $(FUZZ_CFLAGS) -o $@ $< $(LIB_SRC) $(PKG_LIBS) -lm

fuzz-build: $(FUZZ_BIN)

fuzz: deps
	@$(MAKE) --no-print-directory fuzz-nodeps
fuzz-nodeps: $(FUZZ_BIN)
	@for f in $(FUZZ_BIN); do n=$${f#build-fuzz/fuzz_}; \
	  mkdir -p build-fuzz/corpus-$$n; \
	  echo "fuzz: $$f for $(FUZZ_SECONDS) s"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    build-fuzz/corpus-$$n tests/fuzz/corpus/$$n || exit 1; done

bench: deps
	@$(MAKE) --no-print-directory bench-nodeps
bench-nodeps: $(BIN)
	@BUILD=$(BUILD) sh tests/bench/run.sh

install: $(BIN)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(BASHCOMPDIR)
	install -m 0755 $(BIN) $(DESTDIR)$(SBINDIR)/nettriage
	install -m 0644 man/*.8 $(DESTDIR)$(MANDIR)/man8/
	install -d $(DESTDIR)$(SCHEMADIR)
	install -m 0644 schema/*.schema.json $(DESTDIR)$(SCHEMADIR)/
	install -m 0644 contrib/bash-completion/nettriage $(DESTDIR)$(BASHCOMPDIR)/nettriage
	install -d $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR) \
		$(DESTDIR)$(PROMRULESDIR)
	sed 's|^ExecStart=/usr/local/bin/nettriage |ExecStart=$(SBINDIR)/nettriage |' \
		contrib/systemd/nettriage.service >$(DESTDIR)$(SYSTEMDUNITDIR)/nettriage.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/nettriage.service
	install -m 0644 contrib/systemd/nettriage.timer $(DESTDIR)$(SYSTEMDUNITDIR)/nettriage.timer
	install -m 0644 contrib/systemd/nettriage.sysusers $(DESTDIR)$(SYSUSERSDIR)/nettriage.conf
	install -m 0644 contrib/systemd/nettriage.tmpfiles $(DESTDIR)$(TMPFILESDIR)/nettriage.conf
	install -m 0644 contrib/prometheus/nettriage.rules.yml $(DESTDIR)$(PROMRULESDIR)/nettriage.rules.yml

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/nettriage
	rm -f $(DESTDIR)$(BASHCOMPDIR)/nettriage
	rm -f $(DESTDIR)$(SYSTEMDUNITDIR)/nettriage.service $(DESTDIR)$(SYSTEMDUNITDIR)/nettriage.timer
	rm -f $(DESTDIR)$(SYSUSERSDIR)/nettriage.conf $(DESTDIR)$(TMPFILESDIR)/nettriage.conf
	rm -f $(DESTDIR)$(PROMRULESDIR)/nettriage.rules.yml
	cd man && for m in *.8; do rm -f $(DESTDIR)$(MANDIR)/man8/$$m; done
	cd schema && for s in *.schema.json; do rm -f $(DESTDIR)$(SCHEMADIR)/$$s; done
	-rmdir $(DESTDIR)$(SCHEMADIR) $(DESTDIR)$(PROMRULESDIR) $(DESTDIR)$(PREFIX)/share/nettriage 2>/dev/null

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
