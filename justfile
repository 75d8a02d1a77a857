# VoelgoedEvents tasks. Run through ./vg (which installs what they need), e.g. `./vg dev`.
set shell := ["bash", "-euo", "pipefail", "-c"]
export PATH := justfile_directory() + "/.venv/bin:" + justfile_directory() + "/node_modules/.bin:" + env_var("PATH")

py := ".venv/bin/python"

# List the recipes
default:
    @just --list

# Build the apps and run the whole product with demo data (embedded PostgreSQL/Redis unless configured)
dev port="8000": build
    {{py}} -m voelgoed run --port {{port}}

# Backend with demo data plus the organiser app's Vite dev server (hot reload on :5173)
dev-hot:
    {{py}} -m voelgoed run --port 8000 & npm run dev -w organiser_app; kill %1

# Build the frontends (organiser app, scanner; their API client package is used from source)
build:
    npm run build --workspaces --if-present

# Every test: lint, spec freshness, backend tests against real servers, frontend checks, browser tests
# (the apps are built first: the backend tests request every URL the README names, /app/ too)
test: lint openapi-check build test-backend test-frontend test-e2e

# Backend tests (pytest against the embedded PostgreSQL and Redis)
test-backend *args:
    {{py}} -m pytest -q {{args}}

# Type checks of the Svelte apps and their unit tests (vitest)
test-frontend:
    npm run check --workspaces --if-present
    npm test

# Browser tests in Debian's Chromium
test-e2e: chromium
    npm run test:e2e

# Static checks: ruff, mypy, the import direction (lint-imports: contracts in pyproject.toml),
# Prettier and ESLint over the frontends and e2e/
lint:
    {{py}} -m ruff check
    {{py}} -m mypy
    lint-imports
    npm run lint

# Regenerate the OpenAPI spec and the TypeScript client types from the app
openapi:
    {{py}} -m voelgoed openapi
    npm run gen:api

# Fail when the committed OpenAPI spec differs from the app, or the TypeScript types from the spec
# (one generated file, in the client package both apps use: packages/api-client/src/schema.d.ts), or
# when it breaks a client of the last released spec (shared_schemas/released/) without an entry in
# docs/api-changelog.md under its raised version (docs/api.md, "Versions and breaking changes")
openapi-check:
    {{py}} -m voelgoed openapi --check
    {{py}} -m voelgoed openapi-diff
    t=$(mktemp --suffix=.d.ts) && (cd packages/api-client && npx openapi-typescript ../../shared_schemas/openapi.json -o "$t" >/dev/null) && diff -q "$t" packages/api-client/src/schema.d.ts && echo "packages/api-client/src/schema.d.ts is current" || { echo "packages/api-client/src/schema.d.ts is stale: run 'just openapi'" >&2; exit 1; }

# Validate infra/ offline (no Docker engine or cluster here): hadolint on the Dockerfile, the compose
# file against the vendored compose-spec schema, Helm's own lint and renderer on the chart, and the
# rendered manifests against Kubernetes' schemas (backend/tests/unit/test_infra.py; docs/operations.md)
infra-check:
    hadolint infra/docker/Dockerfile
    check-jsonschema --schemafile infra/schemas/compose-spec.json infra/compose/compose.yaml
    {{py}} -m pytest -q -p no:cacheprovider backend/tests/unit/test_infra.py

# Print the Helm chart's manifests as `helm template` would (values: infra/helm/voelgoed/ci/test-values.yaml or your own file)
infra-template values="infra/helm/voelgoed/ci/test-values.yaml":
    {{py}} infra/helm/template.py {{values}}

# Languages (docs/i18n.md): extract every marked sentence of the templates and Python into
# backend/voelgoed/locale/messages.pot and merge it into each language's messages.po; then translate
# the new (empty) and fuzzy entries, e.g. in backend/voelgoed/locale/af/LC_MESSAGES/messages.po
i18n-extract:
    {{py}} -m babel.messages.frontend extract -F babel.cfg -k N_ -k ngettext:1,2 -k translate:2 --sort-output --add-location=file --no-wrap --project=VoelgoedEvents --omit-header -o backend/voelgoed/locale/messages.pot .
    {{py}} -m babel.messages.frontend update -i backend/voelgoed/locale/messages.pot -d backend/voelgoed/locale --no-wrap --ignore-obsolete
    {{py}} -m pytest -q -p no:cacheprovider backend/tests/unit/test_catalogues.py || echo "Translate the entries named above, then run 'just i18n-extract' again."

