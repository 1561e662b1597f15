#!/usr/bin/env python3
"""Independent numpy evaluation of a hierlearn concept.json.

Usage: concept_ref.py CONCEPT.json INPUT.npz OUTPUT.npz

INPUT.npz holds x (n x d). OUTPUT.npz gets y (the standardised output) and
one member per hidden layer: s2..sL for the hierarchical quadratic family,
h1..hD for the relu-teacher family.

Written from the definitions in shared/notes/hierarchical-learning.md,
section 1 (not from the Go code):
  Gc_0 = x, Gc_1 = (x*x - 1)/sqrt(2), Gc_l = (G_l - mu_l)/sd_l
  S_l = (sum_{j in J_l} W_{l,j} Gc_j) / s_l,  G_l = S_l * S_l
  y = (sum_l alpha_l * sum(G_l) - m) / s
  J_l default {0, 1, l-1}, chain {0, l-1} (J_2 = {0, 1}), dense {0..l-1}.
The file's weight blocks include the deep-path gain; the script checks the
skip sets and shapes against the spec on its own.
"""
import json
import sys

import numpy as np


def skip_set(mode, l):
    if mode == "dense":
        return list(range(l))
    if l == 2:
        return [0, 1]
    if mode == "chain":
        return [0, l - 1]
    if mode == "default":
        return sorted({0, 1, l - 1})
    raise SystemExit("unknown skip mode %r" % mode)


def eval_hq(c, x):
    spec = c["spec"]
    n, d = x.shape
    L = spec["layers"]
    widths = spec["widths"]
    alpha = spec["alpha"]
    gc = {0: x, 1: (x * x - 1.0) / np.sqrt(2.0)}
    dims = {0: d, 1: d}
    hidden = {}
    y_raw = np.zeros(n)
    for l in range(2, L + 1):
        layer = c["layers"][l - 2]
        J = skip_set(spec["skip"], l)
        assert layer["layer"] == l and layer["inputs"] == J, (layer["layer"], layer["inputs"], J)
        k = widths[l - 2]
        pre = np.zeros((n, k))
        for b, j in enumerate(J):
            W = np.asarray(layer["w"][b], dtype=np.float64).reshape(k, dims[j])
            pre += gc[j] @ W.T
        S = pre / np.asarray(layer["scale"])
        G = S * S
        hidden["s%d" % l] = S
        y_raw += alpha[l - 2] * G.sum(axis=1)
        gc[l] = (G - np.asarray(layer["mu"])) / np.asarray(layer["sd"])
        dims[l] = k
    return (y_raw - c["out_mean"]) / c["out_std"], hidden


def eval_relu(c, x):
    spec = c["spec"]
    h = x
    hidden = {}
    for l in range(1, spec["layers"] + 1):
        layer = c["layers"][l - 1]
        k = spec["widths"][l - 1]
        W = np.asarray(layer["w"][0], dtype=np.float64).reshape(k, h.shape[1])
        h = np.maximum(h @ W.T, 0.0)
        hidden["h%d" % l] = h
    y_raw = h @ np.asarray(c["out_weights"], dtype=np.float64)
    return (y_raw - c["out_mean"]) / c["out_std"], hidden


def main():
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    with open(sys.argv[1]) as f:
        c = json.load(f)
    if c.get("format") != "hierlearn-concept" or c.get("version") != 1:
        raise SystemExit("not a version-1 hierlearn concept file")
    x = np.load(sys.argv[2])["x"].astype(np.float64)
    if x.shape[1] != c["spec"]["d"]:
        raise SystemExit("x has %d columns, concept d=%d" % (x.shape[1], c["spec"]["d"]))
    if c["spec"]["family"] == "hq":
        y, hidden = eval_hq(c, x)
    elif c["spec"]["family"] == "relu-teacher":
        y, hidden = eval_relu(c, x)
    else:
        raise SystemExit("unknown family %r" % c["spec"]["family"])
    np.savez(sys.argv[3], y=y, **hidden)


if __name__ == "__main__":
    main()
