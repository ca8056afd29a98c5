#!/usr/bin/env bash
# tests/layers/run-house.sh: the house rules the build can check (tools/house.py): no
# hand-written C function over 150 lines; no two source files of a layer calling each other,
# and no cycle of calls between a layer's files (read from the built objects with nm).
set -euo pipefail
command -v nm >/dev/null || { echo "nm (binutils) is not installed: skipped"; exit 77; }
exec python3 "${HOTPLAN_SOURCE_DIR:?}/tools/house.py" "${HOTPLAN_BUILD_DIR:?}"