# Start the catalogue of a new language, e.g. `just i18n-init zu` (then add it to LOCALES in lib/i18n.py)
i18n-init code:
    {{py}} -m babel.messages.frontend init -i backend/voelgoed/locale/messages.pot -d backend/voelgoed/locale --no-wrap -l {{code}}

# Apply database migrations
migrate:
    {{py}} -m voelgoed migrate

# Load demo data
seed:
    {{py}} -m voelgoed seed

# Benchmarks (print figures and a JSON summary)
bench: bench-flash-sale bench-checkout-journey bench-gate-rush bench-dashboards bench-scanner bench-memory bench-payment-providers bench-refund-all bench-webhooks bench-seating

# Install Debian's wrk (the lean HTTP load generator the benchmarks use) when it is missing
wrk:
    #!/usr/bin/env bash
    set -euo pipefail
    if command -v wrk >/dev/null; then exit 0; fi
    if [ "$(id -u)" != 0 ]; then echo "install Debian's wrk (sudo apt-get install wrk) for the benchmarks" >&2; exit 1; fi
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null

# Flash sale: reserve throughput and latency vs raw PostgreSQL, oversold count, full purchases (needs wrk)
bench-flash-sale *args: wrk
    {{py}} bench/flash_sale/run.py {{args}}

# Checkout site: 50 concurrent buyers walking the HTML journey (event page, reserve, details, simulated pay, order page): orders/s, p50/p99 per step, CPU per order
bench-checkout-journey *args:
    {{py}} bench/checkout_journey/run.py {{args}}

# Payment providers: the full purchase through the PayFast, Yoco, Paystack and Ozow fakes, orders/s as a ratio to the simulated provider, p50/p99, paid-exactly-once check
bench-payment-providers *args:
    {{py}} bench/payment_providers/run.py {{args}}

# Gate-rush benchmark: online scans (wrk), double admissions, 100k-ticket snapshot, offline verifier (Chromium)
bench-gate-rush *args: wrk chromium
    npm run build -w scanner_pwa
    {{py}} bench/gate_rush/run.py {{args}}

# Dashboards: 1M funnel events + 200k tickets loaded by SQL, dashboard endpoints' p50/p95 vs GET /health (needs wrk)
bench-dashboards *args: wrk
    {{py}} bench/dashboards/run.py {{args}}

# Offline verifier of the scanner PWA timed in headless Chromium (verifications/s, p50/p99 ms)
bench-scanner *args: chromium
    npm run build -w scanner_pwa
    node bench/scanner_offline/run.mjs {{args}}

# Reserved seating: 2,000 buyers x 2 seats on a 50,000-seat stadium (wrk), holds/s vs raw PostgreSQL, p99, double-sold 0; seat picker bytes and time to draw (Chromium, 4x CPU)
bench-seating *args: wrk chromium
    {{py}} bench/seating/run.py {{args}}

# Scale-out: flash sale and gate rush against 1, 2, 4 API processes behind PgBouncer (infra/local/topology.py, Debian packages), 1,000 live-stream watchers
bench-scale-out *args: wrk
    {{py}} bench/scale_out/run.py {{args}}

# Install Debian's Chromium for browser tests when it is missing (needs root)
chromium:
    #!/usr/bin/env bash
    set -euo pipefail
    if [ -x /usr/bin/chromium ]; then exit 0; fi
    if [ "$(id -u)" != 0 ]; then echo "install Debian's chromium (sudo apt-get install chromium) for browser tests" >&2; exit 1; fi
    echo "installing chromium from Debian" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

# Memory: N ticket deliveries (WeasyPrint + e-mail) through the worker and N purchases through the API, RSS per batch, tracemalloc growth sites
bench-memory *args:
    {{py}} bench/memory/run.py {{args}}

# Refund-all: cancel an event with N paid orders (default 10,000); job time, refunds/s, one e-mail per order, ledger balanced
bench-refund-all *args:
    {{py}} bench/refund_all/run.py {{args}}

# Webhooks benchmark: 100k events to 10 local receivers, deliveries/s per worker, p99 commit -> delivery, none lost across a SIGKILL
bench-webhooks *args:
    {{py}} bench/webhooks/run.py {{args}}
