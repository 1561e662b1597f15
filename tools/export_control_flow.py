#!/usr/bin/python3
"""Export the control-flow models that hierlearn's importer is tested on.

Runs on Debian's python3 with torch 1.13:

    /usr/bin/python3 tools/export_control_flow.py --out DIR \
        [--models data-dependent] [--opsets 17] [--seed 0]

Models (random weights, eval mode, compiled with torch.jit.script so that
the exporter writes ONNX Loop and If nodes; batch axis dynamic):
  data-dependent  h = tanh(lin(x)); n = floor(3 * sum|h|) mod 5 + 1
                  iterations (a trip count computed from the data); in
                  each, if mean(h) > 0 (an If on a reduction) then
                  h = tanh(lin(h)) + 0.1 * i, else h = 0.5 * h - 0.1.
                  Input x (float32 [batch, 8]); outputs y = head(h)
                  (float32 [batch, 4]), iters (the number of iterations
                  run) and taken (how many took the first branch), both
                  float32 [1].

Each model is written to DIR/<model>_op<opset>.onnx (atomically: temp file
then rename); existing files are left alone. One line per model is
printed: the path and the operator histogram, subgraphs included.
"""
import argparse
import sys

import torch
import torch.nn as nn
import onnx

from exportutil import export_models, replacing


class DataDependent(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(8, 8)
        self.head = nn.Linear(8, 4)

    def forward(self, x):
        h = torch.tanh(self.lin(x))
        n = int((h.abs().sum() * 3.0).floor().long() % 5) + 1
        iters = torch.zeros(1)
        taken = torch.zeros(1)
        for i in range(n):
            if bool(h.mean() > 0):
                h = torch.tanh(self.lin(h)) + 0.1 * float(i)
                taken = taken + 1.0
            else:
                h = h * 0.5 - 0.1
            iters = iters + 1.0
        return self.head(h), iters, taken


# name: (module, example inputs, input names, output names, dynamic axes)
MODELS = {
    "data-dependent": (DataDependent, lambda: (torch.randn(2, 8),), ["x"], ["y", "iters", "taken"],
                       {"x": {0: "batch"}, "y": {0: "batch"}}),
}


def build(cls, seed):
    torch.manual_seed(seed)
    m = cls()
    with torch.no_grad():
        for p in m.parameters():  # larger than the default init: a real test
            p.uniform_(-0.6, 0.6)
    return torch.jit.script(m.eval())


def export(name, opset, seed, path):
    cls, example, inputs, outputs, axes = MODELS[name]
    m = build(cls, seed)
    with replacing(path) as tmp:
        torch.onnx.export(m, example(), tmp, opset_version=opset, input_names=inputs,
                          output_names=outputs, dynamic_axes=axes)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--models", default="data-dependent")
    ap.add_argument("--opsets", default="17")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    return export_models(a.out, a.models, MODELS, a.opsets, lambda name, opset, path: export(name, opset, a.seed, path))


if __name__ == "__main__":
    sys.exit(main())
