#!/usr/bin/python3
"""Replay a `hierlearn fit` run in PyTorch, step for step.

Runs on Debian's python3 with torch 1.13 and onnx:

  fit_ref.py --arch resnet20b --onnx m.onnx --train d.npz --batches b.npy \
      [--optimizer sgd|nesterov] [--lr 0.1] [--momentum 0.9] \
      [--weight-decay 0] [--schedule constant|cosine] [--threads 1] \
      [--steps N] --out ref.json

Builds the network `--arch` as tools/export_resnets.py does (resnet20a,
resnet20b, ...), loads every parameter and BatchNorm running statistic
from the initializers of the ONNX file of the same names (the file
hierlearn trains: its initial weights), puts it in train mode, and runs
torch.optim.SGD (momentum, weight_decay, nesterov as given) with
cross-entropy on the batches whose example indices are the rows of b.npy
(int64 [steps, batch], -1 padding a shorter batch, as `hierlearn fit
--save-batches` writes them) over d.npz (x, int64 labels y). The cosine
schedule sets lr*(1+cos(pi*t/T))/2 at step t of the T steps, as hierlearn
does. Inputs are adapted as hierlearn adapts them: grey HxW images
(Fashion-MNIST, [N, 784] or [N, 1, 28, 28]) zero-padded evenly to the
network's 32x32 and copied to its 3 channels.

Writes JSON to --out: the loss of every step (before its update), the
wall and CPU seconds (process_time: all threads) of the steps alone
(building each batch included, loading not), torch's version and threads.
"""
import argparse
import json
import math
import os
import sys
import tempfile
import time

import numpy as np
import onnx
import onnx.numpy_helper
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export_resnets as er  # noqa: E402


def load_weights(model, path):
    """Copies the ONNX file's initializers into the model by name."""
    inits = {t.name: onnx.numpy_helper.to_array(t) for t in onnx.load(path).graph.initializer}
    state = model.state_dict()
    missing = [k for k in state if k not in inits and not k.endswith("num_batches_tracked")]
    if missing:
        raise SystemExit("fit_ref.py: the ONNX file has no initializer for %s" % missing)
    with torch.no_grad():
        for k, v in state.items():
            if k in inits:
                a = inits[k]
                if tuple(a.shape) != tuple(v.shape):
                    raise SystemExit("fit_ref.py: initializer %s is %s, the network's %s" % (k, a.shape, tuple(v.shape)))
                v.copy_(torch.from_numpy(np.array(a, dtype=np.float32)))


def adapt(x, size=32, channels=3):
    """x [B, ...] as [B, channels, size, size]: used as is when it has that
    many values, else grey square images zero-padded evenly and copied."""
    b = x.shape[0]
    per = int(np.prod(x.shape[1:]))
    if per == channels * size * size:
        return x.reshape(b, channels, size, size)
    h = int(round(math.sqrt(per)))
    if h * h != per or (size - h) % 2:
        raise SystemExit("fit_ref.py: examples of %d values are neither %dx%dx%d nor a grey square image" % (per, channels, size, size))
    p = (size - h) // 2
    g = np.pad(x.reshape(b, 1, h, h), ((0, 0), (0, 0), (p, p), (p, p)))
    return np.repeat(g, channels, axis=1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--arch", required=True)
    ap.add_argument("--onnx", required=True)
    ap.add_argument("--train", required=True)
    ap.add_argument("--batches", required=True)
    ap.add_argument("--optimizer", default="sgd", choices=["sgd", "nesterov"])
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--momentum", type=float, default=0.9)
    ap.add_argument("--weight-decay", type=float, default=0.0)
    ap.add_argument("--schedule", default="constant", choices=["constant", "cosine"])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=0, help="replay only the first N batches (the schedule still spans all)")
    ap.add_argument("--float64", action="store_true", help="train in float64 (measures how far float32 rounding alone moves the run)")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    model, size = er.build(a.arch)
    load_weights(model, a.onnx)
    dt = torch.float64 if a.float64 else torch.float32
    model.to(dt)
    model.train()
    z = np.load(a.train)
    x, y = z["x"], z["y"]
    if y.dtype != np.int64:
        raise SystemExit("fit_ref.py: y must be int64 class labels, is %s" % y.dtype)
    batches = np.load(a.batches)
    total = batches.shape[0]
    steps = total if a.steps <= 0 else min(a.steps, total)
    opt = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=a.momentum,
                          weight_decay=a.weight_decay, nesterov=a.optimizer == "nesterov")
    losses = []
    t0, c0 = time.perf_counter(), time.process_time()
    for t in range(steps):
        idx = batches[t][batches[t] >= 0]
        xb = torch.from_numpy(np.ascontiguousarray(adapt(x[idx], size))).to(dt)
        yb = torch.from_numpy(y[idx])
        if a.schedule == "cosine":
            for g in opt.param_groups:
                g["lr"] = a.lr * (1 + math.cos(math.pi * t / total)) / 2
        opt.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    res = {"torch": torch.__version__, "threads": a.threads, "steps": steps, "seconds": secs, "cpu_seconds": cpu,
           "losses": losses}
    d = os.path.dirname(os.path.abspath(a.out))
    fd, tmp = tempfile.mkstemp(suffix=".json", dir=d)
    with os.fdopen(fd, "w") as f:
        json.dump(res, f)
    os.replace(tmp, a.out)


if __name__ == "__main__":
    main()
