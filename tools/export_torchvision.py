#!/usr/bin/python3
"""Export torchvision classification and segmentation models, and a small
U-Net, for hierlearn's importer tests (importer/torchvision_test.go).

Runs on Debian's python3 with torch 1.13 and torchvision 0.14:

    /usr/bin/python3 tools/export_torchvision.py --out DIR \
        [--models mobilenet_v3_small,unet] [--seed 0]

Every model has random weights: torch's default initialisation
(inception_v3's own init_weights, truncated normal with std 0.1 on every
convolution, drives its logits to 1e13), BatchNorm statistics and affine
parameters randomised too. Each is exported in eval mode at opset 17 with a dynamic batch
axis, input "input" [batch, 3, H, W] and output "out": the logits of the
classifiers, the per-pixel class scores ("out" entry) of the segmentation
models. Each model goes to DIR/tv_<model>.onnx (atomically); existing
files are left alone. One line per model: the path, input size and the
operator histogram.
"""
import argparse
import collections
import os
import sys

import torch
import torch.nn as nn
import torchvision
import onnx

from exportutil import replacing

M = torchvision.models


class SegOut(nn.Module):
    """Returns the "out" entry of a torchvision segmentation model."""

    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, x):
        return self.m(x)["out"]


def block(cin, cout):
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class UNet(nn.Module):
    """A three-level U-Net: MaxPool down, ConvTranspose (stride 2) up,
    skip connections concatenated on channels."""

    def __init__(self, c=8, classes=3):
        super().__init__()
        self.d1, self.d2, self.d3 = block(3, c), block(c, 2 * c), block(2 * c, 4 * c)
        self.pool = nn.MaxPool2d(2)
        self.u2 = nn.ConvTranspose2d(4 * c, 2 * c, 2, stride=2)
        self.c2 = block(4 * c, 2 * c)
        self.u1 = nn.ConvTranspose2d(2 * c, c, 3, stride=2, padding=1, output_padding=1)
        self.c1 = block(2 * c, c)
        self.head = nn.Conv2d(c, classes, 1)

    def forward(self, x):
        x1 = self.d1(x)
        x2 = self.d2(self.pool(x1))
        x3 = self.d3(self.pool(x2))
        y = self.c2(torch.cat([self.u2(x3), x2], 1))
        y = self.c1(torch.cat([self.u1(y), x1], 1))
        return self.head(y)


# name: (constructor, input size)
MODELS = {
    "mobilenet_v2": (lambda: M.mobilenet_v2(weights=None), 224),
    "mobilenet_v3_small": (lambda: M.mobilenet_v3_small(weights=None), 224),
    "mobilenet_v3_large": (lambda: M.mobilenet_v3_large(weights=None), 224),
    "efficientnet_b0": (lambda: M.efficientnet_b0(weights=None), 224),
    "shufflenet_v2_x1_0": (lambda: M.shufflenet_v2_x1_0(weights=None), 224),
    "googlenet": (lambda: M.googlenet(weights=None, aux_logits=False, init_weights=True), 224),
    "inception_v3": (lambda: M.inception_v3(weights=None, aux_logits=False, init_weights=False), 299),
    "regnet_y_400mf": (lambda: M.regnet_y_400mf(weights=None), 224),
    "convnext_tiny": (lambda: M.convnext_tiny(weights=None), 224),
    "vgg11_bn": (lambda: M.vgg11_bn(weights=None), 224),
    "alexnet": (lambda: M.alexnet(weights=None), 224),
    "fcn_resnet50": (lambda: SegOut(M.segmentation.fcn_resnet50(
        weights=None, weights_backbone=None, aux_loss=False)), 128),
    "deeplabv3_mobilenet_v3_large": (lambda: SegOut(M.segmentation.deeplabv3_mobilenet_v3_large(
        weights=None, weights_backbone=None, aux_loss=False)), 128),
    "unet": (lambda: UNet(), 64),
}


def randomise_bn(model, gen):
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                c = m.num_features
                m.running_mean.copy_(torch.randn(c, generator=gen) * 0.1)
                m.running_var.copy_(torch.rand(c, generator=gen) + 0.5)
                m.weight.copy_(torch.rand(c, generator=gen) + 0.5)
                m.bias.copy_(torch.randn(c, generator=gen) * 0.1)


def export(name, out_dir, seed):
    path = os.path.join(out_dir, "tv_%s.onnx" % name)
    ctor, size = MODELS[name]
    if os.path.exists(path):
        return path, size
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed + 1)
    model = ctor()
    randomise_bn(model, gen)
    model.eval()
    x = torch.randn(2, 3, size, size, generator=gen)
    with replacing(path) as tmp:
        torch.onnx.export(model, x, tmp, opset_version=17, do_constant_folding=True,
                          input_names=["input"], output_names=["out"],
                          dynamic_axes={"input": {0: "batch"}, "out": {0: "batch"}})
        onnx.checker.check_model(onnx.load(tmp))
    return path, size


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    torch.set_num_threads(1)
    for name in a.models.split(","):
        if name not in MODELS:
            raise SystemExit("unknown model %r; known: %s" % (name, ", ".join(MODELS)))
        p, size = export(name, a.out, a.seed)
        ops = collections.Counter(n.op_type for n in onnx.load(p).graph.node)
        print(p, size, dict(sorted(ops.items())))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
