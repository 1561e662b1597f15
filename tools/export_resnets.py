#!/usr/bin/python3
"""Export the ResNets that hierlearn's importer is tested and benchmarked on.

Runs on Debian's python3 with torch 1.13 and torchvision 0.14:

    /usr/bin/python3 tools/export_resnets.py --out DIR \
        [--models resnet20a,resnet20b,resnet18] [--opsets 11,13,17] \
        [--bn folded,kept] [--seed 0]

Models (random weights, eval mode, batch axis dynamic, input "input" of
shape [batch, 3, H, W], output "logits"):
  resnet18, resnet50     torchvision, 224x224, 1000 classes
  resnet20a, resnet56a   CIFAR ResNets (He et al. 2016, section 4.2), 32x32,
                         10 classes, option A shortcuts: zero-padding
                         identity, F.pad on a strided slice
  resnet20b, resnet56b   the same with option B shortcuts: 1x1 conv + BN

BatchNorm statistics and affine parameters are randomised so that folding
them is actually exercised.

--bn folded exports with the default training=TrainingMode.EVAL: torch's
eval peephole pass folds every BatchNormalization into the preceding Conv.
--bn kept exports with training=TrainingMode.PRESERVE while the model is in
eval mode: in torch 1.13 PRESERVE keeps the model's own mode (eval, so BN
uses running statistics and no training outputs are emitted), but the eval
peephole pass that folds BN into Conv only runs for TrainingMode.EVAL, so
the graph keeps its BatchNormalization nodes (inference form).

Each model is written to DIR/<model>_op<opset>_<bn>.onnx (atomically:
temp file then rename); existing files are left alone. One line per model
is printed: the path and the operator histogram.
"""
import argparse
import collections
import os
import sys
import tempfile

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
import onnx


class LambdaLayer(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


class BasicBlock(nn.Module):
    def __init__(self, in_planes, planes, stride, option):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != planes:
            if option == "A":
                pad = planes // 4
                self.shortcut = LambdaLayer(
                    lambda x: F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, pad, pad), "constant", 0))
            else:
                self.shortcut = nn.Sequential(
                    nn.Conv2d(in_planes, planes, 1, stride, bias=False),
                    nn.BatchNorm2d(planes))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out = out + self.shortcut(x)
        return F.relu(out)


class CifarResNet(nn.Module):
    def __init__(self, depth, option, num_classes=10):
        super().__init__()
        n = (depth - 2) // 6
        self.in_planes = 16
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.layer1 = self._layer(16, n, 1, option)
        self.layer2 = self._layer(32, n, 2, option)
        self.layer3 = self._layer(64, n, 2, option)
        self.linear = nn.Linear(64, num_classes)

    def _layer(self, planes, n, stride, option):
        layers = []
        for s in [stride] + [1] * (n - 1):
            layers.append(BasicBlock(self.in_planes, planes, s, option))
            self.in_planes = planes
        return nn.Sequential(*layers)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer3(self.layer2(self.layer1(out)))
        out = F.avg_pool2d(out, int(out.size()[3]))
        out = out.view(out.size(0), -1)
        return self.linear(out)


def build(name):
    if name == "resnet18":
        return torchvision.models.resnet18(weights=None), 224
    if name == "resnet50":
        return torchvision.models.resnet50(weights=None), 224
    for depth in (20, 32, 44, 56, 110):
        for opt in ("a", "b"):
            if name == "resnet%d%s" % (depth, opt):
                return CifarResNet(depth, opt.upper()), 32
    raise SystemExit("unknown model %r" % name)


def randomise_bn(model, gen):
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                c = m.num_features
                m.running_mean.copy_(torch.randn(c, generator=gen) * 0.1)
                m.running_var.copy_(torch.rand(c, generator=gen) + 0.5)
                m.weight.copy_(torch.rand(c, generator=gen) + 0.5)
                m.bias.copy_(torch.randn(c, generator=gen) * 0.1)


def export(name, opset, bn, out_dir, seed):
    path = os.path.join(out_dir, "%s_op%d_%s.onnx" % (name, opset, bn))
    if os.path.exists(path):
        return path
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed + 1)
    model, size = build(name)
    randomise_bn(model, gen)
    model.eval()
    x = torch.randn(2, 3, size, size, generator=gen)
    mode = torch.onnx.TrainingMode.EVAL if bn == "folded" else torch.onnx.TrainingMode.PRESERVE
    fd, tmp = tempfile.mkstemp(suffix=".onnx.tmp", dir=out_dir)
    os.close(fd)
    try:
        torch.onnx.export(model, x, tmp, opset_version=opset, training=mode,
                          do_constant_folding=True,
                          input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
        onnx.checker.check_model(onnx.load(tmp))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--models", default="resnet20a,resnet20b,resnet18")
    ap.add_argument("--opsets", default="11,13,17")
    ap.add_argument("--bn", default="folded,kept")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    torch.set_num_threads(1)
    for name in a.models.split(","):
        for opset in [int(o) for o in a.opsets.split(",")]:
            for bn in a.bn.split(","):
                if bn not in ("folded", "kept"):
                    raise SystemExit("--bn: want folded or kept, got %r" % bn)
                p = export(name, opset, bn, a.out, a.seed)
                ops = collections.Counter(n.op_type for n in onnx.load(p).graph.node)
                print(p, dict(sorted(ops.items())))
                sys.stdout.flush()


if __name__ == "__main__":
    main()
