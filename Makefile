# make            everything: npm deps, addon, validators, bundle, probe, rootfs and bundles, and
#                 bin/tsrun: the Bun executable bin/tsrun-bun when npm ci brought Bun (x64 Linux),
#                 else the Node launcher bin/tsrun-node; `make TSRUN_ENGINE=node` chooses Node
# make test       lint, then every test as root: unit, integration, the conformance scenarios,
#                 the OCI validation suite and the engines against bin/tsrun, then a smoke subset
#                 against the other engine's executable; ends with "N passed, N failed"
# make conformance   RUNTIME=/path/to/runtime, our spec scenarios
# make test-engines   podman, containerd and dockerd drive the runtime end to end, each in a
#                 private tmpdir (ENGINE_RUNTIME=/usr/sbin/runc: the same scenarios with runc)
# make bench      tsrun beside runc and crun (hyperfine): bench/results/<date>.md and README.md
# make profile    where each command's time goes, per engine (--debug steps, CPU profiles):
#                 bench/results/profile-<date>.md
# make oci-validation   RUNTIME=/path/to/runtime, the OCI runtime-tools validation suite
#                 (../shared/runtime-tools, built once into build/runtime-tools), compared
#                 with conformance/oci-expected when RUNTIME is bin/tsrun
# make lint       formatting and lint (Biome, clang-format); `make format` fixes
SHELL := /bin/bash
NODE_GYP_FLAGS := $(if $(wildcard /usr/include/node/node_api.h),--nodedir=/usr,)

.PHONY: all deps addon validators bundle bundles executables test unit integration conformance oci-validation test-engines bench profile typecheck lint format clean

all: deps addon validators bundle bundles executables

deps: node_modules/.package-lock.json
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

addon: addon/build/Release/tsrun.node
addon/build/Release/tsrun.node: node_modules/.package-lock.json $(wildcard addon/src/*.cc addon/src/*.h addon/src/child/*.cc addon/src/child/*.h) addon/binding.gyp
	cd addon && ../node_modules/.bin/node-gyp rebuild $(NODE_GYP_FLAGS) >/dev/null
	scripts/check-child.sh

validators: dist/validators.cjs
dist/validators.cjs: node_modules/.package-lock.json scripts/validators.mjs $(wildcard schemas/*.json)
	node scripts/validators.mjs

bundle: dist/tsrun.cjs
dist/tsrun.cjs: node_modules/.package-lock.json dist/validators.cjs package.json scripts/bundle.mjs $(shell find src -name '*.ts')
	node scripts/bundle.mjs

# The executables: bin/tsrun-node (tracked: Node runs the bundle), bin/tsrun-bun (the same
# bundle compiled by Bun with bytecode into one file, ~110 MB, where Bun is installed) and
# bin/tsrun, a link to the faster one (make bench: Bun), or to TSRUN_ENGINE's. Whether npm ci
# brought Bun is known only after it ran: build/engine.mk records it, and make reads it again.
BUN := node_modules/@oven/bun-linux-x64/bin/bun
-include build/engine.mk
build/engine.mk: node_modules/.package-lock.json
	@mkdir -p build
	echo "FOUND_ENGINE := $$(if [ -x $(BUN) ]; then echo bun; else echo node; fi)" >$@
TSRUN_ENGINE ?= $(FOUND_ENGINE)

executables: bin/tsrun $(if $(filter bun,$(FOUND_ENGINE)),bin/tsrun-bun)
# Relinked only when the link is missing or names another engine (make follows the link, so
# its time is its target's).
bin/tsrun: bin/tsrun-$(TSRUN_ENGINE) $(if $(filter tsrun-$(TSRUN_ENGINE),$(shell readlink bin/tsrun)),,FORCE)
	ln -sfn tsrun-$(TSRUN_ENGINE) $@

# .env and bunfig.toml are never read from the caller's directory (a bundle, for engines).
bin/tsrun-bun: dist/tsrun.cjs
	@[ -x $(BUN) ] || { echo "make: $(BUN) missing: npm ci installs Bun on x64 Linux only" >&2; exit 1; }
	$(BUN) build --compile --bytecode --no-compile-autoload-dotenv --no-compile-autoload-bunfig \
		--outfile $@.tmp dist/tsrun.cjs >/dev/null
	mv -f $@.tmp $@

.PHONY: FORCE
FORCE:

bundles: build/probe build/rootfs/.done
build/probe: bundles/probe/probe.c
	@mkdir -p build
	gcc -static -O2 -Wall -Werror -o $@ $<
build/rootfs/.done: bundles/make-rootfs.sh build/probe
	bundles/make-rootfs.sh build/rootfs build/probe
	@touch $@

typecheck: deps
	node_modules/.bin/tsc -p tsconfig.json

# Format and lint: Biome for TypeScript, JavaScript and JSON (biome.jsonc), clang-format
# for C and C++ (.clang-format), and the type check. `make lint` changes nothing;
# `make format` fixes what it can.
lint: typecheck
	scripts/lint.sh

format: deps
	node_modules/.bin/biome check --write .
	clang-format -i $(shell git ls-files '*.c' '*.cc' '*.h')

# The conformance scenarios and the OCI suite (fixed cgroup names, the runtime's default
# root) run one file at a time, after the rest; then the engines, one at a time (each
# starts daemons of its own).
# The other engine, when make built two: its executable runs the smoke subset (lifecycle,
# exec, seccomp, cgroups).
OTHER_ENGINE = $(filter-out $(TSRUN_ENGINE),node $(filter bun,$(FOUND_ENGINE)))
SMOKE := $(addprefix test/integration/,lifecycle.test.ts exec.test.ts seccomp.test.ts cgroup-resources.test.ts)
test: all lint
	scripts/run-tests.sh test/unit test/integration --jobs 1 conformance test/oci test/engines \
		$(if $(OTHER_ENGINE),--jobs 2 --env TSRUN_BIN=$(CURDIR)/bin/tsrun-$(OTHER_ENGINE) $(SMOKE))

test-engines: all
	scripts/run-tests.sh --jobs 1 test/engines

unit: deps validators
	scripts/run-tests.sh test/unit

integration: all
	scripts/run-tests.sh test/integration

conformance: all
	RUNTIME=$${RUNTIME:-$(CURDIR)/bin/tsrun} node_modules/.bin/tap --disable-coverage --jobs=1 --timeout=600 conformance/*.test.ts

# The harness is TypeScript (conformance/oci/), bundled to one CommonJS file to run under Node.
oci-validation: deps addon bundle
	node_modules/.bin/esbuild conformance/oci/main.ts --bundle --platform=node --target=node20 --format=cjs --log-level=warning --outfile=build/oci-validation.cjs
	node build/oci-validation.cjs $(OCI_FILES)

# The bench's TypeScript (bench/main.ts: bundles, engines, the table), bundled two levels below
# the repository, where test/helpers/harness.ts (used by the engines' setup) finds it.
bench: all build/bench/bench.cjs
	bench/run.sh

profile: all build/bench/bench.cjs
	bench/profile.sh

build/bench/bench.cjs: node_modules/.package-lock.json $(wildcard bench/*.ts test/engines/lib/*.ts test/helpers/*.ts)
	node_modules/.bin/esbuild bench/main.ts --bundle --platform=node --target=node20 --format=cjs --log-level=warning --outfile=$@

clean:
	rm -rf dist build addon/build
