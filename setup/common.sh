#!/usr/bin/env bash
# Shared set-up steps for run.sh and test.sh. Source it; do not run it.
#
# Every step is idempotent and fast when there is nothing to do, so both
# commands can call all of them on every run.

set -euo pipefail

OPTIS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OPTIS_HOME=${OPTIS_HOME:-${XDG_DATA_HOME:-$HOME/.local/share}/optis-school}
OPTIS_VENV=${OPTIS_VENV:-$OPTIS_HOME/venv}
OPTIS_CONF=${OPTIS_CONF:-$OPTIS_HOME/odoo.conf}
# Conventional places where an Odoo 18.0 source tree is looked for, in order.
OPTIS_ODOO_LOCATIONS=(/opt/odoo/18.0 /opt/odoo18 "$OPTIS_HOME/odoo-18.0")
OPTIS_ODOO_ARCHIVE_URL=${OPTIS_ODOO_ARCHIVE_URL:-https://nightly.odoo.com/18.0/nightly/src/odoo_18.0.latest.tar.gz}
# Bump when ensure_venv changes in a way that needs the environment rebuilt.
OPTIS_VENV_RECIPE=1
# The school's languages, installed with every database (Belgian French and Dutch: Monday-first
# weeks, day-month-year dates). Odoo loads each addon's fr.po/nl.po for them.
OPTIS_LANGUAGES=${OPTIS_LANGUAGES:-fr_BE,nl_BE}
PGHOST=${PGHOST:-/var/run/postgresql}
export PGHOST

say() { printf '\033[1;34m[optis]\033[0m %s\n' "$*"; }
die() { printf '\033[1;31m[optis] error:\033[0m %s\n' "$*" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# --- System packages --------------------------------------------------------

apt_install() {
    # Install the Debian packages given as arguments that are not installed yet.
    local missing=() pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    command -v apt-get >/dev/null || die "missing system packages (${missing[*]}) and no apt-get to install them"
    say "installing system packages: ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_system_packages() {
    # Build dependencies of Odoo's pinned requirements (psycopg2, python-ldap),
    # the PDF engine for reports and the browser for tours.
    apt_install libpq-dev libldap2-dev libsasl2-dev python3-venv python3-dev gcc \
        wkhtmltopdf poppler-utils chromium fonts-dejavu-core postgresql-client
}

# --- PostgreSQL -------------------------------------------------------------

ensure_postgres() {
    if ! command -v pg_isready >/dev/null || ! pg_isready -q; then
        if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
            apt_install postgresql
        fi
        say "starting PostgreSQL"
        local version
        for version in $(ls /etc/postgresql); do
            as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null \
                || as_root service postgresql start || true
        done
        local i
        for i in $(seq 1 30); do pg_isready -q && break; sleep 1; done
        pg_isready -q || die "PostgreSQL does not answer on $PGHOST"
    fi
    # Odoo connects as the current OS user; make sure that role exists.
    local role
    role=$(id -un)
    if ! psql -d postgres -Atc "SELECT 1 FROM pg_roles WHERE rolname = '$role'" 2>/dev/null | grep -q 1; then
        say "creating PostgreSQL role $role"
        as_root su postgres -c "createuser --createdb $role" 2>/dev/null \
            || psql -U postgres -d postgres -c "CREATE ROLE \"$role\" LOGIN CREATEDB" >/dev/null
    fi
}

# --- Odoo source discovery --------------------------------------------------

is_odoo18_tree() {
    [ -f "$1/odoo/release.py" ] && grep -q "^version_info = (18, 0" "$1/odoo/release.py"
}

find_odoo() {
    # Sets ODOO_KIND (installed|source) and ODOO_SRC (source tree, when any).
    local candidate
    # An importable odoo 18.0 in the system's python3 (not our own venv, which
    # was itself built from a source tree found below).
    candidate=$(python3 - 2>/dev/null <<PY || true
import os, sys, odoo.release
if odoo.release.version_info[:2] == (18, 0) and os.path.realpath(sys.prefix) != os.path.realpath("$OPTIS_VENV"):
    print(os.path.dirname(os.path.dirname(os.path.abspath(odoo.__file__))))
PY
)
    if [ -n "$candidate" ]; then
        ODOO_KIND=installed
        ODOO_SRC=$candidate
        say "Odoo 18.0: using the installed odoo package ($candidate)"
        return
    fi
    ODOO_KIND=source
    if [ -n "${ODOO_SRC:-}" ]; then
        is_odoo18_tree "$ODOO_SRC" || die "ODOO_SRC=$ODOO_SRC is not an Odoo 18.0 source tree"
        say "Odoo 18.0: using ODOO_SRC=$ODOO_SRC"
        return
    fi
    for candidate in "${OPTIS_ODOO_LOCATIONS[@]}"; do
        if is_odoo18_tree "$candidate"; then
            ODOO_SRC=$candidate
            say "Odoo 18.0: using the source tree at $ODOO_SRC"
            return
        fi
    done
    ODOO_SRC=$OPTIS_HOME/odoo-18.0
    say "Odoo 18.0: no installation found; downloading $OPTIS_ODOO_ARCHIVE_URL"
    mkdir -p "$ODOO_SRC.part"
    curl -fL --retry 3 "$OPTIS_ODOO_ARCHIVE_URL" | tar -xz -C "$ODOO_SRC.part" --strip-components=1 \
        || die "could not download Odoo 18.0; set ODOO_SRC to an Odoo 18.0 source tree"
    mv "$ODOO_SRC.part" "$ODOO_SRC"
    say "Odoo 18.0: downloaded to $ODOO_SRC"
}

odoo_addons_path() {
    # Odoo's own addons, then the OPTIS addons, then the hidden test addons.
    local paths=()
    [ -d "$ODOO_SRC/addons" ] && paths+=("$ODOO_SRC/addons")
    paths+=("$ODOO_SRC/odoo/addons" "$OPTIS_ROOT" "$OPTIS_ROOT/tests")
    local IFS=,
    echo "${paths[*]}"
}

# --- Python virtualenv ------------------------------------------------------

pip_with_build_constraint() {
    # cbor2 (pinned by Odoo) needs pkg_resources at build time: setuptools<80.
    local constraint=$OPTIS_ROOT/setup/build-constraints.txt
    if "$OPTIS_VENV/bin/python" - <<'PY'
import sys
from pip import __version__ as v
sys.exit(0 if tuple(int(x) for x in v.split(".")[:2]) >= (26, 2) else 1)
PY
    then
        "$OPTIS_VENV/bin/pip" install --build-constraint "$constraint" "$@"
    else
        PIP_CONSTRAINT=$constraint "$OPTIS_VENV/bin/pip" install "$@"
    fi 2> >(grep -v "^WARNING: Location 'file:" >&2)
}

ensure_venv() {
    local stamp_file=$OPTIS_VENV/.optis-stamp stamp
    # Rebuilt whenever a requirements file, the Odoo tree or this recipe changes.
    stamp=$(cat "$OPTIS_ROOT"/requirements*.txt "$ODOO_SRC/requirements.txt" 2>/dev/null \
        | sha256sum | cut -c1-16)-v$OPTIS_VENV_RECIPE-$ODOO_KIND-$ODOO_SRC
    if [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$stamp" ]; then
        say "Python environment up to date ($OPTIS_VENV)"
        return
    fi
    say "preparing the Python environment in $OPTIS_VENV"
    if [ "$ODOO_KIND" = installed ]; then
        # Reuse the system's Odoo and its dependencies.
        python3 -m venv --system-site-packages "$OPTIS_VENV"
    else
        python3 -m venv "$OPTIS_VENV"
        pip_with_build_constraint -q -r "$ODOO_SRC/requirements.txt"
        # Editable install in compat mode: `import odoo` resolves to the source
        # tree while pip knows the `odoo` distribution, so OCA addons from
        # PyPI (odoo-addon-*) install into site-packages/odoo/addons.
        pip_with_build_constraint -q --no-deps -e "$ODOO_SRC" \
            --config-settings editable_mode=compat
    fi
    pip_with_build_constraint -q -r "$OPTIS_ROOT/requirements.txt" -r "$OPTIS_ROOT/requirements-dev.txt"
    echo "$stamp" > "$stamp_file"
}

# --- Accessibility checker (axe-core from npm) -----------------------------------

ensure_axe() {
    # axe-core, pinned in tests/a11y/package.json and its lock file, for the accessibility
    # test that runs it in Chromium on every OPTIS portal page.
    local dir=$OPTIS_ROOT/tests/a11y
    [ -f "$dir/node_modules/axe-core/axe.min.js" ] && return 0
    command -v npm >/dev/null || apt_install npm
    say "installing axe-core (npm ci in tests/a11y)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || die "npm ci in $dir failed"
}

odoo_bin() {
    if [ "$ODOO_KIND" = source ]; then
        "$OPTIS_VENV/bin/python" "$ODOO_SRC/odoo-bin" "$@"
    else
        "$OPTIS_VENV/bin/python" -m odoo "$@"
    fi
}

write_config() {
    mkdir -p "$(dirname "$OPTIS_CONF")" "$OPTIS_HOME/data"
    cat > "$OPTIS_CONF" <<CONF
[options]
addons_path = $(odoo_addons_path)
data_dir = $OPTIS_HOME/data
db_host = False
db_port = False
http_port = ${OPTIS_HTTP_PORT:-8069}
http_interface = ${OPTIS_HTTP_INTERFACE:-127.0.0.1}
admin_passwd = ${OPTIS_MASTER_PASSWORD:-optis-admin}
list_db = False
without_demo = False
; OCA queue_job's runner starts with the server and runs OPTIS background jobs (letters, bank files, planning).
server_wide_modules = base,web,queue_job

[queue_job]
channels = root:2,root.optis:2
CONF
}

load_language_option() {
    # English first: the first language of --load-language becomes the default language of
    # new contacts and users in a new database; people are given theirs explicitly.
    echo "--load-language=en_US,$OPTIS_LANGUAGES"
}

missing_languages() {
    # The school's languages not active in database $1, comma separated (empty: none missing).
    psql -d "$1" -Atc "SELECT string_agg(code, ',') FROM unnest(string_to_array('$OPTIS_LANGUAGES', ',')) AS code
        WHERE code NOT IN (SELECT code FROM res_lang WHERE active)" 2>/dev/null || true
}

optis_addons() {
    # The OPTIS addons present in this checkout, comma separated.
    local mods=() manifest
    for manifest in "$OPTIS_ROOT"/optis_*/__manifest__.py; do
        [ -f "$manifest" ] && mods+=("$(basename "$(dirname "$manifest")")")
    done
    local IFS=,
    echo "${mods[*]}"
}

prepare_all() {
    ensure_system_packages
    ensure_postgres
    find_odoo
    ensure_venv
    write_config
}
