#!/usr/bin/env bash
# The "house" renames: folders and modules named for what lives in them.
#
#   tools/house_moves.sh             every move in order (git mv + import/path rewrite), no commits
#   tools/house_moves.sh STEP...     only those moves (see STEPS below), e.g. `holds catalog`
#   tools/house_moves.sh imports     only the rewrite of imports and paths, for a branch merged
#                                    after the moves: idempotent, safe to re-run, prints each change
#
# Each rewrite is one `sed -i` per old module path, run only over files that still mention it, in
# the order below (holds before the rest of ticketing, checkin before its crypto/seeding modules).
# Only module paths and file paths change: URLs (/api/checkin/...), operation ids, table names
# and the offline-record constants ("voelgoed/checkin/h1") do not.
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"

PKG=backend/voelgoed
STEPS=(holds catalog check_in offline_records seeding buyer_api checkout_pages event_pages workflow_bridge aliases)

# Where imports and path mentions live (tracked text files only).
targets() {
  git ls-files -- backend bench e2e docs justfile pyproject.toml README.md DEVELOPERS.md \
    scanner_pwa/src organiser_app/src \
    | grep -E '\.(py|md|ts|js|mjs|svelte|toml|lua|sh|cfg|ini)$|(^|/)justfile$' \
    | grep -v '^tools/house_moves.sh$' || true
}

# rewrite EXTENDED_REGEX REPLACEMENT [FILES...]: sed -i over the files (default: all targets)
# that match, printing "file: old -> new" for each one changed.
rewrite() {
  local from=$1 to=$2; shift 2
  local files
  if [ $# -gt 0 ]; then files=$(printf '%s\n' "$@"); else files=$(targets); fi
  [ -n "$files" ] || return 0
  local hits
  hits=$(printf '%s\n' "$files" | while read -r f; do [ -f "$f" ] && grep -lE "$from" "$f" || true; done)
  for f in $hits; do
    sed -i -E "s#${from}#${to}#g" "$f"
    echo "  rewrote $f: ${from} -> ${to}"
    case $f in *.py) echo "$f" >> "$CHANGED_PY" ;; esac
  done
}

# files_importing EXTENDED_REGEX: targets whose text matches (to scope a module-alias rewrite)
files_importing() {
  targets | while read -r f; do [ -f "$f" ] && grep -lE "$1" "$f" || true; done
}

move() {  # git mv SRC DST when SRC is still there (re-runnable)
  if [ -e "$1" ]; then
    mkdir -p "$(dirname "$2")"
    git mv "$1" "$2"
    echo "  moved $1 -> $2"
  fi
}

# --- the import/path rewrites, one function per move -------------------------------------------

imports_holds() {  # orders and their holds live in domain/orders
  rewrite 'voelgoed\.domain\.ticketing\.holds\b' 'voelgoed.domain.orders.holds'
  rewrite 'from voelgoed\.domain\.ticketing import holds\b' 'from voelgoed.domain.orders import holds'
  rewrite 'domain/ticketing/holds\.py' 'domain/orders/holds.py'
}

imports_catalog() {  # what is on sale: ticket types, coupons, inventory/availability
  rewrite 'voelgoed\.domain\.ticketing\b' 'voelgoed.domain.catalog'
  rewrite 'domain/ticketing/' 'domain/catalog/'
  rewrite 'domain/\{ticketing,' 'domain/{catalog,'
  rewrite 'crosses ticketing, orders' 'crosses catalog, orders'
  rewrite 'the ticketing inventory module' 'the catalog inventory module'
}

imports_check_in() {  # one spelling, as workflows/check_in.py
  rewrite 'voelgoed\.domain\.checkin\b' 'voelgoed.domain.check_in'
  rewrite 'domain/checkin/' 'domain/check_in/'
}

imports_offline_records() {  # the offline snapshot record encryption (lib/crypto.py is secrets-at-rest)
  rewrite 'voelgoed\.domain\.check_in\.crypto\b' 'voelgoed.domain.check_in.offline_records'
  rewrite 'domain/check_in/crypto\.py' 'domain/check_in/offline_records.py'
  local files
  files=$(files_importing 'from voelgoed\.domain\.check_in import crypto$')
  if [ -n "$files" ]; then
    # shellcheck disable=SC2086
    rewrite 'from voelgoed\.domain\.check_in import crypto$' 'from voelgoed.domain.check_in import offline_records' $files
    # shellcheck disable=SC2086
    rewrite '\bcrypto\.(seal|open_sealed|serial_hash|details_key|b64url|unb64url|Details|test_vector|HASH_PREFIX|KDF_SALT|KDF_INFO|HASH_HEX_LEN|NONCE_LEN)\b' 'offline_records.\1' $files
  fi
}

imports_seeding() {  # test and benchmark data generation is not part of the domain
  rewrite 'voelgoed\.domain\.check_in\.seeding\b' 'voelgoed.testing.seeding'
  rewrite 'from voelgoed\.domain\.check_in import seeding\b' 'from voelgoed.testing import seeding'
  rewrite 'voelgoed/domain/check_in/seeding\.py' 'voelgoed/testing/seeding.py'
  rewrite 'domain/check_in/seeding\.py' 'testing/seeding.py'
}

imports_buyer_api() {  # the buyers' JSON API
  rewrite 'voelgoed\.web\.public_api\b' 'voelgoed.web.buyer_api'
  rewrite 'web/public_api\.py' 'web/buyer_api.py'
}

imports_checkout_pages() {  # CheckoutController and the order pages
  rewrite 'voelgoed\.web\.checkout\.orders\b' 'voelgoed.web.checkout.checkout_pages'
  rewrite 'web/checkout/orders\.py' 'web/checkout/checkout_pages.py'
}

