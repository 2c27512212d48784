"""Every OPTIS addon ships French and Dutch translations of all its strings."""

import pathlib
import re

import polib
import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
ADDONS = sorted(path.parent for path in ROOT.glob("optis_*/__manifest__.py"))
LANGUAGES = ("fr", "nl")


def test_addons_found():
    assert ADDONS, "no OPTIS addon found next to tests/"


@pytest.mark.parametrize("addon", ADDONS, ids=lambda path: path.name)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_translation_complete(addon, lang):
    pot_path = addon / "i18n" / f"{addon.name}.pot"
    po_path = addon / "i18n" / f"{lang}.po"
    assert pot_path.exists(), f"{pot_path} missing: run ./setup/i18n.sh {addon.name}"
    assert po_path.exists(), f"{po_path} missing: run ./setup/i18n.sh {addon.name}"
    template = {entry.msgid for entry in polib.pofile(str(pot_path)) if entry.msgid}
    catalog = polib.pofile(str(po_path))
    translated = {entry.msgid for entry in catalog.translated_entries() if "fuzzy" not in entry.flags}
    missing = sorted(template - translated)
    assert not missing, f"{len(missing)} strings of {addon.name} untranslated in {lang}.po, e.g. {missing[:5]}"


@pytest.mark.parametrize("addon", ADDONS, ids=lambda path: path.name)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_placeholders_kept(addon, lang):
    """A translation keeps the named placeholders of its source string."""
    po_path = addon / "i18n" / f"{lang}.po"
    if not po_path.exists():
        pytest.fail(f"{po_path} missing")
    placeholder = re.compile(r"%\(\w+\)s|%s|\{\w*\}")
    for entry in polib.pofile(str(po_path)).translated_entries():
        assert sorted(placeholder.findall(entry.msgid)) == sorted(
            placeholder.findall(entry.msgstr)
        ), f"{po_path.name}: placeholders differ in {entry.msgid!r} -> {entry.msgstr!r}"
