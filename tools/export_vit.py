#!/usr/bin/python3
"""Export torchvision's vision transformers for hierlearn's importer tests
(importer/vit_test.go) and benchmarks (hierlearn bench import).

Runs on Debian's python3 with torch 1.13 and torchvision 0.14:

    /usr/bin/python3 tools/export_vit.py --out DIR \
        [--models vit_b_16,swin_t] [--opsets 14,17] [--seed 0]

Models (eval mode, input "input" float32 [batch, 3, 224, 224], output
"out" [batch, 1000] logits, batch axis dynamic):
  vit_b_16  torchvision.models.vit_b_16: 16x16 patches, 12 layers, hidden
            768, 12 heads (nn.MultiheadAttention), GELU MLP 3072.
  swin_t    torchvision.models.swin_t: shifted windows of 7x7, relative
            position bias, patch merging; 4 stages (2, 2, 6, 2 layers).

Weights are random, from --seed: torchvision's own initialisation, then
every LayerNorm weight drawn from U(0.5, 1.5), every bias and the class
token from U(-0.2, 0.2), and the classifier's weight (vit_b_16's head is
zero-initialised) from N(0, 0.05^2), so that no output is constant.
Tracing runs with grad enabled, which keeps nn.MultiheadAttention off its
fused inference kernel (that has no ONNX form). At opset 17 torch writes
LayerNormalization; at 14 the decomposed form. GELU is the Erf form.

Each model goes to DIR/<model>_op<opset>.onnx (atomically: temp file then
rename); existing files are left alone. One line per model is printed:
the path and the operator histogram.
"""
import argparse
import sys

import torch
import torch.nn as nn
import torchvision
import onnx

from exportutil import export_models, replacing

MODELS = {
    "vit_b_16": torchvision.models.vit_b_16,
    "swin_t": torchvision.models.swin_t,
}


def build(name, seed):
    torch.manual_seed(seed)
    m = MODELS[name](weights=None)
    gen = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for mod in m.modules():
            if isinstance(mod, nn.LayerNorm):
                mod.weight.copy_(torch.rand(mod.weight.shape, generator=gen) + 0.5)
        for pname, p in m.named_parameters():
            if pname.endswith("bias") or pname == "class_token":
                p.copy_(torch.rand(p.shape, generator=gen) * 0.4 - 0.2)
        head = m.heads.head if name == "vit_b_16" else m.head
        head.weight.copy_(torch.randn(head.weight.shape, generator=gen) * 0.05)
    return m.eval()


def export(name, opset, seed, path):
    m = build(name, seed)
    x = torch.randn(2, 3, 224, 224, generator=torch.Generator().manual_seed(seed + 2))
    with replacing(path) as tmp, torch.enable_grad():
        torch.onnx.export(m, x, tmp, opset_version=opset, do_constant_folding=True,
                          input_names=["input"], output_names=["out"],
                          dynamic_axes={"input": {0: "batch"}, "out": {0: "batch"}})
        onnx.checker.check_model(tmp)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--opsets", default="14,17")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    torch.set_num_threads(1)
    return export_models(a.out, a.models, MODELS, a.opsets, lambda name, opset, path: export(name, opset, a.seed, path))


if __name__ == "__main__":
    sys.exit(main())
