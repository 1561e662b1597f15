#!/usr/bin/python3
"""Reference kernels and kernel ridge regression for hierlearn's tests.

Written from the formulas in shared/notes/hierarchical-learning.md (section 4)
and train/kernel/doc.go, with numpy and scikit-learn, independently of the
Go code. Run with Debian's /usr/bin/python3 (numpy, scikit-learn 1.2).

  kernel_ref.py gram IN.npz OUT.npz --kernel SPEC
      IN: a (n x d), b (m x d).  OUT: K (n x m).
  kernel_ref.py krr IN.npz OUT.npz --kernel poly:P|rbf --ridge LAMBDA
      IN: x_train, y_train (n or n x c), x_test.  scikit-learn KernelRidge with
      alpha = LAMBDA * trace(K_train) / n.  OUT: pred, alpha_abs.
  kernel_ref.py bench IN.npz [OUT.npz] --kernel rbf --ridge ALPHA [--repeat R]
      times scikit-learn KernelRidge(alpha=ALPHA, absolute) fit + predict on IN
      (x_train, y_train, x_test); prints JSON {"fit_predict_s": [...], "n": n};
      OUT gets the last predictions (pred).

Specs: poly:P[:c=C]  (<x,y>/d + C)^P;  rbf[:gamma=G]  exp(-G|x-y|^2), G = 1/(2d)
by default;  ntk:D / nngp:D  ReLU network of depth D on z = [x/sqrt(d), 1];
comp[:L[:default|chain|dense]]  the HNet compositional kernel.
"""
import argparse
import json
import sys
import time

import numpy as np


def parse(spec):
    parts = spec.split(":")
    return parts[0], parts[1:]


def poly_params(args, d):
    p = int(args[0])
    c = 1.0
    if len(args) > 1:
        key, val = args[1].split("=")
        assert key == "c"
        c = float(val)
    return p, c


def rbf_gamma(args, d):
    if args:
        key, val = args[0].split("=")
        assert key == "gamma"
        return float(val)
    return 1.0 / (2 * d)


def relu_kernel(a, b, depth, nngp):
    """Arc-cosine recursion (Cho & Saul 2009; Jacot et al. 2018; Arora et al.
    2019) for a ReLU network with weights N(0, 2/fan_in), inputs z = [x/sqrt(d), 1]."""
    d = a.shape[1]
    za = np.hstack([a / np.sqrt(d), np.ones((a.shape[0], 1))])
    zb = np.hstack([b / np.sqrt(d), np.ones((b.shape[0], 1))])
    sig = za @ zb.T                      # Sigma^(0)(x, y)
    va = np.sum(za * za, axis=1)[:, None]  # Sigma^(0)(x, x)
    vb = np.sum(zb * zb, axis=1)[None, :]
    ntk = sig.copy()
    for _ in range(depth - 1):
        # With c_sigma = 2, E[relu(u)^2] = Var(u): the diagonals stay va, vb.
        scale = np.sqrt(va * vb)
        cos = np.clip(sig / scale, -1.0, 1.0)
        angle = np.arccos(cos)
        # 2 E[relu(u) relu(v)] and 2 E[relu'(u) relu'(v)] for (u, v) Gaussian.
        sig_next = scale * (np.sin(angle) + (np.pi - angle) * np.cos(angle)) / np.pi
        dot_sig = (np.pi - angle) / np.pi
        ntk = ntk * dot_sig + sig_next
        sig = sig_next
    return sig if nngp else ntk


def skip_sets(L, family):
    sets = {}
    for l in range(2, L + 1):
        if family == "chain":
            s = {0, l - 1}
        elif family == "dense":
            s = set(range(l))
        else:
            s = {0, 1, l - 1}
        sets[l] = sorted(s)
    return sets


