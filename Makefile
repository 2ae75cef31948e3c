# Tuaton — set-up and everyday commands. See README.md.
VENV   ?= .venv
PY     := $(VENV)/bin/python
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
REDIS_URL ?= redis://127.0.0.1:6379/9
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: install system browser demo cluster test test-sqlite test-postgres bench bench-country bench-soak lint

$(VENV)/.installed: pyproject.toml | system
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	$(VENV)/bin/tuaton biometrics convert-face-model
	touch $@

install: $(VENV)/.installed

# Debian packages: Chromium and ChromeDriver for the browser tests (Playwright drives them; it
# downloads nothing), a Thai font (pages, and the rendered ID cards), Tesseract with Thai for card OCR,
# and for the office's card reader: pcscd, libpcsclite-dev and swig (to build pyscard), and the
# virtual reader and card the tests use (vsmartcard-vpcd, python3-virtualsmartcard + pycryptodome);
# SoftHSM2, the PKCS#11 token the passcode key is tested in; Pango, which WeasyPrint lays the
# programme office's PDF reports out with.
SYSTEM_PACKAGES := chromium chromium-driver fonts-thai-tlwg fonts-thai-tlwg-web tesseract-ocr tesseract-ocr-tha \
	pcscd libpcsclite-dev swig vsmartcard-vpcd python3-virtualsmartcard python3-pycryptodome softhsm2 \
	haproxy pgbouncer libpango-1.0-0 libpangoft2-1.0-0
system:
	@{ command -v chromium >/dev/null 2>&1 && fc-list :lang=th 2>/dev/null | grep -q . \
	  && tesseract --list-langs 2>/dev/null | grep -qx tha \
	  && dpkg -s $(SYSTEM_PACKAGES) >/dev/null 2>&1 ; } || { \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive \
	  apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; }

browser: system

demo: install system
	$(VENV)/bin/tuaton demo

# HAProxy → TUATON_PROCESSES (2) processes → PgBouncer → PostgreSQL, and Redis, on TUATON_PORT (8000).
cluster: install system
	TUATON_DATABASE_URL=$${TUATON_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/tuaton} \
	TUATON_REDIS_URL=$${TUATON_REDIS_URL:-redis://127.0.0.1:6379/0} $(VENV)/bin/tuaton cluster

# The whole suite on SQLite with the in-process store, then again on PostgreSQL + Redis. The FAPI
# interop test drives panva's openid-client (npm, pinned by tests/oidc/node/package-lock.json).
NODE_CLIENT := tests/oidc/node/node_modules/.package-lock.json
$(NODE_CLIENT): tests/oidc/node/package-lock.json
	@command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; }
	cd tests/oidc/node && npm ci --no-audit --no-fund --loglevel=error

test: install system $(NODE_CLIENT) test-sqlite test-postgres

test-sqlite:
	$(PY) -m pytest

test-postgres:
	TUATON_TEST_BACKEND=postgres TUATON_TEST_DATABASE_URL=$(PG_URL) TUATON_TEST_REDIS_URL=$(REDIS_URL) \
	  $(PY) -m pytest

# wrk (Debian) measures the static GETs; the Python generator the multi-step flows; node and npm
# (Debian, if absent) run the peer, panva's oidc-provider, installed by `npm ci` from bench/peer/.
bench: install system
	@command -v wrk >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq wrk >/dev/null; }
	@command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
	  $(SUDO) apt-get install -y -qq nodejs npm >/dev/null; }
	$(PY) bench/run.py
	$(PY) bench/audit.py
	$(PY) bench/proofing.py
	$(PY) bench/card.py
	$(PY) bench/faults.py

# Opt-in: 30 minutes of sign-ins through `make cluster` at half this machine's capacity, no faults:
# errors and each process's memory every minute (SOAK_MINUTES, SOAK_RATE sign-ins/s).
bench-soak: install system
	$(PY) bench/faults.py --soak-minutes $${SOAK_MINUTES:-30} --rate $${SOAK_RATE:-5.5}

# Opt-in: the registry at national size on PostgreSQL (CITIZENS=60000000 by default: ~31 GB of disk,
# ~25 min on 2 cores). RESUME=1 continues an interrupted seed.
bench-country: install
	$(PY) bench/country.py --citizens $${CITIZENS:-60000000} $${RESUME:+--resume}

lint: install
	$(VENV)/bin/ruff check src tests bench
