# Quick start: `make run` (daemon on the embedded default) and `make test` (everything the tests need).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.stamp-install
APT_STAMP := $(VENV)/.stamp-apt
APT_PACKAGES := mosquitto mosquitto-clients prometheus prometheus-alertmanager rsyslog bsdutils \
	chromium fonts-wqy-zenhei libhyperscan-dev pkg-config

.PHONY: run test lint typecheck unit bench deps apt-deps native clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

deps: $(STAMP)

# Debian packages the tests start as real peers, and libhs for the C scanner `make native` builds. Installed
# only when missing.
$(APT_STAMP): Makefile
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@mkdir -p $(VENV) && touch $@

apt-deps: $(APT_STAMP)

# The classification hot path compiled with mypyc into build/native/ (secops/native.py), with the C scanner
# when libhs is installed (`make test` installs it; Debian: libhyperscan-dev). Cheap when the build matches
# the sources; the daemon falls back to pure Python whenever it does not.
native: $(STAMP)
	$(BIN)/python tools/build_native.py

run: $(STAMP) native
	exec $(BIN)/secops run

lint: $(STAMP)
	$(BIN)/ruff check secops tests bench tools

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP) $(APT_STAMP) native
	$(BIN)/python -m pytest -q

test: lint typecheck unit
	$(BIN)/secops test

bench: $(STAMP) native
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) build var .pytest_cache .mypy_cache .ruff_cache
