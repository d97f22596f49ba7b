# reportgen: `make report` builds the half-year report, `make test` runs the tests.
# Both set up what they need first: Debian packages (as root, or print the apt-get line), then .venv.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PERIOD ?= 2023H1
DEB_PACKAGES := fonts-noto-cjk fonts-lxgw-wenkai texlive-lang-chinese libharfbuzz-subset0 \
	libpango-1.0-0 libpangoft2-1.0-0 fontconfig poppler-utils libreoffice-writer-nogui \
	chromium nodejs npm
# Packages whose program on PATH is as good (Node.js and npm from another Debian source, say):
# package:program.
DEB_PROGRAMS := nodejs:node npm:npm chromium:chromium
AXE := node_modules/axe-core/axe.min.js
STAMP_DEB := $(VENV)/.deb-packages
STAMP_PY := $(VENV)/.installed

.PHONY: report test variants snapshot lint bench setup deb-packages clean data county

report: setup
	$(PY) pipeline.py build --period $(PERIOD)

variants: setup
	$(PY) pipeline.py variants

# A synthetic county of 9 townships (scripts/make_county_data.py) in build/county, every township and
# the county summary built for $(PERIOD) into build/county/output/$(PERIOD)/<unit>/. COUNTY_LEDGERS
# may name a folder of county-wide ledgers (data/'s file names, a 乡镇 column) to use instead; COUNTY_ROOT
# another county project (figures.yaml with `units:`). COUNTY_LAYOUT=folders writes the same county with
# its ledgers one folder per township (data/<township>/<file>) in build/county-folders.
COUNTY_LAYOUT ?= county
COUNTY_ROOT ?= build/$(if $(filter folders,$(COUNTY_LAYOUT)),county-folders,county)
COUNTY_LEDGERS ?=
COUNTY_INPUTS := scripts/make_county_data.py figures.yaml $(wildcard data/* templates/*) \
	$(if $(COUNTY_LEDGERS),$(wildcard $(COUNTY_LEDGERS)/*))

county: setup $(COUNTY_ROOT)/figures.yaml
	$(PY) pipeline.py --root $(COUNTY_ROOT) build --unit all --period $(PERIOD)

build/county/figures.yaml build/county-folders/figures.yaml: $(COUNTY_INPUTS) | $(STAMP_PY)
	$(PY) scripts/make_county_data.py --out $(@D) --townships 9 \
		--layout $(if $(filter build/county-folders,$(@D)),folders,county) \
		$(if $(COUNTY_LEDGERS),--ledgers $(COUNTY_LEDGERS))

test: setup
	$(PY) -m ruff check .
	$(PY) -m pytest -q

snapshot: setup
	REPORTGEN_UPDATE_GOLDEN=1 $(PY) -m pytest -q tests/test_report.py -k golden

lint: setup
	$(PY) -m ruff check .

bench: setup
	$(PY) bench/figures.py
	$(PY) bench/report.py
	$(PY) bench/check.py
	$(PY) bench/typeset.py

data: setup
	$(PY) scripts/make_demo_data.py

setup: $(STAMP_DEB) $(STAMP_PY) $(AXE)

# axe-core for the accessibility test, into ./node_modules at the version package-lock.json pins.
$(AXE): package.json package-lock.json | $(STAMP_DEB)
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(STAMP_PY): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PY) -m compileall -q reportgen >/dev/null  # byte-compile once, as pip does for site-packages
	touch $@

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP_DEB): | $(VENV)/bin/python
	@missing=$$(for p in $(DEB_PACKAGES); do \
		prog=$$(for m in $(DEB_PROGRAMS); do [ "$${m%%:*}" = $$p ] && echo $${m#*:}; done); \
		[ -n "$$prog" ] && command -v $$prog >/dev/null && continue; \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -z "$$missing" ]; then touch $@; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "Installing Debian packages: $$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null \
		&& touch $@; \
	else \
		echo "Missing Debian packages. Run as root:"; \
		echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends $$missing"; \
		exit 1; \
	fi

clean:
	rm -rf output/*/ output/ledger.sqlite .pytest_cache .ruff_cache
