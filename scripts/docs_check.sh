#!/usr/bin/env bash
# `make docs-check`: the docs pages built without Quarto (which cannot be installed here) and checked in
# headless Chromium. Where Quarto exists, `nbdev_docs` is the real docs build. See scripts/docs_check.py.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 scripts/docs_check.py "$@"
