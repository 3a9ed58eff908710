# invoca.messaging: the two commands are `make demo` and `make test`; everything they need is set up here.
# `make check` is the quick loop before a commit (lint, units on the newest core, sanity of the changed files).
#
# Virtualenvs (made on first use, remade when their pin file changes):
#   .venv-demo    ansible-core 2.21 and requests only, for make demo and the built tarball: tests/requirements/demo.txt
#   .venv         ansible-core 2.21 (newest), the test tools and the docsite tools:   tests/requirements/core-newest.txt
#   .venv-oldest  ansible-core 2.16 (oldest supported):                                tests/requirements/core-oldest.txt
#   .venv-awx     ansible-runner, ansible-builder (as AWX uses them) and galaxy-importer: tests/requirements/awx.txt
# PYTHON=/path/to/python3.12 overrides the search done by tests/scripts/find_python.sh.
# TEST_JOBS (default 2) is how many of make test's checks run at once; each one's output is printed when it ends.

PYTHON      ?=
VENV_DEMO   := .venv-demo
VENV        := .venv
VENV_OLDEST := .venv-oldest
VENV_AWX    := .venv-awx
VENV_EDA    := .venv-eda
DOCS_HTML   := docs/build/html
BUILD       := build
COLLECTIONS := $(BUILD)/collections
VERSION     := $(shell sed -n 's/^version: *//p' galaxy.yml)
TARBALL     := $(BUILD)/invoca-messaging-$(VERSION).tar.gz
ANSIBLE_TEST := tests/scripts/ansible_test.sh
WITH_SIMULATOR := tests/simulator/with_simulator.py
# Tracked and untracked-but-not-ignored files: what the built collection is made of.
SOURCES     := $(wildcard $(shell git ls-files --cached --others --exclude-standard 2>/dev/null))

.PHONY: help demo test check units sanity integration awx docs docs-test galaxy-import lint ansible-doc changelog-lint \
	bench soak clean test-all sanity-changed venvs \
	units-newest units-oldest sanity-newest sanity-oldest integration-newest integration-oldest collection

help:
	@echo "make demo    run a playbook against the local API simulator (sets everything up)"
	@echo "make check   the quick loop before a commit (under 3 minutes once the venvs exist): changelog lint,"
	@echo "             ansible-lint, unit tests on ansible-core 2.21, ansible-test sanity of the files changed"
	@echo "             against main (CHECK_BASE) or not committed yet"
	@echo "make test    everything that checks the project: units, sanity, integration, lint, docs, AWX, Galaxy, EE"
	@echo "             (TEST_JOBS=2 checks at a time)"
	@echo "make bench   the performance benchmark (writes tests/benchmark/results.md)"
	@echo "make soak    the long form of the fault-injection soak test"
	@echo "make docs    the HTML docsite, in $(DOCS_HTML)"
	@echo "make clean   remove virtualenvs, builds and test output"

# -- virtualenvs --------------------------------------------------------------------------------------------

# The Python the venvs are made with: PYTHON, else what find_python.sh finds. A recursive variable that replaces
# itself on first use, so the search runs, and make names the Python it picked, once per make run (and not at
# all for targets that need no new venv).
PICKED_PYTHON = $(eval PICKED_PYTHON := $(call pick_python))$(PICKED_PYTHON)
define pick_python
$(strip $(eval _py := $(if $(PYTHON),$(PYTHON),$(shell tests/scripts/find_python.sh)))
$(if $(_py),$(info make: Python $(shell "$(_py)" -c 'import platform; print(platform.python_version())') at $(_py)),
$(error no usable Python 3.12 or newer: see the message above, or set PYTHON=/path/to/python3.12))$(_py))
endef

# Recipe of every venv rule: the target is DIR/.installed, the first prerequisite its pin file.
define make_venv
@echo "make: $(@D): installing $<"
@rm -rf $(@D)
@"$(PICKED_PYTHON)" -m venv $(@D)
@$(@D)/bin/python -m pip install --disable-pip-version-check -q -r $<
@touch $@
endef

