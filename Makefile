# Yimi: `make run` serves the demo, `make test` runs the whole suite. Both set everything up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
CATALOGS := $(wildcard app/locales/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)
HTMX_VERSION := 2.0.11
SWAGGER_UI_VERSION := 5.36.0
TABLER_ICONS_VERSION := 3.54.0

.PHONY: install run test test-fast test-pg vendor-pictograms bench bench-burst bench-floor bench-moderation bench-pictures bench-themes lint i18n i18n-compile vendor clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Yimi needs Python 3.11 or newer"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) i18n-compile

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --statistics -d app/locales -D messages -l $(word 3,$(subst /, ,$<)) >/dev/null

i18n-compile: $(COMPILED)

run: install
	$(BIN)/yimi db upgrade
	$(BIN)/yimi consent sync
	$(BIN)/yimi demo
	@echo "Yimi: http://127.0.0.1:8000  (help without sign-in: http://127.0.0.1:8000/help)"
	@# Rate limits in this machine's Redis where it answers (memory:// otherwise), as the tests decide (app.core.ratelimit).
	YIMI_RATE_LIMIT_STORAGE=$${YIMI_RATE_LIMIT_STORAGE:-$$($(BIN)/python -m app.core.ratelimit)} $(BIN)/yimi serve --host 127.0.0.1 --port 8000

# Two pytest workers (pytest-xdist), one per core; each has its own database. PYTEST_WORKERS=0 runs in one process.
PYTEST_WORKERS ?= 2

# The architecture's contracts first (docs/architecture.md: `[tool.importlinter]` in pyproject.toml), then the suite.
test: install
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# The inner loop: everything but the browser tests and the tests that start `yimi serve` (a few minutes).
test-fast: install
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -m "not browser and not served" $(PYTEST_ARGS)

test-pg: install
	$(BIN)/lint-imports
	YIMI_TEST_DATABASE_URL=$${YIMI_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} $(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

bench: install
	$(BIN)/python bench/run.py

# 1,000 children in 25 groups answering one consultation, 50 at once (bench/README.md, "Classroom burst").
bench-burst: install
	$(BIN)/python bench/burst.py

# FastAPI and uvicorn with no work under the burst's load generator: what the burst's targets leave a send.
bench-floor: install
	$(BIN)/python bench/floor.py

bench-moderation: install
	$(BIN)/python bench/moderation.py

# Eight 25-megapixel uploads at once against 2 workers, several rounds: each worker's peak and settled memory.
bench-pictures: install
	$(BIN)/python bench/pictures.py

# Theme suggestions for 20,000 comments (zh + en): encoding, clustering, keywords; time and peak memory.
bench-themes: install
	$(BIN)/python bench/themes.py

lint: install
	$(BIN)/ruff check app tests bench migrations

# Extract every message from code and templates, merge into both catalogs, compile.
i18n: $(STAMP)
	$(BIN)/pybabel extract --no-location --sort-output --ignore-dirs '.* node_modules' -F babel.cfg -k _ -k N_ -k ngettext:1,2 -k NC_:1c,2 -k pgettext:1c,2 -o app/locales/messages.pot --project=yimi .
	$(BIN)/pybabel update --no-wrap --no-fuzzy-matching --ignore-obsolete -i app/locales/messages.pot -d app/locales -D messages
	$(MAKE) i18n-compile

# htmx and Swagger UI from the npm registry, copied into static/vendor with their versions in the names (the
# files are committed, with Swagger UI's licence).
vendor:
	cd $$(mktemp -d) && npm pack htmx.org@$(HTMX_VERSION) >/dev/null && tar xzf htmx.org-$(HTMX_VERSION).tgz && \
	  cp package/dist/htmx.min.js $(CURDIR)/static/vendor/htmx-$(HTMX_VERSION).min.js
	cd $$(mktemp -d) && npm pack swagger-ui-dist@$(SWAGGER_UI_VERSION) >/dev/null && tar xzf swagger-ui-dist-$(SWAGGER_UI_VERSION).tgz && \
	  mkdir -p $(CURDIR)/static/vendor/swagger-ui-$(SWAGGER_UI_VERSION) && \
	  cp package/swagger-ui-bundle.js package/swagger-ui.css package/LICENSE package/NOTICE package/swagger-ui-bundle.js.LICENSE.txt \
	    $(CURDIR)/static/vendor/swagger-ui-$(SWAGGER_UI_VERSION)/

clean:
	rm -rf $(VENV) var test-results .pytest_cache
	find app -name '*.mo' -delete

# The option pictograms: the icons named in app/consultations/data/pictograms.toml, from Tabler Icons on npm
# (MIT, licence copied beside them), into static/img/pictograms (committed; nothing is fetched at run time).
vendor-pictograms:
	cd $$(mktemp -d) && npm pack @tabler/icons@$(TABLER_ICONS_VERSION) >/dev/null && tar xzf tabler-icons-$(TABLER_ICONS_VERSION).tgz && \
	  $(PYTHON) $(CURDIR)/tools/vendor_pictograms.py $$PWD/package
