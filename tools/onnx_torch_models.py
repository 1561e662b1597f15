#!/usr/bin/env python3
"""onnx_torch_models.py: exports small PyTorch models to ONNX, as fixtures
for the tests of hierlearn's ONNX protobuf bindings (internal/onnxpb).

usage: /usr/bin/python3 tools/onnx_torch_models.py OUTDIR

Writes, for opsets 13 and 17:
  mlp_opset{13,17}.onnx     Linear(8,16)-ReLU-Linear(16,4)-Tanh, input x [N,8]
  convbn_opset{13,17}.onnx  Conv-BatchNorm-ReLU-MaxPool-Conv-BatchNorm-ReLU-
                            GlobalAveragePool-Flatten-Linear, input x [N,3,8,8];
                            exported with training=PRESERVE so that
                            BatchNormalization stays a node of its own
                            (eval-mode export folds it into Conv).
The batch axis is symbolic ("N"). Weights come from torch.manual_seed(0),
BatchNorm running statistics are set to non-trivial values. Needs Debian's
python3-torch 1.13 and python3-onnx.
"""
import os
import sys

import torch
from torch import nn


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(8, 16)
        self.fc2 = nn.Linear(16, 4)

    def forward(self, x):
        return torch.tanh(self.fc2(torch.relu(self.fc1(x))))


class ConvBN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(4)
        self.conv2 = nn.Conv2d(4, 6, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(6)
        self.fc = nn.Linear(6, 5)

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        x = nn.functional.max_pool2d(x, 2)
        x = torch.relu(self.bn2(self.conv2(x)))
        x = nn.functional.adaptive_avg_pool2d(x, 1)
        return self.fc(torch.flatten(x, 1))


def export(model, example, path, opset, **kw):
    model.eval()
    torch.onnx.export(model, example, path, opset_version=opset,
                      input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "N"}, "y": {0: "N"}}, **kw)


def main(out):
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    mlp = MLP()
    conv = ConvBN()
    with torch.no_grad():
        for bn in (conv.bn1, conv.bn2):
            bn.running_mean.uniform_(-0.5, 0.5)
            bn.running_var.uniform_(0.5, 2.0)
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.uniform_(-0.2, 0.2)
    for opset in (13, 17):
        export(mlp, torch.randn(2, 8), os.path.join(out, f"mlp_opset{opset}.onnx"), opset)
        export(conv, torch.randn(2, 3, 8, 8), os.path.join(out, f"convbn_opset{opset}.onnx"), opset,
               training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False)
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
