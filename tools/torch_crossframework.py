#!/usr/bin/python3
"""Train a model in PyTorch 1.13 on a hierlearn dataset and export it to ONNX,
for the cross-framework experiment of `hierlearn compare --preset
crossframework`.

  torch_crossframework.py --train TRAIN.npz --test TEST.npz --model hnet|mlp|resnet
      [--mode progressive] [--width 3] [--hidden 256,256]
      [--steps-per-stage 4000] [--batch 512] [--lr 3e-3] [--seed 1]
      --out DIR

writes DIR/model.onnx (opset 17, input x [N, d] float32, dynamic batch N)
with two outputs: y [N], the model's prediction, and features [N, m], the
penultimate features, linear in which y is (the conjugate kernel's feature
map): for the HNet the squared hidden features S_l * S_l of every layer, for
the MLP the last hidden ReLU layer, for the ResNet the globally pooled last
stage. DIR/torch_metrics.json gets the test relative MSE (or, for the
ResNet, the 0-1 error) computed by torch itself, the training time and the
versions.

resnet is for Fashion-MNIST (x: N x 784 pixels in [0, 1], y: int64 labels
0..9): a small CIFAR-style ResNet (3x3 stem with 16 channels, three stages of
one basic block with 16, 32, 64 channels, stride 2 and 1x1 projection
shortcuts between stages, BatchNorm, global average pooling, a linear layer
to 10 logits), trained with Adam and cross-entropy for --steps-per-stage
steps of --batch images; exported in eval mode (BatchNorm folded into the
convolutions by torch's constant folding), y is then the N x 10 logits.

The HNet and its training modes come from hnet_ref.py (the independent
reference of the notes' section 2); the MLP is a plain ReLU network trained
with the same optimiser and schedule (Adam, one-cycle, clipping 1.0).
Runs on one thread (torch.set_num_threads(1)).
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hnet_ref  # noqa: E402


class HNetExport(torch.nn.Module):
    """Inference form of a trained hnet_ref.HNet: y and the squared features."""

    def __init__(self, model):
        super().__init__()
        self.m = model

    def forward(self, x):
        feats = {}
        m = self.m
        H = {0: x, 1: (x * x - 1) / math.sqrt(2)}
        y = m.b + 0 * x[:, 0]
        sq = []
        for l in range(2, m.L + 1):
            S = torch.cat([H[j] for j in m.skips[l - 2]], dim=1) @ m.K[l - 2].t()
            sq.append(S * S)
            y = y + m.a[l - 2] * (S * S).sum(dim=1)
            if l < m.L:
                Q = (S @ m.R[l].t()) ** 2
                H[l] = (Q - m.mean[l]) / torch.sqrt(m.var[l] + hnet_ref.EPS)
        return y, torch.cat(sq, dim=1)


class MLP(torch.nn.Module):
    def __init__(self, d, hidden):
        super().__init__()
        layers, prev = [], d
        for h in hidden:
            layers += [torch.nn.Linear(prev, h), torch.nn.ReLU()]
            prev = h
        self.body = torch.nn.Sequential(*layers)
        self.head = torch.nn.Linear(prev, 1)

    def forward(self, x):
        f = self.body(x)
        return self.head(f)[:, 0], f


class Block(torch.nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1 = torch.nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.b1 = torch.nn.BatchNorm2d(cout)
        self.c2 = torch.nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.b2 = torch.nn.BatchNorm2d(cout)
        self.short = None
        if stride != 1 or cin != cout:
            self.short = torch.nn.Sequential(torch.nn.Conv2d(cin, cout, 1, stride, bias=False), torch.nn.BatchNorm2d(cout))

    def forward(self, x):
        o = torch.relu(self.b1(self.c1(x)))
        o = self.b2(self.c2(o))
        return torch.relu(o + (x if self.short is None else self.short(x)))


class SmallResNet(torch.nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.stem = torch.nn.Sequential(torch.nn.Conv2d(1, 16, 3, 1, 1, bias=False), torch.nn.BatchNorm2d(16), torch.nn.ReLU())
        self.stages = torch.nn.Sequential(Block(16, 16, 1), Block(16, 32, 2), Block(32, 64, 2))
        self.fc = torch.nn.Linear(64, classes)

    def forward(self, x):
        f = self.stages(self.stem(x.reshape(-1, 1, 28, 28))).mean(dim=(2, 3))
        return self.fc(f), f


def train_resnet(args, x, y, L, gen):
    model = SmallResNet()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    T = args.steps_per_stage
    for t in range(T):
        idx = torch.randint(x.shape[0], (args.batch,), generator=gen)
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(model(x[idx])[0], y[idx])
        loss.backward()
        for g in opt.param_groups:
            g["lr"] = hnet_ref.one_cycle(args.lr, t, T)
        opt.step()
    return model


def train_hnet(args, x, y, L, gen):
    d, k = x.shape[1], args.width
    model = hnet_ref.HNet(d, L, [k] * (L - 1), hnet_ref.default_skips(L), torch.float32)
    model.random_init(gen)
    for top, lo, T in hnet_ref.plan(args.mode, L, args.steps_per_stage):
        params = hnet_ref.trained(model, top, lo)
        opt = torch.optim.Adam(params, lr=args.lr)
        for t in range(T):
            idx = torch.randint(x.shape[0], (args.batch,), generator=gen)
            opt.zero_grad(set_to_none=True)
            loss = hnet_ref.loss_fn("regression", model(x[idx], top, update_from=lo), y[idx])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            for g in opt.param_groups:
                g["lr"] = hnet_ref.one_cycle(args.lr, t, T)
            opt.step()
    return HNetExport(model)


def train_mlp(args, x, y, L, gen):
    hidden = [int(h) for h in args.hidden.split(",")]
    model = MLP(x.shape[1], hidden)
    T = args.steps_per_stage * (L - 1)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    for t in range(T):
        idx = torch.randint(x.shape[0], (args.batch,), generator=gen)
        opt.zero_grad(set_to_none=True)
        loss = ((model(x[idx])[0] - y[idx]) ** 2).mean()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        for g in opt.param_groups:
            g["lr"] = hnet_ref.one_cycle(args.lr, t, T)
        opt.step()
    return model


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--train", required=True)
    p.add_argument("--test", required=True)
    p.add_argument("--model", choices=["hnet", "mlp", "resnet"], required=True)
    p.add_argument("--mode", default="progressive")
    p.add_argument("--width", type=int, default=3)
    p.add_argument("--hidden", default="256,256")
    p.add_argument("--steps-per-stage", type=int, default=4000)
    p.add_argument("--batch", type=int, default=512)
    p.add_argument("--lr", type=float, default=None)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", required=True)
    args = p.parse_args()
    if args.lr is None:
        args.lr = 3e-3 if args.model == "hnet" else 1e-3
    if args.model == "resnet" and args.batch == 512:
        args.batch = 128
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    tr, te = np.load(args.train), np.load(args.test)
    if tr["x"].shape[1] != te["x"].shape[1]:
        sys.exit("train has d=%d, test d=%d" % (tr["x"].shape[1], te["x"].shape[1]))
    x = torch.from_numpy(tr["x"]).float()
    y = torch.from_numpy(tr["y"])
    y = y.long() if args.model == "resnet" else y.float()
    L = 2
    while "s%d" % (L + 1) in te.files:
        L += 1
    t0 = time.perf_counter()
    net = {"hnet": train_hnet, "mlp": train_mlp, "resnet": train_resnet}[args.model](args, x, y, L, gen)
    seconds = time.perf_counter() - t0
    net.eval()
    xt = torch.from_numpy(te["x"]).float()
    with torch.no_grad():
        out = net(xt)[0].double().numpy()
    scores = {}
    if args.model == "resnet":
        scores["test_error_torch"] = float((out.argmax(axis=1) != te["y"]).mean())
    else:
        yt = te["y"].astype(np.float64)
        scores["test_rel_mse_torch"] = float(((out - yt) ** 2).mean() / yt.var())
    os.makedirs(args.out, exist_ok=True)
    tmp = os.path.join(args.out, ".model.onnx.tmp")
    torch.onnx.export(net, xt[:2], tmp, input_names=["x"], output_names=["y", "features"],
                      dynamic_axes={"x": {0: "N"}, "y": {0: "N"}, "features": {0: "N"}}, opset_version=17)
    os.replace(tmp, os.path.join(args.out, "model.onnx"))
    meta = {"model": args.model, "mode": args.mode if args.model == "hnet" else "e2e", "seed": args.seed,
            "steps_per_stage": args.steps_per_stage, "batch": args.batch, "lr": args.lr,
            "width": args.width, "hidden": args.hidden, "train_seconds": seconds,
            "torch": torch.__version__, "threads": torch.get_num_threads(), "opset": 17, **scores}
    with open(os.path.join(args.out, "torch_metrics.json.tmp"), "w") as f:
        json.dump(meta, f, indent=2)
    os.replace(os.path.join(args.out, "torch_metrics.json.tmp"), os.path.join(args.out, "torch_metrics.json"))
    print(json.dumps(meta))


if __name__ == "__main__":
    main()
