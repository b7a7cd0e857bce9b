# Skala: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := skala.settings

.PHONY: audit axe bench-wall-soak browser run test venv messages lint check-deploy migrations-check pytest bench bench-matching bench-brreg bench-spend bench-load clean makemessages

$(INSTALLED): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev]'
	touch $(INSTALLED)

venv: $(INSTALLED)

# Translations are compiled from the committed .po files; the .mo files are build output.
messages: venv
	@command -v msgfmt >/dev/null || { echo "msgfmt is missing: install GNU gettext (apt-get install gettext)"; exit 1; }
	cd skala && ../$(BIN)/django-admin compilemessages --ignore '.venv' -v 0

# Links in e-mails and calendar files point where this server listens, unless SITE_URL says otherwise.
run: messages
	mkdir -p var
	$(BIN)/skala migrate --no-input
	$(BIN)/skala load-reference
	$(BIN)/skala load-demo
	PORT=$(PORT) SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)} $(BIN)/skala serve

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The deployment checks under production settings, with made-up but well-formed values.
check-deploy: venv
	mkdir -p var
	DJANGO_ENV=production SECRET_KEY=ci-$$(head -c 48 /dev/urandom | base64 | tr -d '/+=') \
	ALLOWED_HOSTS=skala.example SITE_URL=https://skala.example EMAIL_URL=smtp+tls://mail.skala.example:587 \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

# Known vulnerabilities in every pinned package (pip-audit asks PyPI's advisory data, so it needs the
# network), and bandit over skala/ with the skips in pyproject.toml. A vulnerability may be ignored only
# by adding `--ignore-vuln ID` to AUDIT_IGNORE with a comment saying why. pip-audit lists the packages
# it could not look up; AUDIT_STRICT=1 makes that a failure.
AUDIT_IGNORE :=
audit: venv
	$(BIN)/pip-audit --requirement requirements.lock --no-deps --disable-pip --progress-spinner off \
	  $(AUDIT_IGNORE) $(if $(AUDIT_STRICT),--strict)
	$(BIN)/bandit -c pyproject.toml -r skala -q

migrations-check: venv
	mkdir -p var
	$(BIN)/python manage.py makemigrations --check --dry-run

# Browser tests drive Debian's chromium, never a downloaded browser: install it where this machine lets us.
browser:
	@command -v chromium >/dev/null || (command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null) || \
	  echo "chromium is not installed and cannot be installed here: the browser tests will be skipped."

# axe-core checks every page the browser tests visit; it comes from the npm registry at the version package-lock.json pins.
axe:
	@command -v npm >/dev/null || { echo "npm is missing: the accessibility checks will be skipped."; exit 0; }; \
	  [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund --silent

pytest: messages browser axe
	mkdir -p var
	$(BIN)/python -W error -m pytest

test: lint check-deploy migrations-check audit pytest

bench: messages
	$(BIN)/python -m bench

# Matching quality and speed on the Swedish 2021 procurements in ../shared/data (several minutes).
bench-matching: venv
	$(BIN)/python -m bench.matching

# Importing 1,000,000 units of Enhetsregisteret into SQLite and PostgreSQL (a few minutes).
bench-brreg: venv
	$(BIN)/python -m bench.brreg

# Importing 10,000,000 spend lines into SQLite and the supplier-base report beside pandas (several minutes).
bench-spend: venv
	$(BIN)/python -m bench.spend

# 100 users on gunicorn (as `skala serve` runs it) on PostgreSQL, beside /healthz (a few minutes).
bench-load: messages
	$(BIN)/python -m bench.load

makemessages: venv
	cd skala && ../$(BIN)/django-admin makemessages -l nb -l sv --no-obsolete --add-location file --ignore '.venv'

clean:
	rm -rf $(VENV) var

# One wall screen open in headless chromium for an hour after a 10-minute warm-up: the page's memory
# (the JavaScript heap after a forced collection) must not grow by more than 10 %.
bench-wall-soak: venv browser
	$(BIN)/python -m bench.wall_soak --minutes 60