# The demo's venv gets no pip of its own when the picked Python's pip can install into it (pip >= 22.3): making
# a venv with pip costs about 10 s of a first make demo, whose target is under a minute.
$(VENV_DEMO)/.installed: tests/requirements/demo.txt
	@echo "make: $(@D): installing $< (ansible-core and requests only)"
	@rm -rf $(@D)
	@if "$(PICKED_PYTHON)" -m pip --python "$(PICKED_PYTHON)" --version > /dev/null 2>&1; then \
		"$(PICKED_PYTHON)" -m venv --without-pip $(@D) && \
		"$(PICKED_PYTHON)" -m pip --python $(@D)/bin/python install --disable-pip-version-check -q -r $<; \
	else \
		"$(PICKED_PYTHON)" -m venv $(@D) && $(@D)/bin/python -m pip install --disable-pip-version-check -q -r $<; \
	fi
	@touch $@

$(VENV)/.installed: tests/requirements/core-newest.txt
	$(make_venv)

$(VENV_OLDEST)/.installed: tests/requirements/core-oldest.txt
	$(make_venv)

$(VENV_AWX)/.installed: tests/requirements/awx.txt
	$(make_venv)

# -- the collection, built and installed the way a user gets it ----------------------------------------------

# Built by the demo's venv (the same ansible-core as .venv), so make demo needs no test tools.
$(TARBALL): $(VENV_DEMO)/.installed $(SOURCES)
	@echo "make: building $@"
	@mkdir -p $(BUILD)
	@$(VENV_DEMO)/bin/ansible-galaxy collection build --force --output-path $(BUILD) . > /dev/null

$(COLLECTIONS)/.installed: $(TARBALL)
	@echo "make: installing it into $(COLLECTIONS)"
	@rm -rf $(COLLECTIONS)
	@ANSIBLE_COLLECTIONS_PATH="$(abspath $(COLLECTIONS))" \
		$(VENV_DEMO)/bin/ansible-galaxy collection install --force -p $(COLLECTIONS) $(TARBALL) > /dev/null
	@touch $@

collection: $(COLLECTIONS)/.installed

# -- make demo ----------------------------------------------------------------------------------------------

demo: $(COLLECTIONS)/.installed
	@echo "make: running tests/demo/demo.yml against a local simulator"
	@PATH="$(abspath $(VENV_DEMO))/bin:$$PATH" ANSIBLE_COLLECTIONS_PATH="$(abspath $(COLLECTIONS))" \
	ANSIBLE_PYTHON_INTERPRETER="$(abspath $(VENV_DEMO))/bin/python" ANSIBLE_LOCALHOST_WARNING=false \
	ANSIBLE_INVENTORY_UNPARSED_WARNING=false \
	$(VENV_DEMO)/bin/python $(WITH_SIMULATOR) -- ansible-playbook -i localhost, tests/demo/demo.yml

# -- make test ----------------------------------------------------------------------------------------------

# The checks run TEST_JOBS at a time (a make of its own with -j and --output-sync, so each check's output comes
# out whole when it ends, not interleaved). On the 2-core machine of the README, two at a time overlaps one check's
# waiting (pip, podman, the real sleeps of integration tests) with another's work.
TEST_JOBS ?= 2

test:
	@$(MAKE) --no-print-directory -j$(TEST_JOBS) --output-sync=target venvs
	@$(MAKE) --no-print-directory -j$(TEST_JOBS) --output-sync=target test-all
	@echo "make test: all checks passed"

# Made first, on their own: with them made, make -j starts test-all's checks in the order they are listed (while a
# venv was being made, make started whatever cheap check was ready and left the long ones for later).
venvs: $(VENV)/.installed $(VENV_AWX)/.installed $(VENV_OLDEST)/.installed $(VENV_DEMO)/.installed

# The slowest first, so that they start first: the EE (mostly waiting on apt-get, debootstrap and podman) next to
# the integration tests (CPU), then the sanity tests.
test-all: ee integration-newest sanity-newest eda integration-oldest sanity-oldest units awx galaxy-import docs-test \
	changelog-lint lint ansible-doc

