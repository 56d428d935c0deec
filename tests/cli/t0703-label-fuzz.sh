#!/usr/bin/env bash
# li-label on garbage: random bytes and byte-flipped files as every input and as the
# files of a generation. Each run must end with status 0 or 1 (never a crash or a
# sanitizer report), and a refused append must leave the data set as it was.
. "$(dirname "$0")/../lib.sh"

$PY - <<'PY'
import numpy as np, random, os
random.seed(11)
np.save('x.npy', np.arange(12, dtype=np.float32).reshape(4, 3))
np.save('p.npy', np.full((4, 2), .5, np.float32))
np.save('o.npy', np.zeros((4, 2), np.float32))
np.save('l.npy', np.array([0, 1, 1, 0]))
open('c.txt', 'w').write('a\nb\n')
open('l.txt', 'w').write('a\nb\n"c"\n1\n')
os.makedirs('f', exist_ok=True)
for i in range(16):
    src = random.choice(['x.npy', 'p.npy', 'o.npy', 'l.npy', 'c.txt', 'l.txt'])
    b = bytearray(open(src, 'rb').read())
    how = i % 4
    if how == 0:
        b = bytearray(random.randbytes(random.randrange(0, 300)))
    elif how == 1:
        for _ in range(random.randrange(1, 6)):
            b[random.randrange(len(b))] = random.randrange(256)
    elif how == 2:
        b = b[:random.randrange(len(b))]
    else:
        b[random.randrange(len(b))] ^= 0xff
    open('f/%02d' % i, 'wb').write(bytes(b))
PY

li-label -q ds --x x.npy --labels l.npy --origin o.npy --classes c.txt
snap_of() {
	(cd "$1" && find . | sort && cat current/*) | md5sum
}

survives() { # the command may succeed or fail, but never crash
	"$@" >/dev/null 2>err
	local rc=$?
	last_rc=$rc
	[ $rc -le 1 ] || { echo "'$*' exited with $rc" >&2; cat err >&2; return 1; }
	[ $rc -eq 0 ] || [ "$(wc -l <err)" -eq 1 ] || { echo "'$*': not one line" >&2; cat err >&2; return 1; }
}

test_expect_success 'garbage as each input of an append' '
	for g in f/*; do
		for opt in "--x $g --label a" "--x x.npy --labels $g" "--x x.npy --prob $g" \
			   "--x x.npy --label a --classes $g" "--x x.npy --label a --origin $g"; do
			rm -rf copy && cp -r ds copy &&
			survives li-label copy $opt || exit 1
			if [ $last_rc = 1 ] && [ "$(snap_of copy)" != "$(snap_of ds)" ]; then
				echo "$opt changed the data set" >&2
				exit 1
			fi
		done
	done
'

test_expect_success 'garbage in place of each file of the generation' '
	for g in f/*; do
		for file in samples.npy labels.npy classes.txt origin.npy meta.json; do
			rm -rf bad && cp -r ds bad && cp $g bad/current/$file &&
			survives li-label bad --stats &&
			survives li-label bad --export out.json &&
			survives li-label bad --x x.npy --label a || exit 1
		done
	done
'

test_done