def comp_kernel(a, b, L, family):
    """k_0 = <x,y>/d, k_1 = <h(x),h(y)>/d with h = (x*x-1)/sqrt(2);
    Sigma_l = mean_{j in J_l} k_j; k_l = (Sigma_l(x,x) Sigma_l(y,y) + 2 Sigma_l(x,y)^2)/3
    (E[(w.u)^2 (w.v)^2] / 3 for w ~ N(0, I)); K = 1 + sum_{l=2..L} k_l."""
    d = a.shape[1]
    ha, hb = (a * a - 1) / np.sqrt(2), (b * b - 1) / np.sqrt(2)
    cross = {0: a @ b.T / d, 1: ha @ hb.T / d}
    selfa = {0: np.sum(a * a, 1) / d, 1: np.sum(ha * ha, 1) / d}
    selfb = {0: np.sum(b * b, 1) / d, 1: np.sum(hb * hb, 1) / d}
    total = np.ones((a.shape[0], b.shape[0]))
    for l, js in skip_sets(L, family).items():
        s = sum(cross[j] for j in js) / len(js)
        sa = sum(selfa[j] for j in js) / len(js)
        sb = sum(selfb[j] for j in js) / len(js)
        cross[l] = (sa[:, None] * sb[None, :] + 2 * s * s) / 3
        selfa[l] = sa * sa
        selfb[l] = sb * sb
        total += cross[l]
    return total


def gram(spec, a, b):
    name, args = parse(spec)
    d = a.shape[1]
    if name == "poly":
        p, c = poly_params(args, d)
        return (a @ b.T / d + c) ** p
    if name == "rbf":
        g = rbf_gamma(args, d)
        d2 = np.sum(a * a, 1)[:, None] + np.sum(b * b, 1)[None, :] - 2 * a @ b.T
        return np.exp(-g * np.maximum(d2, 0))
    if name in ("ntk", "nngp"):
        return relu_kernel(a, b, int(args[0]), name == "nngp")
    if name == "comp":
        L = int(args[0]) if args else 3
        fam = args[1] if len(args) > 1 else "default"
        return comp_kernel(a, b, L, fam)
    raise SystemExit("unknown kernel " + spec)


def sklearn_model(spec, d, alpha):
    from sklearn.kernel_ridge import KernelRidge
    name, args = parse(spec)
    if name == "poly":
        p, c = poly_params(args, d)
        return KernelRidge(alpha=alpha, kernel="poly", degree=p, gamma=1.0 / d, coef0=c)
    if name == "rbf":
        return KernelRidge(alpha=alpha, kernel="rbf", gamma=rbf_gamma(args, d))
    raise SystemExit("krr: scikit-learn reference only for poly and rbf, not " + spec)


def trace_of(spec, x):
    # Every kernel here has k(x, x) computable row by row.
    return float(sum(gram(spec, x[i:i + 1], x[i:i + 1])[0, 0] for i in range(x.shape[0])))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["gram", "krr", "bench"])
    ap.add_argument("inp")
    ap.add_argument("out", nargs="?")
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--ridge", type=float, default=1e-3)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    z = np.load(args.inp)
    if args.mode == "gram":
        np.savez(args.out, K=gram(args.kernel, z["a"], z["b"]))
        return
    x, y, xt = z["x_train"], z["y_train"], z["x_test"]
    n, d = x.shape
    if args.mode == "krr":
        alpha = args.ridge * trace_of(args.kernel, x) / n
        m = sklearn_model(args.kernel, d, alpha).fit(x, y)
        np.savez(args.out, pred=m.predict(xt), alpha_abs=np.array(alpha))
        return
    times = []
    alpha = args.ridge  # bench: absolute ridge, as given
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        m = sklearn_model(args.kernel, d, alpha).fit(x, y)
        pred = m.predict(xt)
        times.append(time.perf_counter() - t0)
    if args.out:
        np.savez(args.out, pred=pred)
    json.dump({"fit_predict_s": times, "n": n, "d": d}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
