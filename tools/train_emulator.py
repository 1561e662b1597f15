#!/usr/bin/python3
"""Train a small DenseNet-style encoder-decoder emulator in PyTorch 1.13 on a
lagfield dataset (hierlearn's concept/lagfield: gridded inputs over lags,
a target field) and export it to ONNX, for the feature-importance study of
issue 16 (after Xu et al., arXiv 2108.13203).

  train_emulator.py --train TRAIN.npz --test TEST.npz --out DIR
      [--epochs 12] [--batch 32] [--lr 2e-3] [--growth 8] [--seed 1]
      [--opset 17]

Reads the .npz files Go wrote (x float32 [N, C*L, H, W], y float32
[N, 1, H, W]; there is no generator here) and writes

  DIR/model.onnx          input x [N, C*L, H, W], output y [N, 1, H, W],
                          batch axis dynamic; the training configuration,
                          seed and versions in metadata_props
  DIR/emulator_meta.json  the same configuration, the per-epoch training
                          loss, the training time, the test relative MSE
                          computed by torch, the versions

(both atomically: temp file, then rename). H and W must be divisible by 2.

The network (eval mode, BatchNorm after every convolution but the last):
  stem      Conv3x3 (C*L -> 16)
  block 1   dense block at H x W: 3 layers of BN-ReLU-Conv3x3 (growth g),
            each layer's output concatenated to its input (16 + 3g)
  down      BN-ReLU-Conv1x1 to 24 channels, AvgPool 2x2 (H/2 x W/2)
  block 2   dense block: 3 layers (24 + 3g)
  up        BN-ReLU-ConvTranspose 2x2 stride 2 to 24 channels (H x W)
  skip      concatenated with block 1's output
  block 3   dense block: 2 layers
  head      BN-ReLU-Conv3x3 to 1 channel
trained with Adam (cosine-decayed learning rate) on the mean squared error
of the whole field, one thread, seeded by --seed (weights and batches).
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import onnx


class DenseLayer(nn.Module):
    def __init__(self, cin, growth):
        super().__init__()
        self.bn = nn.BatchNorm2d(cin)
        self.conv = nn.Conv2d(cin, growth, 3, padding=1, bias=False)

    def forward(self, x):
        return torch.cat([x, self.conv(torch.relu(self.bn(x)))], 1)


def dense_block(cin, layers, growth):
    mods = []
    for i in range(layers):
        mods.append(DenseLayer(cin + i * growth, growth))
    return nn.Sequential(*mods), cin + layers * growth


class Emulator(nn.Module):
    def __init__(self, cin, growth):
        super().__init__()
        self.stem = nn.Conv2d(cin, 16, 3, padding=1, bias=False)
        self.block1, c1 = dense_block(16, 3, growth)
        self.down = nn.Sequential(nn.BatchNorm2d(c1), nn.ReLU(), nn.Conv2d(c1, 24, 1, bias=False), nn.AvgPool2d(2))
        self.block2, c2 = dense_block(24, 3, growth)
        self.up = nn.Sequential(nn.BatchNorm2d(c2), nn.ReLU(), nn.ConvTranspose2d(c2, 24, 2, stride=2))
        self.block3, c3 = dense_block(24 + c1, 2, growth)
        self.head = nn.Sequential(nn.BatchNorm2d(c3), nn.ReLU(), nn.Conv2d(c3, 1, 3, padding=1))

    def forward(self, x):
        h1 = self.block1(self.stem(x))
        h2 = self.block2(self.down(h1))
        h3 = self.block3(torch.cat([self.up(h2), h1], 1))
        return self.head(h3)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--train", required=True)
    p.add_argument("--test", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--epochs", type=int, default=12)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--growth", type=int, default=8)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--opset", type=int, default=17)
    args = p.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    tr, te = np.load(args.train), np.load(args.test)
    x, y = torch.from_numpy(tr["x"]).float(), torch.from_numpy(tr["y"]).float()
    xt, yt = torch.from_numpy(te["x"]).float(), torch.from_numpy(te["y"]).float()
    if x.dim() != 4 or y.shape != (x.shape[0], 1, x.shape[2], x.shape[3]) or xt.shape[1:] != x.shape[1:]:
        sys.exit("train_emulator.py: want x [N, C*L, H, W] and y [N, 1, H, W] in both files; have train %s / %s, test %s"
                 % (tuple(x.shape), tuple(y.shape), tuple(xt.shape)))
    if x.shape[2] % 2 or x.shape[3] % 2:
        sys.exit("train_emulator.py: the grid %dx%d must have even sides" % (x.shape[2], x.shape[3]))
    net = Emulator(x.shape[1], args.growth)
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    n = x.shape[0]
    steps = args.epochs * ((n + args.batch - 1) // args.batch)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    losses = []
    t0 = time.perf_counter()
    for ep in range(args.epochs):
        net.train()
        perm = torch.randperm(n, generator=gen)
        total = 0.0
        for b in range(0, n, args.batch):
            idx = perm[b:b + args.batch]
            loss = ((net(x[idx]) - y[idx]) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        losses.append(total / n)
    seconds = time.perf_counter() - t0
    net.eval()
    with torch.no_grad():
        pred = net(xt)
    rel = float(((pred - yt) ** 2).mean() / yt.var())
    meta = {"model": "densenet-emulator", "seed": args.seed, "epochs": args.epochs, "batch": args.batch, "lr": args.lr,
            "growth": args.growth, "opset": args.opset, "n_train": n, "n_test": xt.shape[0],
            "input_shape": list(x.shape[1:]), "params": sum(p.numel() for p in net.parameters()),
            "epoch_losses": losses, "train_seconds": seconds, "test_rel_mse_torch": rel,
            "torch": torch.__version__, "onnx": onnx.__version__, "numpy": np.__version__,
            "threads": torch.get_num_threads(), "train_file": os.path.abspath(args.train),
            "test_file": os.path.abspath(args.test)}
    os.makedirs(args.out, exist_ok=True)
    tmp = os.path.join(args.out, ".model.onnx.tmp")
    torch.onnx.export(net, xt[:2], tmp, input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "N"}, "y": {0: "N"}}, opset_version=args.opset)
    m = onnx.load(tmp)
    for k, v in (("hierlearn.emulator", json.dumps(meta, sort_keys=True)), ("seed", str(args.seed))):
        e = m.metadata_props.add()
        e.key, e.value = k, v
    onnx.checker.check_model(m, full_check=True)
    onnx.save(m, tmp)
    os.replace(tmp, os.path.join(args.out, "model.onnx"))
    with open(os.path.join(args.out, ".emulator_meta.json.tmp"), "w") as f:
        json.dump(meta, f, indent=2, sort_keys=True)
    os.replace(os.path.join(args.out, ".emulator_meta.json.tmp"), os.path.join(args.out, "emulator_meta.json"))
    print(json.dumps({k: meta[k] for k in ("seed", "epochs", "params", "train_seconds", "test_rel_mse_torch")}))


if __name__ == "__main__":
    main()
