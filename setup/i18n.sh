#!/usr/bin/env bash
# Regenerate each OPTIS addon's .pot from the code and merge it into fr.po and
# nl.po (new strings arrive untranslated; tests/test_translations.py fails
# until they are translated).
#
#   ./setup/i18n.sh                 every OPTIS addon
#   ./setup/i18n.sh optis_school    only these
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

prepare_all
apt_install gettext
cd "$OPTIS_ROOT"
addons=${*:-$(optis_addons | tr , ' ')}
db=optis_i18n_$$
trap 'dropdb --if-exists "$db" >/dev/null 2>&1 || true' EXIT
say "installing $addons in $db (no demo data)"
odoo_bin -c "$OPTIS_CONF" -d "$db" -i "$(tr ' ' , <<<"$addons")" --without-demo=all --stop-after-init --log-level=warn
for addon in $addons; do
    mkdir -p "$addon/i18n"
    pot=$addon/i18n/$addon.pot
    odoo_bin -c "$OPTIS_CONF" -d "$db" --i18n-export="$pot" --modules="$addon" --stop-after-init --log-level=warn
    for lang in fr nl; do
        po=$addon/i18n/$lang.po
        if [ -f "$po" ]; then
            msgmerge --quiet --update --backup=none --no-fuzzy-matching "$po" "$pot"
        else
            msginit --no-translator --locale="$lang" --input="$pot" --output-file="$po"
        fi
    done
    say "$addon: $(grep -c '^msgid ' "$pot") strings in $pot"
done
