# Two commands for a fresh Debian machine with only python3: `make demo` and `make test`.
PYTHON ?= python3
# Language of the demo's summary and report (zh | en): its operators and managers read Chinese.
DEMO_LANG ?= zh
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test install bench bench-docs docs goldens clean

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "cloudctl needs Python >= 3.11, $(PYTHON) is " + sys.version.split()[0])'
	@$(PYTHON) -m venv $(VENV) || { echo "error: '$(PYTHON) -m venv' failed; on Debian: apt-get install python3-venv" >&2; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/cloudctl --lang $(DEMO_LANG) demo

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Every benchmark; exits non-zero and names them when targets are missed. Then `make bench-docs`.
bench: $(STAMP)
	$(BIN)/python bench/run_all.py

# docs/benchmarks.md's summary table from bench/results/*.json (never edited by hand).
bench-docs: $(STAMP)
	$(BIN)/python tools/bench_table.py

docs: $(STAMP)
	$(BIN)/python -m cloudctl.cli.docgen > docs/cli.md

# Rewrite tests/golden/ from the current output (never done by a test run); review the diff.
goldens: $(STAMP)
	$(BIN)/python tools/goldens.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
