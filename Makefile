# Moat: thin wrapper over CMake/CTest. `make demo` and `make test` do all the set-up
# (Debian packages via scripts/deps.sh) on a fresh machine.
JOBS    ?= $(shell nproc)
BUILD   ?= build
ASAN    ?= build-asan
FUZZB   ?= build-fuzz
FUZZ_SECONDS ?= 300

.PHONY: all deps build asan fuzz-build test test-fast fuzz bench demo clean format cross

all: build

deps:
	@bash scripts/deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo
build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS)

$(ASAN)/CMakeCache.txt:
	cmake -S . -B $(ASAN) -DCMAKE_BUILD_TYPE=Debug -DMOAT_SANITIZE=ON
asan: $(ASAN)/CMakeCache.txt
	cmake --build $(ASAN) -j$(JOBS)

$(FUZZB)/CMakeCache.txt:
	CC=clang cmake -S . -B $(FUZZB) -DCMAKE_BUILD_TYPE=Debug -DMOAT_FUZZ=ON
fuzz-build: $(FUZZB)/CMakeCache.txt
	cmake --build $(FUZZB) -j$(JOBS)

# Unit + integration tests, in a normal build and under ASan+UBSan, plus a short fuzz smoke.
test: deps build asan fuzz-build
	@echo "== tests (release build) =="
	ctest --test-dir $(BUILD) -j2 --output-on-failure
	@echo "== tests under AddressSanitizer + UndefinedBehaviorSanitizer =="
	ASAN_OPTIONS=detect_leaks=1 ctest --test-dir $(ASAN) -j2 --output-on-failure
	@echo "== fuzz smoke (10 s per target) =="
	ctest --test-dir $(FUZZB) -j2 --output-on-failure

# Only the normal build: the quick loop while developing.
test-fast: build
	ctest --test-dir $(BUILD) -j2 --output-on-failure

fuzz: deps fuzz-build
	@for f in $(FUZZB)/fuzz_*; do \
	  n=$$(basename $$f); echo "== $$n ($(FUZZ_SECONDS) s) =="; \
	  fuzz/run.sh $$PWD/$$f $$PWD/fuzz/corpus/$$n $(FUZZ_SECONDS) || exit 1; done

bench: deps build
	bash bench/run_all.sh $(BUILD)

demo: deps build
	bash scripts/demo.sh $(BUILD)

cross:
	bash scripts/cross.sh

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN) $(FUZZB)
