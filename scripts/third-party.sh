#!/usr/bin/env bash
# Patched copies of upstream modules under third_party/ (see its README).
#   scripts/third-party.sh verify    each copy == pristine upstream + its patch, minus the
#                                    parts left out; upstream's tests pass with the patch
#   scripts/third-party.sh refresh   rebuild each copy from pristine upstream + its patch
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
# name | module@version | upstream parts the copy leaves out (CI config,
# CLIs, examples, large test corpora: upstream's tests run on a full copy)
MODULES=(
	"html-to-markdown|github.com/JohannesKaufmann/html-to-markdown/v2@v2.5.2|.github cli examples"
	"go-readability|codeberg.org/readeck/go-readability/v2@v2.1.3|cmd scripts test-pages"
)

patched() { # patched NAME MODULE@VERSION DEST: pristine upstream + patch
	local dir empty
	empty="$(mktemp -d)" # outside any module
	dir="$(cd "$empty" && GOFLAGS=-mod=mod go mod download -json "$2" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')"
	rmdir "$empty"
	rm -rf "$3" && cp -r "$dir" "$3" && chmod -R u+w "$3"
	patch -s -p1 -d "$3" <"$ROOT/third_party/$1.patch"
}

trim() { # trim DIR PARTS...
	local dir="$1"
	shift
	for part in "$@"; do rm -rf "${dir:?}/$part"; done
}

cmd="${1:-verify}"
for entry in "${MODULES[@]}"; do
	IFS='|' read -r name mod drop <<<"$entry"
	# shellcheck disable=SC2086 # drop is a list of paths
	case "$cmd" in
	verify)
		tmp="$(mktemp -d)"
		patched "$name" "$mod" "$tmp/full"
		(cd "$tmp/full" && go test ./... >"$tmp/test.log" 2>&1) || { cat "$tmp/test.log"; echo "third_party/$name: upstream tests fail with the patch" >&2; exit 1; }
		trim "$tmp/full" $drop
		diff -r "$tmp/full" "third_party/$name" || { echo "third_party/$name differs from $mod + $name.patch (run: $0 refresh)" >&2; exit 1; }
		rm -rf "$tmp"
		echo "third_party/$name: $mod + $name.patch; upstream tests pass"
		;;
	refresh)
		patched "$name" "$mod" "third_party/$name"
		trim "third_party/$name" $drop
		echo "third_party/$name rebuilt from $mod + $name.patch"
		;;
	*)
		echo "usage: $0 verify|refresh" >&2
		exit 2
		;;
	esac
done
