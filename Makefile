# sendrift: the two commands.
#   make demo   install what is missing, build, run sweeps/example.json through
#               mpirun on this machine, write results/example.h5 and its figures
#   make test   install what is missing, build, run every test (ctest)
# Other targets: deps, build, bench, bench-compare BASE=<commit>, asan, clean,
# study-channels, study-epigenetic (docs/studies.md).
# Variables: NP (ranks for the demo, default 3: a controller and two
# workers), BUILD (build directory).

BUILD   ?= build
NP      ?= 3
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
PYTHON  ?= /usr/bin/python3
DEB_PACKAGES = build-essential cmake pkg-config libopenmpi-dev openmpi-bin \
               libhdf5-openmpi-dev hdf5-tools libcjson-dev libcunit1-dev \
               librandom123-dev python3-h5py python3-numpy python3-matplotlib \
               python3-scipy python3-jsonschema python3-pandas python3-xarray \
               python3-h5netcdf python3-netcdf4 netcdf-bin python3-paraview \
               python3-pip python3-venv python3-setuptools

# Open MPI refuses to run as root unless told; more ranks than cores need
# --oversubscribe.  Set only when running as root.
ifeq ($(shell id -u),0)
MPI_ENV = OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
endif
# Ranks waiting in MPI poll their core when each has one (0) and yield it
# when NP ranks outnumber the cores (1): docs/benchmarks.md, "MPI idle
# waiting".  The tests set their own (tests/CMakeLists.txt: 1); bench/run.sh
# and bench/compare.sh choose per command by the same rule.
MPI_YIELD = $(shell [ $(NP) -gt $$(nproc 2>/dev/null || echo 1) ] && echo 1 || echo 0)
MPI_ENV += OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_rmaps_base_oversubscribe=1 \
           OMPI_MCA_mpi_yield_when_idle=$(MPI_YIELD)
MPIRUN  = $(MPI_ENV) mpirun --oversubscribe

.PHONY: all deps build test demo bench bench-compare asan compilers clean study-channels \
        study-epigenetic

all: build

deps:
	@./tools/install-deps.sh $(DEB_PACKAGES)

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSD_WERROR=ON

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 900

demo: build
	@mkdir -p results
	$(MPIRUN) -n $(NP) $(BUILD)/sendrift run sweeps/example.json -o results/example.h5 --force
	MPLBACKEND=Agg $(PYTHON) analysis/report results/example.h5 -o results/example-report
	@echo "demo: results/example.h5, figures and report in results/example-report/"

bench: build
	./bench/run.sh $(BUILD)

# The two studies of docs/studies.md, each 5 to 11 minutes on 2 cores:
# install, build, run their sweeps (sweeps/study-*.json and the variants
# derived from them) through mpirun on NP ranks, analyse them.  Result files,
# the sweeps run and the tables (STUDY.md, STUDY.json) in results/study-*/,
# the figures in docs/figures/studies/.  A sweep already done is kept.
STUDY = MPLBACKEND=Agg $(PYTHON) analysis/study --sendrift $(BUILD)/sendrift --np $(NP) \
        --figures docs/figures/studies
study-channels: build
	$(STUDY) channels -o results/study-channels
study-epigenetic: build
	$(STUDY) epigenetic -o results/study-epigenetic

# make bench-compare BASE=<commit>: this tree's benchmarks against those of
# <commit>, in turns in one run (bench/compare.sh).  <commit> is checked out
# in a git worktree $(BUILD)-base-<hash> and built there, when missing.
BASE_SHA  = $(if $(BASE),$(shell git rev-parse --short=12 --verify -q '$(BASE)^{commit}'))
BASE_TREE = $(BUILD)-base-$(BASE_SHA)
bench-compare: build
	@test -n "$(BASE)" || { echo "usage: make bench-compare BASE=<commit>" >&2; exit 2; }
	@test -n "$(BASE_SHA)" || { echo "bench-compare: $(BASE) is not a commit" >&2; exit 2; }
	@test -d $(BASE_TREE) || git worktree add --detach $(BASE_TREE) $(BASE_SHA)
	@test -x $(BASE_TREE)/build/bench/bench_fields -a -x $(BASE_TREE)/build/bench/bench_drift || \
	  { cmake -S $(BASE_TREE) -B $(BASE_TREE)/build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null && \
	    cmake --build $(BASE_TREE)/build -j $(JOBS) --target bench_fields bench_drift; }
	./bench/compare.sh $(BASE_TREE)/build $(BUILD)

# The C tests again under AddressSanitizer + UBSan.  LeakSanitizer is on for
# the unit and MPI tests (Open MPI's own allocations suppressed:
# tests/lsan.supp); the end-to-end tests start sendrift as an MPI singleton,
# under which LeakSanitizer's tracer crashes, so they run without it.  Left
# out of that pass: the tests of what other programs read (netCDF readers,
# ParaView, the Python analysis), whose sendrift runs are the same paths the
# other end-to-end tests take; they keep CI within its time (docs/faults.md).
# Also left out: e2e.test_ishigami_sobol and e2e.test_placement, whose C
# paths (the Sobol design, the placement of groups) unit.test_design and
# mpi.test_placement_mpi run under ASan; and unit.test_front (the
# pulled-front speed, 44 model runs; 2-3 minutes under ASan), whose
# half-space runs take the paths of the half-space case of
# mpi.test_drift_mpi, which runs under ASan on 1-4 and 6 ranks.
ASAN_ENV = OMPI_MCA_mca_base_component_disable_dlclose=1 \
           PMIX_MCA_mca_base_component_disable_dlclose=1 \
           LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
           UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
asan: deps
	cmake -S . -B $(BUILD)-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSD_SANITIZE=ON -DSD_WERROR=ON
	cmake --build $(BUILD)-asan -j $(JOBS)
	cd $(BUILD)-asan && $(ASAN_ENV) ASAN_OPTIONS=detect_leaks=1:fast_unwind_on_malloc=0 \
	  ctest --output-on-failure -j $(JOBS) --timeout 900 -LE "analysis|slurm|e2e" \
	  -E "^unit\.test_front$$"
	cd $(BUILD)-asan && $(ASAN_ENV) ASAN_OPTIONS=detect_leaks=0 \
	  ctest --output-on-failure -j $(JOBS) --timeout 900 -L e2e \
	  -E "e2e\.test_(netcdf|xdmf_vtk|analysis|ishigami_sobol|placement)$$"

# Every target built warning-free, warnings as errors, with gcc and clang at
# -O2 (RelWithDebInfo) and -O3 (Release): what users' compilers see.  The
# gcc -O2 build is `make build`; the other three are built here.
COMPILER_BUILDS = gcc:Release clang:RelWithDebInfo clang:Release
compilers: deps
	@./tools/install-deps.sh clang
	@set -e; for cb in $(COMPILER_BUILDS); do \
	  cc=$${cb%%:*}; bt=$${cb##*:}; dir=$(BUILD)-$$cc-$$bt; \
	  echo "compilers: $$cc $$bt (warnings are errors) in $$dir"; \
	  CC=$$cc cmake -S . -B $$dir -DCMAKE_BUILD_TYPE=$$bt -DSD_WERROR=ON >/dev/null; \
	  cmake --build $$dir -j $(JOBS) >$$dir/build.log 2>&1 || { tail -40 $$dir/build.log; exit 1; }; \
	done; echo "compilers: gcc and clang at -O2 and -O3: no warnings"

clean:
	rm -rf $(BUILD) $(BUILD)-asan $(foreach cb,$(COMPILER_BUILDS),$(BUILD)-$(subst :,-,$(cb)))
