# IAR Assistant. `make run` starts the bot; `make test` runs every test.
# Each step is skipped when its inputs are unchanged (install, knowledge base, model).
# `make test-fast` runs the unit tier only; `make lint` runs ruff and mypy.
SHELL := /bin/bash
.DEFAULT_GOAL := help
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONPATH := $(CURDIR)

VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
INSTALLED := $(VENV)/.installed
TOOLS := .venv-tools
TOOLS_INSTALLED := $(TOOLS)/.installed
KB := build/knowledge.db
MODEL := models/iar.tar.gz
# Only the NLU components' own code and data shape the model; the lexicon and detectors load at run time.
TRAINING_INPUTS := config.yml domain.yml $(shell find data -name '*.yml' ! -path data/staff_questions.yml) bot/rasa/components.py bot/rasa/tokenizer.py knowledge/shorthand.yml

.PHONY: help install kb model run shell test test-fast lint format bench bench-load teams-app doctor clean

help:
	@echo "make run    install, build the knowledge base, train if needed, start the bot"
	@echo "make test   lint, then the whole test suite (unit, Rasa data/NLU/story checks, end-to-end)"
	@echo "make test-fast  the unit tier (tests/unit: no model, no server) less its slow sweeps"
	@echo "make lint   ruff (lint and format check) and mypy (strict on the domain packages)"
	@echo "make format ruff format and the safe lint fixes (import order)"
	@echo "make shell  chat in the terminal"
	@echo "make bench  start-up, latency and training figures"
	@echo "make bench-load  throughput and latency, one vs two servers (PostgreSQL + Redis)"
	@echo "make teams-app   build/teams-app.zip, the Teams app package (MICROSOFT_APP_ID, IAR_PUBLIC_HOST)"
	@echo "make doctor      check this deployment's settings (python -m bot.ops.cli doctor)"

$(INSTALLED): requirements.txt requirements-data.txt constraints.txt
	@py=$$(scripts/python310.sh) || exit 1; \
	if [ ! -x $(PY) ]; then echo "==> Creating $(VENV) from $$py"; "$$py" -m venv $(VENV) || exit 1; fi
	@echo "==> Installing pinned dependencies into $(VENV) (about 2.7 GB; 2-3 min the first time)"
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --progress-bar off -r requirements.txt -c constraints.txt
	$(PY) -m pip install --progress-bar off --no-deps -r requirements-data.txt
	$(RASA) telemetry disable >/dev/null
	@touch $@

# The deployment checks (hadolint, kubectl kustomize, kubernetes-validate, check-jsonschema)
# need a newer jsonschema than Rasa allows, so they get a virtualenv of their own; so do the
# linter and the type checker (ruff, mypy).
$(TOOLS_INSTALLED): requirements-dev.txt
	@py=$$(scripts/python310.sh) || exit 1; \
	if [ ! -x $(TOOLS)/bin/python ]; then echo "==> Creating $(TOOLS) (deployment checks)"; "$$py" -m venv $(TOOLS) || exit 1; fi
	$(TOOLS)/bin/python -m pip install --quiet --progress-bar off -r requirements-dev.txt
	@touch $@

install: $(INSTALLED) $(TOOLS_INSTALLED)

kb: $(KB)
$(KB): $(INSTALLED) $(wildcard knowledge/*.yml) $(wildcard bot/kb/*.py) data/staff_questions.yml bot/staff/ranker.py
	@echo "==> Building the knowledge base from knowledge/"
	$(PY) -m bot.ops.cli kb build
	@echo "==> Embedding the red-flag paraphrases (skipped when unchanged)"
	$(PY) -m bot.patient.nlp.red_flag_similarity
	@echo "==> Training the staff entry ranker (skipped when unchanged)"
	$(PY) -m bot.staff.ranker

model: $(MODEL)
$(MODEL): $(INSTALLED) $(TRAINING_INPUTS)
	@echo "==> Training the Rasa model (config, domain or data changed; about a minute)"
	$(RASA) train --fixed-model-name iar --out models
	@touch $@

run: install kb model
	@$(PY) -m bot.ops.cli run

shell: install kb model
	@$(PY) -m bot.ops.cli shell

test: install kb model lint
	$(PY) -m pytest

test-fast: $(INSTALLED) $(KB)
	IAR_WITHOUT_TENSORFLOW=1 $(PY) -m pytest tests/unit -q -m 'not slow'

lint: $(TOOLS_INSTALLED)
	$(TOOLS)/bin/ruff check .
	$(TOOLS)/bin/ruff format --check .
	$(TOOLS)/bin/mypy

format: $(TOOLS_INSTALLED)
	$(TOOLS)/bin/ruff check --fix --select I .
	$(TOOLS)/bin/ruff format .

bench: install kb model
	$(PY) bench/staff_latency.py

bench-load: install kb model
	$(PY) bench/load.py

teams-app: $(INSTALLED)
	$(PY) deploy/teams/build_package.py build/teams-app.zip

doctor: $(INSTALLED)
	@$(PY) -m bot.ops.cli doctor

clean:
	rm -rf build models .pytest_cache
