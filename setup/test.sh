#!/usr/bin/env bash
# Test OPTIS School: set up what is missing, install every OPTIS addon with
# French and Dutch (fr_BE, nl_BE) in a throwaway database, run the linters and pytest (pytest-odoo) over every
# addon's tests and tests/, print the summary, drop the database.
#
#   ./setup/test.sh                 everything
#   ./setup/test.sh -k activation   extra arguments go to pytest
#   OPTIS_KEEP_DB=1 ./setup/test.sh keep the database afterwards
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

prepare_all
ensure_axe
cd "$OPTIS_ROOT"

status=0
lint_status=0
if [ -z "${OPTIS_SKIP_LINT:-}" ]; then
    say "lint: ruff format --check, ruff check, pylint-odoo"
    "$OPTIS_VENV/bin/ruff" format --check . || lint_status=1
    "$OPTIS_VENV/bin/ruff" check . || lint_status=1
    # shellcheck disable=SC2046
    "$OPTIS_VENV/bin/pylint" --rcfile=.pylintrc $(ls -d optis_*/ tests/test_*/ 2>/dev/null) || lint_status=1
    [ $lint_status -eq 0 ] && say "lint: clean" || say "lint: FAILED"
fi

db=${OPTIS_TEST_DB:-optis_test_$$}
addons=$(optis_addons)
test_addons=$(cd tests && ls -d test_*/ 2>/dev/null | tr -d / | paste -sd, - || true)
cleanup() {
    if [ -z "${OPTIS_KEEP_DB:-}" ]; then
        dropdb --if-exists "$db" >/dev/null 2>&1 || true
        rm -rf "$OPTIS_HOME/data/filestore/$db"
    else
        say "database $db kept"
    fi
}
trap cleanup EXIT

say "installing ${addons}${test_addons:+,$test_addons} with demo data and the languages $OPTIS_LANGUAGES in database $db"
dropdb --if-exists "$db" >/dev/null 2>&1 || true
# Odoo installs a module whose demo data fails without it, with a mere warning: that fails too.
if ! odoo_bin -c "$OPTIS_CONF" -d "$db" -i "${addons}${test_addons:+,$test_addons}" \
    "$(load_language_option)" --stop-after-init --log-level=warn >"$OPTIS_HOME/install-$db.log" 2>&1 \
    || grep -E " (ERROR|CRITICAL) |demo data failed to install" "$OPTIS_HOME/install-$db.log"; then
    cat "$OPTIS_HOME/install-$db.log" | tail -50
    die "installing the addons failed (log: $OPTIS_HOME/install-$db.log)"
fi
say "addons installed"

say "pytest (pytest-odoo) on the addons' tests and tests/"
# shellcheck disable=SC2046
"$OPTIS_VENV/bin/python" -m pytest \
    --odoo-config="$OPTIS_CONF" --odoo-database="$db" --odoo-http --odoo-log-level=warn \
    --odoo-extra=log-handler=odoo.tests.common:CRITICAL \
    $(ls -d optis_*/tests 2>/dev/null) tests "$@" || status=$?

if [ $lint_status -ne 0 ]; then
    say "lint failed (see above)"
    status=1
fi
exit $status
