# make db     build archive.db from corpus/ (CORPUS=dir to use another corpus)
# make serve  build, then serve the archive with Datasette on http://127.0.0.1:8001/
# make test   lint and run the whole test suite
# make bench  measure ingest and Datasette speed on a large synthetic corpus (not part of make test;
#             PAGES=10000 for a smaller corpus, JOBS=N worker processes)
# make variants  regenerate ingest/data/ (variant fold table, standard set) from Unihan and friends
PYTHON ?= python3
VENV ?= .venv
CORPUS ?= corpus
DB ?= archive.db
PAGES ?= 100000
JOBS ?= $(shell nproc)
BIN = $(VENV)/bin

.PHONY: venv db serve test bench clean variants opencc-tests

venv: $(VENV)/.installed

# The install compiles ingest/_sketch.c (see pyproject.toml): again whenever it changes.
$(VENV)/.installed: pyproject.toml ingest/_sketch.c
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

db: venv
	$(BIN)/ingest build $(DB) $(CORPUS)

serve: db
	$(BIN)/datasette $(DB) -h 127.0.0.1 -p 8001

test: venv opencc-tests
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q

# OpenCC's own test cases, from its source distribution, for tests/test_normalise.py.
opencc-tests: venv
	$(BIN)/python scripts/fetch_opencc_tests.py

variants: venv
	$(BIN)/python scripts/make_variants.py

bench: venv
	$(BIN)/python -m bench --pages $(PAGES) --jobs $(JOBS)

clean:
	rm -rf $(DB) $(DB)-wal $(DB)-shm test-output
