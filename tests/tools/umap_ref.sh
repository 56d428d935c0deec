# Sourced by the UMAP tests (t05xx). umap-learn is slow to start (numba compiles on
# import), so its reference outputs are computed once by one script per test and kept
# in a cache keyed by the script, its inputs and the umap-learn version
# (LI_UMAP_REF_CACHE, default build/umap-ref). The script writes files named ref_*.
have_umap() {
	$PY -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('umap') is None)"
}

# umap_ref SCRIPT INPUT...: runs $PY SCRIPT here, or copies its cached ref_* files
umap_ref() {
	local script=$1 key c
	shift
	key=$( (cat "$script" "$@"; dpkg-query -W -f='${Version}' umap-learn 2>/dev/null) |
		sha1sum | cut -c1-16)
	c=${LI_UMAP_REF_CACHE:-$LI_TOP/build/umap-ref}/$key
	if [ -f "$c/done" ]; then
		cp "$c"/ref_* . && return 0
	fi
	PYTHONWARNINGS=ignore NUMBA_NUM_THREADS=2 $PY "$script" || return 1
	mkdir -p "$c" && cp ref_* "$c"/ && touch "$c/done"
}
