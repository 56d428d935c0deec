#!/usr/bin/env bash
# scripts/shard-run runs a step over N shards with GNU parallel (several local jobs, and
# the --sshlogin path with ":" = this machine) and joins the parts with li-cat: the same
# bytes as the unsharded run. The Slurm templates pass bash -n and, run by hand with the
# variables Slurm sets, give the same bytes too.
. "$(dirname "$0")/../lib.sh"

SR=$LI_TOP/scripts/shard-run
if ! command -v parallel >/dev/null 2>&1; then
	test_skip 'GNU parallel is not installed (scripts/deps)'
	test_done
fi

test_expect_success 'setup: model, 200 rows, encoder, a UMAP map' '
	$PY "$LI_TOP/tests/tools/shard_model.py" 200 &&
	li-split -q --at latent model.h5 --head head.h5 --tail tail.h5 &&
	li-embed -q --threads 1 head.h5 x.npy -o lat.npy &&
	li-reduce -q --method umap --sample 100 --save umap.h5 lat.npy -o /dev/null &&
	li-reduce --transform umap.h5 --threads 1 lat.npy -o xy.npy
'

test_expect_success 'li-embed over 5 shards, 3 jobs at a time, joined by li-cat' '
	mkdir out &&
	"$SR" -j 3 -n 5 -o out/lat.npy -- li-embed -q --threads 1 head.h5 x.npy &&
	cmp out/lat.npy lat.npy &&
	test "$(ls -A out)" = lat.npy
'

test_expect_success 'li-reduce --transform through the --sshlogin path (":" is this machine)' '
	"$SR" -n 4 -S 2/: -o xy2.npy -- li-reduce --transform umap.h5 --threads 1 lat.npy 2>err &&
	cmp xy2.npy xy.npy && ! ls -d .shard-run.* 2>/dev/null
'

test_expect_success 'standard output, --keep and --workdir' '
	"$SR" -j 2 -n 3 --keep --workdir parts -- li-propagate -q --threads 1 tail.h5 lat.npy >dec.npy &&
	li-propagate -q --threads 1 tail.h5 lat.npy -o want.npy && cmp dec.npy want.npy &&
	ls parts >list && printf "part-0.npy\npart-1.npy\npart-2.npy\n" >expect && cmp expect list
'

test_expect_success '--dry-run prints the parallel and li-cat commands' '
	"$SR" --dry-run -n 2 -S 4/node1 --basefile head.h5 -o o.npy -- li-embed head.h5 x.npy >dry &&
	grep -q "^parallel --sshlogin 4/node1 --basefile head.h5 .*--return .*--cleanup .*::: 0 1$" dry &&
	grep -q "^li-cat .*part-0.npy .*part-1.npy -o o.npy$" dry
'

test_expect_success 'a failing shard: exit 1, its error shown, no output, no parts left' '
	must_fail 1 "$SR" -j 2 -n 3 -o bad.npy -- li-embed -q head.h5 nosuch.npy 2>err &&
	grep -q "^li-embed: error: nosuch.npy: No such file or directory" err &&
	tail -1 err | grep -q "^shard-run: error: a shard failed" &&
	! test -e bad.npy && ! ls -d .shard-run.* 2>/dev/null
'

test_expect_success 'bad usage: exit 2' '
	must_fail 2 "$SR" -n 0 -- li-embed head.h5 x.npy &&
	must_fail 2 "$SR" -n 2 -o o.npy &&
	must_fail 2 "$SR" --frobnicate -- li-embed head.h5 x.npy
'

test_expect_success 'Slurm templates: bash -n, and run by hand as Slurm would' '
	bash -n "$LI_TOP/scripts/slurm/li-shard.sbatch" &&
	bash -n "$LI_TOP/scripts/slurm/li-join.sbatch" &&
	for i in 0 1 2 3; do
		SLURM_ARRAY_TASK_ID=$i SLURM_ARRAY_TASK_COUNT=4 SLURM_CPUS_PER_TASK=1 PARTS=sp \
		STEP="li-embed -q head.h5 x.npy" bash "$LI_TOP/scripts/slurm/li-shard.sbatch" || exit 1
	done &&
	test "$(ls sp | wc -l)" -eq 4 &&
	SHARDS=4 OUT=slurm.npy PARTS=sp bash "$LI_TOP/scripts/slurm/li-join.sbatch" &&
	cmp slurm.npy lat.npy && test -z "$(ls sp)"
'

test_done
