# Centralina: `make run` starts the appliance, `make test` runs the whole suite.
# Both install what they need on a fresh Debian 12 machine (as root).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := var/stamps
APT_RUN := python3-venv nodejs npm mmdebstrap sqlite3 acl nftables ffmpeg espeak-ng
APT_TEST := chromium sip-tester postgresql

.PHONY: run test deps test-deps assets translations messages engine clean

run: deps assets translations engine
	$(BIN)/centralina db upgrade
	$(BIN)/centralina seed-demo
	$(BIN)/centralina run

test: deps test-deps assets translations engine
	$(BIN)/ruff check appliance web provisioning tests bench
	$(BIN)/pytest

# Debian packages: installed only when one is missing, so a warm machine skips apt.
$(STAMP)/apt-run:
	@mkdir -p $(STAMP)
	@# A machine with its own Node.js (e.g. NodeSource, npm bundled) keeps it: Debian's npm would conflict.
	@missing=$$(for p in $(APT_RUN); do \
		case $$p in nodejs|npm) command -v npm >/dev/null && continue;; esac; \
		dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi
	@touch $@

$(STAMP)/apt-test:
	@mkdir -p $(STAMP)
	@missing=$$(for p in $(APT_TEST); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi
	@touch $@

$(BIN)/python: | $(STAMP)/apt-run
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP)/venv: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	@touch $@

$(STAMP)/venv-test: setup.cfg $(STAMP)/venv
	$(BIN)/pip install -q -e '.[test]'
	@touch $@

deps: $(STAMP)/apt-run $(STAMP)/venv
test-deps: $(STAMP)/apt-test $(STAMP)/venv-test

# Browser assets come from npm (package-lock.json pins them) and are copied, never pasted in.
VENDOR := web/static/vendor
assets: $(VENDOR)/.stamp
$(VENDOR)/.stamp: package.json package-lock.json | $(STAMP)/apt-run
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/
	cp node_modules/@picocss/pico/css/pico.min.css $(VENDOR)/
	cp node_modules/chart.js/dist/chart.umd.min.js $(VENDOR)/
	mkdir -p $(VENDOR)/swagger-ui
	cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css $(VENDOR)/swagger-ui/
	@touch $@

# Compiled catalogs are build output; the .po files are the source.
translations: deps
	$(BIN)/pybabel compile -d web/translations

# Refresh the catalogs after adding or changing user-visible strings.
messages: deps
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k _l --omit-header --ignore-dirs=".* node_modules" -o web/translations/messages.pot .
	$(BIN)/pybabel update -N -i web/translations/messages.pot -d web/translations

# The Asterisk engine root, cached under /var/cache/centralina (shared by every clone).
engine: deps
	$(BIN)/centralina engine build


clean:
	rm -rf $(VENV) node_modules $(VENDOR) var
