#!/usr/bin/python3
"""Write the small fixture models of hierlearn's importer tests.

    /usr/bin/python3 tools/make_importer_fixtures.py testdata/importer

tiny_cnn.onnx      a small PyTorch CNN (Conv+BN+ReLU, grouped conv, MaxPool
                   with ceil_mode, AveragePool, x.view(x.size(0), -1),
                   Linear, Softmax) exported at opset 13 with a dynamic
                   batch axis and BatchNorm kept (TrainingMode.PRESERVE).
tiny_cnn_io.npz    input "input" (batch 3) and torch's output "probs".
external/model.onnx + external/weights.bin
                   a MatMul + Add model whose initializers live in an
                   external data file (onnx.save_model with
                   save_as_external_data), with input "x" [2, 4] and the
                   expected output in external/io.npz ("x", "y").
"""
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import helper, TensorProto, numpy_helper


class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 8, 3, padding=1)
        self.b1 = nn.BatchNorm2d(8)
        self.c2 = nn.Conv2d(8, 8, 3, stride=2, padding=1, groups=4, bias=False)
        self.fc = nn.Linear(8 * 2 * 2, 5)

    def forward(self, x):
        x = F.relu(self.b1(self.c1(x)))
        x = F.max_pool2d(x, 3, stride=2, ceil_mode=True)
        x = F.leaky_relu(self.c2(x), 0.1)
        x = F.avg_pool2d(x, 2, ceil_mode=False)
        x = x.view(x.size(0), -1)
        return F.softmax(self.fc(x), dim=1)


def main():
    out = sys.argv[1]
    os.makedirs(os.path.join(out, "external"), exist_ok=True)
    torch.manual_seed(0)
    m = Tiny()
    with torch.no_grad():
        m.b1.running_mean.uniform_(-0.2, 0.2)
        m.b1.running_var.uniform_(0.5, 1.5)
    m.eval()
    x = torch.randn(3, 3, 16, 16)
    path = os.path.join(out, "tiny_cnn.onnx")
    torch.onnx.export(m, x, path, opset_version=13, training=torch.onnx.TrainingMode.PRESERVE,
                      input_names=["input"], output_names=["probs"],
                      dynamic_axes={"input": {0: "batch"}, "probs": {0: "batch"}})
    with torch.no_grad():
        y = m(x).numpy()
    np.savez(os.path.join(out, "tiny_cnn_io.npz"), input=x.numpy(), probs=y)

    rng = np.random.default_rng(0)
    w = rng.standard_normal((4, 3)).astype(np.float32)
    b = rng.standard_normal((3,)).astype(np.float32)
    g = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["xw"]), helper.make_node("Add", ["xw", "b"], ["y"])],
        "ext", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    onnx.save_model(model, os.path.join(out, "external", "model.onnx"), save_as_external_data=True,
                    all_tensors_to_one_file=True, location="weights.bin", size_threshold=0)
    xv = rng.standard_normal((2, 4)).astype(np.float32)
    np.savez(os.path.join(out, "external", "io.npz"), x=xv, y=xv @ w + b)


if __name__ == "__main__":
    main()