# Event-Driven Ansible: the example rulebook run by a real ansible-rulebook (Java 17 from Debian, installed when
# missing) with the built collection, against the simulator, across a restart: tests/eda. Its venv (ansible-rulebook
# pinned in tests/requirements/eda.txt) is made by tests/eda/setup.sh.
.PHONY: eda
eda:
	@echo "make: EDA rulebook with ansible-rulebook against the simulator"
	@tests/eda/setup.sh $(VENV_EDA) $(PYTHON)
	@$(VENV_EDA)/bin/python -m pytest -p no:cacheprovider -q tests/eda

# -- make check ---------------------------------------------------------------------------------------------

# The quick loop: lint, the unit tests on the newest core, and sanity of what changed (against the merge base
# with CHECK_BASE, and what is not committed yet). make test runs everything else.
CHECK_BASE ?= main

check:
	@$(MAKE) --no-print-directory -j$(TEST_JOBS) --output-sync=target changelog-lint lint units-newest sanity-changed
	@echo "make check: passed (make test runs everything)"

# ansible-test sanity of the files changed against the merge base of HEAD and CHECK_BASE (else origin/CHECK_BASE,
# else HEAD: then only uncommitted work), committed or not, untracked ones included; deleted files are left out.
sanity-changed: $(VENV)/.installed
	@base=$$(git merge-base HEAD $(CHECK_BASE) 2>/dev/null || git merge-base HEAD origin/$(CHECK_BASE) 2>/dev/null \
		|| git rev-parse HEAD) && \
	changed=$$( { git diff --name-only "$$base" -- && git ls-files --others --exclude-standard; } | sort -u | \
		while IFS= read -r path; do if [ -f "$$path" ]; then printf '%s\n' "$$path"; fi; done ) && \
	if [ -z "$$changed" ]; then \
		echo "make: sanity of changed files: none changed against $$(git rev-parse --short "$$base")"; \
	else \
		echo "make: sanity (ansible-core 2.21) of $$(printf '%s\n' "$$changed" | wc -l) file(s) changed against $$(git rev-parse --short "$$base")"; \
		printf '%s\n' "$$changed" | tr '\n' '\0' | xargs -0 $(ANSIBLE_TEST) $(VENV) sanity; \
	fi

# -- the checks of make test --------------------------------------------------------------------------------

units: units-newest units-oldest
sanity: sanity-newest sanity-oldest
integration: integration-newest integration-oldest

units-newest: $(VENV)/.installed
	$(ANSIBLE_TEST) $(VENV) units
units-oldest: $(VENV_OLDEST)/.installed
	$(ANSIBLE_TEST) $(VENV_OLDEST) units
sanity-newest: $(VENV)/.installed
	$(ANSIBLE_TEST) $(VENV) sanity
sanity-oldest: $(VENV_OLDEST)/.installed
	$(ANSIBLE_TEST) $(VENV_OLDEST) sanity

# Integration tests build and install the collection themselves (tests/integration/conftest.py) and start
# their own simulators; running them with a venv's Python tests that venv's ansible-core. --dist loadfile keeps a
# test file on one xdist worker, so a module-scoped fixture (a playbook of every bad-input or fault case, the
# benchmark runs) runs once, not once per worker.
integration-newest: $(VENV)/.installed
	@echo "make: integration tests, ansible-core 2.21"
	@$(VENV)/bin/python -m pytest -p no:cacheprovider -q -n 2 --dist loadfile tests/simulator tests/integration tests/benchmark
# On the oldest core, only what differs between cores (marked core_sensitive in tests/integration, registered in
# its conftest.py): result keys and invocation, failures and tracebacks, no_log and the token. The newest core
# runs them all.
integration-oldest: $(VENV_OLDEST)/.installed
	@echo "make: integration tests marked core_sensitive, ansible-core 2.16"
	@$(VENV_OLDEST)/bin/python -m pytest -p no:cacheprovider -q -n 2 --dist loadfile -m core_sensitive tests/integration

