#!/usr/bin/env bash
# Try the newest releases the version ranges in pyproject.toml allow, on purpose rather than by surprise:
# a fresh virtual environment without constraints.txt, the README's test command in it, then the versions that
# changed. When the suite passes, `--write` replaces constraints.txt with the new versions (commit it, saying
# what moved); when it fails, constraints.txt stays and the failure says which release changed behaviour
# (give it an upper bound in pyproject.toml and a comment saying why).
#
#     scripts/try_newer_dependencies.sh [--write]      (about 15 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="$(mktemp -d)/venv"
python3 -m venv "$VENV"
"$VENV/bin/pip" install -q --upgrade pip
"$VENV/bin/pip" install -q -e ".[test]"
NEW="$(mktemp)"
{ sed -n '1,3p' constraints.txt; "$VENV/bin/pip" freeze --exclude-editable | grep -v -i '^pause-assistant'; } > "$NEW"
echo "versions that differ from constraints.txt (< pinned, > newest):"
diff <(grep -v '^#' constraints.txt) <(grep -v '^#' "$NEW") || true
"$VENV/bin/python" -m pytest -q -n 3 --dist loadfile --no-loadscope-reorder
if [ "${1:-}" = "--write" ]; then
  cp "$NEW" constraints.txt
  echo "constraints.txt updated: commit it with the versions that moved"
fi
