#!/usr/bin/env bash
# The examples of doc/scaling.md's "In short" section run as written (jq's man.test): the
# li-convert/li-cat loop, scripts/shard-run on this machine, the --sshlogin example as a
# --dry-run (no remote hosts here), and the Slurm submission lines through a stand-in
# sbatch that runs the array tasks and the dependent join one after the other, as Slurm
# would, with the variables Slurm sets.
. "$(dirname "$0")/../lib.sh"

if ! command -v parallel >/dev/null 2>&1; then
	test_skip 'GNU parallel is not installed (scripts/deps)'
	test_done
fi

sed -n '/^## In short/,/^## /p' "$LI_TOP/doc/scaling.md" | sed -n 's/^    //p' >examples.txt

test_expect_success 'the section has its examples' '
	test "$(wc -l <examples.txt)" -eq 6
'

test_expect_success 'setup: model and data, scripts/ as in the checkout, a stand-in sbatch' '
	$PY "$LI_TOP/tests/tools/shard_model.py" 64 &&
	li-split -q --at latent model.h5 --head head.h5 --tail tail.h5 &&
	ln -s "$LI_TOP/scripts" scripts &&
	mkdir fakebin &&
	cat >fakebin/sbatch <<-\EOF &&
	#!/bin/bash
	# sbatch [--parsable] [--array=A-B] [--dependency=...] [--export=ALL,K=V,...] SCRIPT
	array="" exports=()
	while [ $# -gt 1 ]; do
		case $1 in
		--array=*) array=${1#--array=} ;;
		--export=*) IFS=, read -r -a exports <<<"${1#--export=}" ;;
		esac
		shift
	done
	vars=()
	for e in "${exports[@]}"; do [ "$e" = ALL ] || vars+=("$e"); done
	if [ -n "$array" ]; then
		for ((i = ${array%-*}; i <= ${array#*-}; i++)); do
			env "${vars[@]}" SLURM_ARRAY_TASK_ID=$i SLURM_CPUS_PER_TASK=1 \
				SLURM_ARRAY_TASK_COUNT=$((${array#*-} - ${array%-*} + 1)) bash "$1" || exit 1
		done
	else
		env "${vars[@]}" bash "$1" || exit 1
	fi
	echo 4242
	EOF
	chmod +x fakebin/sbatch
'

test_expect_success 'li-convert shards joined by li-cat: the input again' '
	sed -n 1,2p examples.txt >ex.sh && bash -e ex.sh && cmp all.npy x.npy
'

test_expect_success 'shard-run -j 4: the unsharded li-embed output' '
	sed -n 3p examples.txt >ex.sh && bash -e ex.sh &&
	li-embed -q --threads 1 head.h5 x.npy -o want.npy && cmp latent.npy want.npy
'

test_expect_success 'shard-run -S: the parallel command it would run' '
	sed -n 4p examples.txt | sed "s|^scripts/shard-run |scripts/shard-run --dry-run |" >ex.sh &&
	bash -e ex.sh >dry && grep -q "^parallel --sshlogin 16/node1\\\\,16/node2 " dry
'

test_expect_success 'the Slurm lines (stand-in sbatch): the unsharded li-embed output' '
	rm -f latent.npy &&
	sed -n 5,6p examples.txt >ex.sh && PATH="$PWD/fakebin:$PATH" bash -e ex.sh &&
	li-embed -q --threads 1 head.h5 x.npy -o want.npy && cmp latent.npy want.npy &&
	test -z "$(ls parts)"
'

test_done