# The AWX path: the credential type's injectors through ansible-runner jobs, the execution environment
# through ansible-builder, the credential-type playbook against a stand-in of AWX's API.
awx: $(VENV_AWX)/.installed
	@echo "make: AWX checks"
	@$(VENV_AWX)/bin/python -m pytest -p no:cacheprovider -q tests/awx

# The execution environment built for real (podman, as root; a local Debian base image) and a job run in it
# through ansible-runner, as AWX runs one: tests/ee/run.sh.
.PHONY: ee
ee: $(VENV_AWX)/.installed
	@echo "make: execution environment built with podman, and a job run in it"
	@tests/ee/run.sh $(VENV_AWX)

# ansible-lint offline, with this checkout visible as invoca.messaging through a throwaway collections path.
lint: $(VENV)/.installed
	@echo "make: ansible-lint --profile production"
	@colls=$$(mktemp -d) && trap 'rm -rf "$$colls"' EXIT && \
	mkdir -p "$$colls/ansible_collections/invoca" && \
	ln -s "$(CURDIR)" "$$colls/ansible_collections/invoca/messaging" && \
	PATH="$(abspath $(VENV))/bin:$$PATH" ANSIBLE_COLLECTIONS_PATH="$$colls" \
	$(abspath $(VENV))/bin/ansible-lint --profile production --offline

ansible-doc: $(COLLECTIONS)/.installed $(VENV)/.installed
	@for module in sms_phone_number sms_phone_number_info sms_message sms_message_info; do \
		ANSIBLE_COLLECTIONS_PATH="$(abspath $(COLLECTIONS))" $(VENV)/bin/ansible-doc invoca.messaging.$$module > /dev/null \
			|| exit 1; \
	done
	@ANSIBLE_COLLECTIONS_PATH="$(abspath $(COLLECTIONS))" $(VENV)/bin/ansible-doc -t lookup \
		invoca.messaging.sms_phone_numbers > /dev/null
	@echo "ansible-doc: all four modules and the lookup plugin render"

changelog-lint: $(VENV)/.installed
	@echo "make: antsibull-changelog lint"
	@$(VENV)/bin/antsibull-changelog lint

# The HTML docsite (antsibull-docs + Sphinx, warnings are errors): module pages, guides, benchmark table.
docs: $(VENV)/.installed
	$(VENV)/bin/python tests/docs/build_docsite.py $(DOCS_HTML)

# tests/docs: every snippet of README.md and the guides and every module's EXAMPLES, against the simulator.
# tests/make: demo.txt is ansible-core, requests and their dependencies, and make demo (run for real, a few
# seconds once its venv and the build exist) succeeds with readable output.
# It waits for the installed collection: tests/make runs make demo, which would otherwise build it at the same time
# as ansible-doc's prerequisite.
docs-test: docs $(COLLECTIONS)/.installed
	@echo "make: docs tests (snippets of README.md and the guides, module EXAMPLES, make demo's output)"
	@DOCSITE_HTML=$(DOCS_HTML) $(VENV)/bin/python -m pytest -p no:cacheprovider -q tests/docs tests/make

# galaxy-importer, as Galaxy and Automation Hub run it on upload: no warning, a description for every module.
galaxy-import: $(VENV_AWX)/.installed
	$(VENV_AWX)/bin/python tests/galaxy/check_import.py

# -- performance and long-running checks --------------------------------------------------------------------

bench: $(VENV)/.installed
	$(VENV)/bin/python tests/benchmark/run_benchmark.py --output tests/benchmark/results.md

soak: $(VENV)/.installed
	INVOCA_SOAK_ROUNDS=$${INVOCA_SOAK_ROUNDS:-20} $(VENV)/bin/python -m pytest -p no:cacheprovider -q tests/integration/phone_numbers/test_soak.py \
		tests/integration/messages/test_message_soak.py

clean:
	rm -rf $(VENV_DEMO) $(VENV) $(VENV_OLDEST) $(VENV_AWX) $(VENV_EDA) .venv-docs .venv-galaxy $(BUILD) docs/build tests/output .pytest_cache
