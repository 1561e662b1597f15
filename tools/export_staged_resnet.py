#!/usr/bin/python3
"""Export a CIFAR-style ResNet at random initialisation for staged training.

Runs on Debian's python3 with torch 1.13:

    /usr/bin/python3 tools/export_staged_resnet.py --out model.onnx \
        [--widths 8,16,32] [--blocks 1] [--seed 1] [--opset 13]

The network is the CIFAR ResNet of tools/export_resnets.py (He et al.
2016, section 4.2; option B shortcuts: 1x1 convolution + BatchNorm) with
three residual stages of --blocks basic blocks each (--blocks 1 is a
ResNet-8, 3 a ResNet-20) and the widths given, arranged so that
hierlearn's staged training can name its stages by node-name prefix:

  stage1   the stem (3x3 convolution, BatchNorm, ReLU) and the first stage
  stage2   the second stage (stride 2)
  stage3   the third stage (stride 2)
  head1, head2, linear
           a head per stage: global average pooling of the stage's output
           and a linear layer to 10 classes

Outputs: "logits" (the network itself: stage3 and its head, as a plain
ResNet), "head1" and "head2" (the auxiliary heads of the lower stages,
which layerwise training uses while the stages above are not yet trained:
the paper's higher layers are absent until their stage). Input "input" is
[batch, 3, 32, 32] with a dynamic batch.

The weights are PyTorch's default initialisation drawn from --seed
(BatchNorm scale 1, shift 0, running statistics 0 and 1). BatchNorm is
kept as nodes (training=TrainingMode.PRESERVE on an eval-mode model), so
that hierlearn trains it in training mode. The file is written atomically
and its metadata_props record the configuration and torch's version.
"""
import argparse
import json
import os
import sys
import tempfile

import torch
import torch.nn as nn
import torch.nn.functional as F
import onnx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_resnets import BasicBlock  # noqa: E402


class Head(nn.Module):
    """Global average pooling and a linear layer."""

    def __init__(self, planes, classes):
        super().__init__()
        self.linear = nn.Linear(planes, classes)

    def forward(self, x):
        return self.linear(F.adaptive_avg_pool2d(x, 1).flatten(1))


class StagedResNet(nn.Module):
    def __init__(self, widths, blocks, classes=10):
        super().__init__()
        stem = [nn.Conv2d(3, widths[0], 3, 1, 1, bias=False), nn.BatchNorm2d(widths[0]), nn.ReLU()]
        stages, inp = [], widths[0]
        for s, w in enumerate(widths):
            layers = stem if s == 0 else []
            for b in range(blocks):
                layers.append(BasicBlock(inp, w, 2 if (s > 0 and b == 0) else 1, "B"))
                inp = w
            stages.append(nn.Sequential(*layers))
        self.stage1, self.stage2, self.stage3 = stages
        self.head1 = Head(widths[0], classes)
        self.head2 = Head(widths[1], classes)
        self.head3 = Head(widths[2], classes)

    def forward(self, x):
        h1 = self.stage1(x)
        h2 = self.stage2(h1)
        h3 = self.stage3(h2)
        return self.head3(h3), self.head1(h1), self.head2(h2)


def distinct_bn(model, gen):
    """Makes every BatchNorm tensor distinct: torch.onnx merges initializers
    of equal values (all the scales of 1, say) into one tensor read through
    Identity nodes, which would tie the BatchNorm parameters of different
    layers together. restore puts the real initial values back."""
    with torch.no_grad():
        for mod in model.modules():
            if isinstance(mod, nn.BatchNorm2d):
                for t in (mod.weight, mod.bias, mod.running_mean, mod.running_var):
                    t.add_(0.01 * torch.rand(t.shape, generator=gen) + 0.01)


def restore(m, init):
    """Writes the initial values (state_dict names) over the exported
    initializers of the same name; every BatchNorm tensor must be found."""
    from onnx import numpy_helper
    seen = set()
    for t in m.graph.initializer:
        if t.name in init:
            t.CopyFrom(numpy_helper.from_array(init[t.name].numpy(), t.name))
            seen.add(t.name)
    missing = [k for k in init if k.endswith(("running_mean", "running_var", "bn1.weight", "bn2.weight")) and k not in seen]
    if missing:
        raise SystemExit("export: initializers not found in the ONNX file: %s" % missing)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--widths", default="8,16,32")
    ap.add_argument("--blocks", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--opset", type=int, default=13)
    a = ap.parse_args()
    widths = [int(w) for w in a.widths.split(",")]
    if len(widths) != 3 or min(widths) < 1 or a.blocks < 1:
        raise SystemExit("--widths: want three positive widths, --blocks >= 1")
    torch.set_num_threads(1)
    torch.manual_seed(a.seed)
    model = StagedResNet(widths, a.blocks).eval()
    init = {k: v.detach().clone() for k, v in model.state_dict().items()}
    distinct_bn(model, torch.Generator().manual_seed(a.seed))
    x = torch.zeros(2, 3, 32, 32)
    out_dir = os.path.dirname(os.path.abspath(a.out))
    os.makedirs(out_dir, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".onnx.tmp", dir=out_dir)
    os.close(fd)
    try:
        names = ["logits", "head1", "head2"]
        torch.onnx.export(model, x, tmp, opset_version=a.opset, training=torch.onnx.TrainingMode.PRESERVE,
                          do_constant_folding=True, input_names=["input"], output_names=names,
                          dynamic_axes={n: {0: "batch"} for n in ["input"] + names})
        m = onnx.load(tmp)
        restore(m, init)
        cfg = {"widths": widths, "blocks": a.blocks, "seed": a.seed, "opset": a.opset, "shortcut": "B",
               "depth": 6 * a.blocks + 2, "torch": torch.__version__, "script": "tools/export_staged_resnet.py"}
        p = m.metadata_props.add()
        p.key, p.value = "hierlearn.staged_resnet", json.dumps(cfg, sort_keys=True)
        onnx.checker.check_model(m)
        onnx.save(m, tmp)
        os.replace(tmp, a.out)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    print(a.out)


if __name__ == "__main__":
    main()
