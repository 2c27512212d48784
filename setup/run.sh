#!/usr/bin/env bash
# Run OPTIS School: set up what is missing, create the database with every
# OPTIS addon, French and Dutch (fr_BE, nl_BE) and the demo school on first run,
# then start Odoo on http://localhost:8069 and print the demo logins.
#
#   ./setup/run.sh            start (creates the database the first time, keeps data after)
#   ./setup/run.sh --reset    drop the database and rebuild it from scratch
#   ./setup/run.sh --update   upgrade the OPTIS addons after pulling new code
#   ./setup/run.sh --no-serve prepare everything but do not start the server
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

db=${OPTIS_DB:-optis}
reset= update= serve=1
for arg in "$@"; do
    case $arg in
        --reset) reset=1 ;;
        --update) update=1 ;;
        --no-serve) serve= ;;
        -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
        *) die "unknown option $arg (see --help)" ;;
    esac
done

prepare_all
addons=$(optis_addons)

if [ -n "$reset" ]; then
    say "dropping database $db"
    dropdb --if-exists "$db"
    rm -rf "$OPTIS_HOME/data/filestore/$db"
fi

db_exists() { psql -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; }

if ! db_exists; then
    say "creating database $db with $addons, the languages $OPTIS_LANGUAGES and the demo school (a few minutes)"
    odoo_bin -c "$OPTIS_CONF" -d "$db" -i "$addons" "$(load_language_option)" --stop-after-init --log-level=warn
else
    languages=$(missing_languages "$db")
    if [ -n "$languages" ]; then
        say "installing the languages $languages"
        odoo_bin -c "$OPTIS_CONF" -d "$db" --load-language="$languages" --stop-after-init --log-level=warn
    fi
    missing=$(psql -d "$db" -Atc "SELECT string_agg(name, ',') FROM ir_module_module
        WHERE state = 'installed' AND name = ANY(string_to_array('$addons', ','))" 2>/dev/null || true)
    new=$(comm -23 <(tr , '\n' <<<"$addons" | sort) <(tr , '\n' <<<"$missing" | sort) | paste -sd, -)
    if [ -n "$new" ]; then
        say "installing new addons: $new"
        odoo_bin -c "$OPTIS_CONF" -d "$db" -i "$new" --stop-after-init --log-level=warn
    fi
    if [ -n "$update" ]; then
        say "upgrading $addons"
        odoo_bin -c "$OPTIS_CONF" -d "$db" -u "$addons" --stop-after-init --log-level=warn
    fi
    say "database $db kept (use --reset to rebuild it)"
fi

port=${OPTIS_HTTP_PORT:-8069}
cat <<INFO

  OPTIS School is ready: http://localhost:$port  (database: $db)

  Backend (http://localhost:$port/web/login)
    administrator   admin / admin                  (English)
    bursar          bursar / bursar                (French)
    teacher         teacher / teacher              (Dutch)
  Parents' portal (http://localhost:$port/my)
    parent 1        parent1@example.com / parent   (French)
    parent 2        parent2@example.com / parent   (French)
    parent 3        parent3@example.com / parent   (French; stepfather: interviews only)

INFO

if [ -n "$serve" ]; then
    say "starting Odoo (Ctrl+C to stop)"
    odoo_bin -c "$OPTIS_CONF" -d "$db" --db-filter="^$db\$"
fi
