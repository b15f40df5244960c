PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lab lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e ".[dev,notebooks]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/auditkit validate sample_data/allomeera
	$(BIN)/auditkit check sample_data/allomeera --as-of 2026-06-30 --fail-on never
	$(BIN)/auditkit report sample_data/allomeera --as-of 2026-06-30 \
		--excel reports/allomeera-2026-06-30.xlsx --html reports/allomeera-2026-06-30.html
	@echo "Reports: reports/allomeera-2026-06-30.xlsx and reports/allomeera-2026-06-30.html"

test: $(STAMP)
	$(BIN)/python -m pytest

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

lint: $(STAMP)
	$(BIN)/ruff check auditkit tests
	$(BIN)/python -m auditkit.docs --check
	$(BIN)/ruff format --check auditkit tests

clean:
	rm -rf $(VENV) reports .pytest_cache