imports_event_pages() {  # the event page and ticket selection
  rewrite 'voelgoed\.web\.checkout\.pages\b' 'voelgoed.web.checkout.event_pages'
  rewrite 'web/checkout/pages\.py' 'web/checkout/event_pages.py'
}

imports_workflow_bridge() {  # the site's calls into workflows/checkout.py and the order lookups
  rewrite 'voelgoed\.web\.checkout\.flow\b' 'voelgoed.web.checkout.workflow_bridge'
  rewrite 'web/checkout/flow\.py' 'web/checkout/workflow_bridge.py'
  local files
  files=$(files_importing 'from voelgoed\.web\.checkout import (flow|workflow_bridge)$')
  if [ -n "$files" ]; then
    # shellcheck disable=SC2086
    rewrite 'from voelgoed\.web\.checkout import flow$' 'from voelgoed.web.checkout import workflow_bridge' $files
    # shellcheck disable=SC2086
    rewrite '\bflow\.' 'workflow_bridge.' $files
  fi
}

imports_aliases() {  # short module aliases -> the module's name (qualified where a local name clashes)
  local files
  # R (check_in/rules): `rules` is a local variable where it is used, so check_in_rules.
  files=$(files_importing 'from voelgoed\.domain\.check_in import rules as (R|check_in_rules)$')
  if [ -n "$files" ]; then
    # shellcheck disable=SC2086
    rewrite 'from voelgoed\.domain\.check_in import rules as R$' 'from voelgoed.domain.check_in import rules as check_in_rules' $files
    # shellcheck disable=SC2086
    rewrite '\bR\.([A-Za-z_])' 'check_in_rules.\1' $files
  fi
  # vg1 / p (tickets/payload): `payload` is a parameter/field name in those files, so ticket_payload.
  files=$(files_importing 'from voelgoed\.domain\.tickets import payload as (vg1|ticket_payload)$')
  if [ -n "$files" ]; then
    # shellcheck disable=SC2086
    rewrite 'from voelgoed\.domain\.tickets import payload as vg1$' 'from voelgoed.domain.tickets import payload as ticket_payload' $files
    # shellcheck disable=SC2086
    rewrite '\bvg1\.([A-Za-z_])' 'ticket_payload.\1' $files
  fi
  files=$(files_importing 'from voelgoed\.domain\.tickets import payload as p$')
  if [ -n "$files" ]; then
    # shellcheck disable=SC2086
    rewrite '\bp\.([A-Za-z_])' 'ticket_payload.\1' $files
    # shellcheck disable=SC2086
    rewrite 'from voelgoed\.domain\.tickets import payload as p$' 'from voelgoed.domain.tickets import payload as ticket_payload' $files
  fi
  # inv_mod (catalog/inventory): no clash, plain `inventory`.
  files=$(files_importing 'from voelgoed\.domain\.catalog import inventory as inv_mod$')
  if [ -n "$files" ]; then
    # shellcheck disable=SC2086
    rewrite '\binv_mod\.' 'inventory.' $files
    # shellcheck disable=SC2086
    rewrite 'from voelgoed\.domain\.catalog import inventory as inv_mod$' 'from voelgoed.domain.catalog import inventory' $files
  fi
}

# --- the moves ------------------------------------------------------------------------------------

moves_holds() { move $PKG/domain/ticketing/holds.py $PKG/domain/orders/holds.py; }
moves_catalog() { move $PKG/domain/ticketing $PKG/domain/catalog; }
moves_check_in() { move $PKG/domain/checkin $PKG/domain/check_in; }
moves_offline_records() { move $PKG/domain/check_in/crypto.py $PKG/domain/check_in/offline_records.py; }
moves_seeding() {
  if [ ! -e $PKG/testing/__init__.py ]; then
    mkdir -p $PKG/testing
    printf '%s\n' '"""Test and benchmark support that ships with the package (used by backend/tests and bench/)."""' \
      > $PKG/testing/__init__.py
    git add $PKG/testing/__init__.py
    echo "  created $PKG/testing/__init__.py"
  fi
  move $PKG/domain/check_in/seeding.py $PKG/testing/seeding.py
}
moves_buyer_api() { move $PKG/web/public_api.py $PKG/web/buyer_api.py; }
moves_checkout_pages() { move $PKG/web/checkout/orders.py $PKG/web/checkout/checkout_pages.py; }
moves_event_pages() { move $PKG/web/checkout/pages.py $PKG/web/checkout/event_pages.py; }
moves_workflow_bridge() { move $PKG/web/checkout/flow.py $PKG/web/checkout/workflow_bridge.py; }
moves_aliases() { :; }

# A renamed import can land out of isort order: re-sort the imports (only) of the files rewritten.
CHANGED_PY=$(mktemp)
trap 'rm -f "$CHANGED_PY"' EXIT
sort_imports() {
  [ -s "$CHANGED_PY" ] || return 0
  local ruff=(.venv/bin/python -m ruff)
  [ -x .venv/bin/python ] || ruff=(ruff)
  # shellcheck disable=SC2046
  "${ruff[@]}" check --select I --fix --quiet $(sort -u "$CHANGED_PY") || true
  : > "$CHANGED_PY"
}

step() {
  echo "== $1"
  "moves_$1"
  "imports_$1"
  sort_imports
}

if [ $# -eq 0 ]; then
  for s in "${STEPS[@]}"; do step "$s"; done
elif [ "$1" = imports ]; then
  for s in "${STEPS[@]}"; do echo "== imports: $s"; "imports_$s"; done
  sort_imports
else
  for s in "$@"; do
    if ! declare -F "moves_$s" >/dev/null; then echo "unknown step: $s (steps: ${STEPS[*]} | imports)" >&2; exit 2; fi
    step "$s"
  done
fi
