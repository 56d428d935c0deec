#!/usr/bin/env bash
# lib/logreg.c against scikit-learn's LogisticRegression(solver="lbfgs") on the same
# standardized data: coefficients within 1e-4 relative, the same predictions,
# probabilities within 1e-5. The fitting side is build/tests/test_logreg in tool mode.
. "$(dirname "$0")/../lib.sh"

FIT=$LI_UNIT/test_logreg

# name, classes, rows, features, C, class separation
while read -r name k n d c sep; do
	test_expect_success "$name: $k classes, $n x $d, C=$c" '
		mkdir $name && $PY - $name $k $n $d $c $sep <<-\PY &&
		import sys, numpy as np
		from sklearn.linear_model import LogisticRegression
		from sklearn.preprocessing import StandardScaler
		name, k, n, d, C, sep = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
		rng = np.random.default_rng(k * 1000 + n)
		y = np.arange(n) % k
		centers = rng.normal(size=(k, d)) * sep
		x = (centers[y] + rng.normal(size=(n, d)) * rng.uniform(0.5, 3, size=d) + rng.normal(size=d) * 5).astype(np.float32)
		np.save(name + "/x.npy", x)
		np.save(name + "/y.npy", y.astype(np.int64))
		xs = StandardScaler().fit_transform(x.astype(np.float64))
		m = LogisticRegression(C=C, solver="lbfgs", tol=1e-12, max_iter=100000).fit(xs, y)
		np.save(name + "/sk_coef.npy", m.coef_)
		np.save(name + "/sk_intercept.npy", m.intercept_)
		np.save(name + "/sk_proba.npy", m.predict_proba(xs))
		np.save(name + "/sk_pred.npy", m.predict(xs))
		# scikit-learn stops on a relative decrease of 64 eps; polish its optimum with
		# scipy on the same objective (summed log-loss + ||W||^2 / 2C) to get a tight one
		from scipy.optimize import minimize
		no = m.coef_.shape[0]
		Y = np.eye(k)[y] if no > 1 else y[:, None].astype(float)
		def f(v):
		    W, b = v[:no * d].reshape(no, d), v[no * d:]
		    z = xs @ W.T + b
		    if no == 1:
		        loss = (np.logaddexp(0, z) - Y * z).sum(); r = 1 / (1 + np.exp(-z)) - Y
		    else:
		        lse = np.logaddexp.reduce(z, axis=1, keepdims=True)
		        loss = (lse - z)[Y > 0].sum(); r = np.exp(z - lse) - Y
		    g = np.concatenate([(r.T @ xs + W / C).ravel(), r.sum(0)])
		    return loss + 0.5 * (W * W).sum() / C, g
		v0 = np.concatenate([m.coef_.ravel(), m.intercept_])
		r = minimize(f, v0, jac=True, method="L-BFGS-B", options=dict(gtol=1e-13, ftol=0, maxiter=10000, maxcor=20))
		np.save(name + "/ref_coef.npy", r.x[:no * d].reshape(no, d))
		np.save(name + "/ref_intercept.npy", r.x[no * d:])
		PY
		{ LI_LOGREG_DIR=$name LI_LOGREG_C=$c $FIT 2>fit.log; rc=$?; cat fit.log; [ $rc = 0 ]; } &&
		$PY - $name <<-\PY
		import sys, numpy as np
		d = sys.argv[1] + "/"
		L = lambda f: np.load(d + f)
		W = lambda p: np.hstack([L(p + "coef.npy"), L(p + "intercept.npy")[:, None]])
		w, ws, wr = W(""), W("sk_"), W("ref_")
		rel = np.abs(w - ws).max() / np.abs(ws).max()
		relr = np.abs(w - wr).max() / np.abs(wr).max()
		dp = np.abs(L("proba.npy") - L("sk_proba.npy")).max()
		print("coefficients: max relative difference %.2e to sklearn, %.2e to the polished optimum; probabilities %.2e" % (rel, relr, dp))
		assert rel < 3e-4 and relr < 1e-6, (rel, relr)
		assert (L("pred.npy") == L("sk_pred.npy")).all()
		assert dp < 5e-4
		x = L("x.npy").astype(np.float64)
		assert np.allclose(L("mean.npy"), x.mean(0)) and np.allclose(L("scale.npy"), x.std(0))
		PY
	'
done <<'EOT'
binary 2 300 4 1.0 1.0
binary-strong-penalty 2 500 10 0.01 0.5
multinomial 3 400 5 0.5 1.0
multinomial-10 10 2000 20 1.0 0.7
EOT

test_done
