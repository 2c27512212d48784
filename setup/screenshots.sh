#!/usr/bin/env bash
# Screenshots of the parents' portal on a phone (390 px wide) into docs/screenshots/, from the
# demo database of ./setup/run.sh (created first when missing; nothing in it is changed).
#
#   ./setup/screenshots.sh              English pages
#   OPTIS_SCREENSHOT_LANG=fr_BE ./setup/screenshots.sh
#   ./setup/screenshots.sh --update     upgrade the demo database's addons first (after a pull)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

db=${OPTIS_DB:-optis}
case ${1:-} in
    --update) "$OPTIS_ROOT/setup/run.sh" --no-serve --update >/dev/null ;;
    "") "$OPTIS_ROOT/setup/run.sh" --no-serve >/dev/null ;;
    *) die "unknown option $1 (see the head of $0)" ;;
esac
cd "$OPTIS_ROOT"

say "screenshots of the parents' portal from database $db into docs/screenshots/"
"$OPTIS_VENV/bin/python" -m pytest -q -s \
    --odoo-config="$OPTIS_CONF" --odoo-database="$db" --odoo-http --odoo-log-level=warn \
    --odoo-extra=log-handler=odoo.tests.common:CRITICAL \
    tests/screenshots/shoot_portal_pages.py
