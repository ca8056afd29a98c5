#!/usr/bin/env bash
# run-products.sh: the golden diagnostics of real plans written with a library
# (tests/diag/products/PLAN-MISTAKE-bad.hplan and -ok.hplan, docs/lib/*.md): run-diag.sh
# over that directory, with the same headers and .expected files.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DIAG_DIR=tests/diag/products exec bash "$here/run-diag.sh" "$@"
