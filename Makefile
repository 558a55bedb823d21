# Everything runs offline: `make demo` and `make test` set up what they need.
SHELL := /bin/bash
.PHONY: setup demo demo-clean test lint clean bench

setup:
	scripts/setup.sh

demo: setup
	scripts/demo.sh

demo-clean:
	rm -rf .demo

# The linters run first: they take seconds, and a failure stops the tests.
test: lint
	. scripts/env.sh && python -m pytest

# Writes bench/results.json, docs/performance.md and docs/performance.png.
bench: setup
	. scripts/env.sh && python -m bench

lint: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy

clean: demo-clean
	rm -rf .venv .tools .pytest_cache .mypy_cache .ruff_cache
