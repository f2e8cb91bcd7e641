#!/usr/bin/env bash
# Refreshes the translation catalogs after msgids change in app/ (Python sources and templates):
# re-extracts app/translations/messages.pot, merges it into each catalog (English: en), and
# prints how many English entries still need a translation. Fill those in, then run
# `make translations` (or pybabel compile) to rebuild the git-ignored .mo files.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
POT=app/translations/messages.pot
EN_PO=app/translations/en/LC_MESSAGES/messages.po

"$BIN/pybabel" -q extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -w 100 \
  -o "$POT" .
"$BIN/pybabel" update --no-fuzzy-matching -w 100 -i "$POT" -d app/translations

"$BIN/python" - "$EN_PO" <<'PY'
import sys

from babel.messages.pofile import read_po

with open(sys.argv[1], "rb") as f:
    catalog = read_po(f)
todo = [m.id for m in catalog if m.id and (m.fuzzy or not m.string)]
print(f"English: {len(todo)} untranslated entr{'y' if len(todo) == 1 else 'ies'} in {sys.argv[1]}")
for msgid in todo:
    print(f"  - {msgid}")
PY
