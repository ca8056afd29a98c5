#!/usr/bin/env bash
# render.sh: regenerate the pictures of docs/pictures/ from the built binary: `hotplan graph`
# of each plan and procedure below, rendered by Graphviz (`dot -Tsvg`), and the layers of the
# code as its #include lines draw them (tools/layers.py --dot). Run it after a change
# to compiler/graph.c or to one of these plans, and review the SVGs (git diff, or a browser).
#
#   docs/pictures/render.sh                    write the SVGs beside this script
#   PNG_DIR=/tmp/pics docs/pictures/render.sh  also write a PNG of each into /tmp/pics, to look at
#
# Environment: HOTPLAN (the binary; default build/hotplan or the first build-*/hotplan).
# Exit: 0 when every picture was written; 1 when hotplan or dot failed (or dot warned);
# 2 without a binary or without dot.
set -u

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root" || exit 2
out=docs/pictures

bin=${HOTPLAN:-}
if [[ -z $bin ]]; then
	for c in build/hotplan build-*/hotplan; do
		[[ -x $c ]] && { bin=$c; break; }
	done
fi
if [[ -z $bin || ! -x $bin ]]; then
	echo "render: no hotplan binary (build it, or set HOTPLAN)" >&2
	exit 2
fi
if ! command -v dot >/dev/null 2>&1; then
	echo "render: Graphviz 'dot' is not installed (apt-get install graphviz)" >&2
	exit 2
fi
if [[ -n ${PNG_DIR:-} ]]; then
	mkdir -p "$PNG_DIR" || exit 2
fi

tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
failures=0

# render PLAN KIND NAME: docs/pictures/NAME.svg (and $PNG_DIR/NAME.png) from PLAN's KIND procedure.
render() {
	local plan=$1 kind=$2 name=$3
	if ! "$bin" graph --kind "$kind" "$plan" >"$tmp/$name.dot" 2>"$tmp/$name.err"; then
		echo "render: hotplan graph --kind $kind $plan failed:" >&2
		sed 's/^/    /' "$tmp/$name.err" >&2
		failures=$((failures + 1))
		return
	fi
	if ! dot -Tsvg "$tmp/$name.dot" -o "$tmp/$name.svg" 2>"$tmp/$name.err" || [[ -s $tmp/$name.err ]]; then
		echo "render: dot -Tsvg on the graph of $plan --kind $kind:" >&2
		sed 's/^/    /' "$tmp/$name.err" >&2
		failures=$((failures + 1))
		return
	fi
	mv "$tmp/$name.svg" "$out/$name.svg"
	echo "wrote $out/$name.svg"
	if [[ -n ${PNG_DIR:-} ]]; then
		dot -Tpng "$tmp/$name.dot" -o "$PNG_DIR/$name.png" && echo "wrote $PNG_DIR/$name.png"
	fi
}

render plans/ese-hotfix.hplan cluster ese-hotfix-cluster
render plans/ese-hotfix.hplan standalone ese-hotfix-standalone
render plans/postgresql-minor-update.hplan cluster postgresql-minor-update

# The layers, drawn from the code's own #include lines (tools/layers.py, docs/architecture.md).
if python3 tools/layers.py --dot >"$tmp/layers.dot" 2>"$tmp/layers.err" &&
	dot -Tsvg "$tmp/layers.dot" -o "$tmp/layers.svg" 2>>"$tmp/layers.err" && [[ ! -s $tmp/layers.err ]]; then
	mv "$tmp/layers.svg" "$out/layers.svg"
	echo "wrote $out/layers.svg"
	if [[ -n ${PNG_DIR:-} ]]; then
		dot -Tpng "$tmp/layers.dot" -o "$PNG_DIR/layers.png" && echo "wrote $PNG_DIR/layers.png"
	fi
else
	echo "render: the layers picture (tools/layers.py --dot | dot -Tsvg):" >&2
	sed 's/^/    /' "$tmp/layers.err" >&2
	failures=$((failures + 1))
fi

((failures == 0)) || exit 1
