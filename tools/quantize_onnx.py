#!/usr/bin/python3
"""Build int8 quantized and float16 CNNs for hierlearn's importer tests
(importer/quant_model_test.go): a float model exported from torch, the
same model quantized in onnxruntime's two forms, and in float16.

Runs on Debian's python3 with torch 1.13, torchvision 0.14 and onnx 1.12
(there is no onnxruntime python package here, so this does what
onnxruntime.quantization.quantize_static would, for the operators these
models hold):

    /usr/bin/python3 tools/quantize_onnx.py --out DIR [--models small,resnet18] [--seed 0]

Models (random weights, BatchNorm statistics randomised then folded into
the convolutions, eval mode, opset 13, batch axis dynamic, input "input"
[batch, 3, H, W], output "logits"):
  small     a residual CNN on 32x32 inputs: conv-relu, maxpool, a stride-2
            conv, a residual block, global average pooling, linear (10)
  resnet18  torchvision's, 224x224, 1000 classes

Each model gives four files in DIR, whose paths are printed:
q<V>_<model>_float.onnx (the export), q<V>_<model>_qdq.onnx,
q<V>_<model>_qop.onnx and q<V>_<model>_fp16.onnx, V being this script's
version (existing files are left alone; each is written atomically).
float16: every float initializer converted, a Cast to float16 after the
input and one back to float before the output (what onnxruntime's
float16 converter writes with keep_io_types), so that onnxruntime
computes in float16. Quantization:
  - calibration: the float graph is evaluated node by node with
    torch.nn.functional (Conv, Relu, Add, MaxPool, GlobalAveragePool,
    Flatten, Gemm: what these models hold) on --calib-batches batches of
    --calib-batch standard normal inputs (seed --seed + 2); each tensor's
    range [min(0, min), max(0, max)] over all of them gives its uint8
    scale (max - min) / 255 and zero point round(-min / scale);
  - weights: int8, symmetric, one scale per output channel
    (max|w| / 127, zero point 0); biases int32 with scale
    x_scale * w_scale[c] and zero point 0;
  - QDQ form: each Conv and Gemm reads its input through QuantizeLinear +
    DequantizeLinear (uint8, per tensor) and its weights and bias through
    DequantizeLinear (per channel, axis 0); everything else stays float;
  - QOperator form: each Conv is a QLinearConv (a Conv followed only by a
    Relu takes the Relu's output range, so that its zero point 0 clips
    like the Relu, which is removed); the Gemm is MatMulInteger on the
    quantized input and transposed weights, then Cast, Mul by
    x_scale * w_scale and Add of the bias; other operators run in float,
    fed by DequantizeLinear where their input is quantized.
Both quantized forms also output the uint8 tensor "input_quantized" (the
first QuantizeLinear); the QDQ form "second_quantized" (the
QuantizeLinear of the second Conv's input, downstream of one float Conv)
and "last_quantized" (that of the Gemm's input, downstream of every float
Conv), the QOperator form
"conv_first" and "conv_last" (the first and last QLinearConv outputs) and
"matmul_int32" (MatMulInteger's output). Every file records the model,
seed, form and calibration in its metadata_props.
"""
import argparse
import os
import sys
import tempfile

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from onnx import TensorProto, helper, numpy_helper

from exportutil import replacing

VERSION = "3"  # in the file names: files of an older version are not reused


class Small(nn.Module):
    """A small residual CNN with the operators of a ResNet."""

    def __init__(self):
        super().__init__()
        self.c1, self.b1 = nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8)
        self.c2, self.b2 = nn.Conv2d(8, 16, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(16)
        self.c3, self.b3 = nn.Conv2d(16, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16)
        self.c4, self.b4 = nn.Conv2d(16, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.b1(self.c1(x))), 2)
        x = F.relu(self.b2(self.c2(x)))
        y = self.b4(self.c4(F.relu(self.b3(self.c3(x)))))
        x = F.relu(x + y)
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


MODELS = {
    "small": (Small, 32),
    "resnet18": (lambda: torchvision.models.resnet18(weights=None), 224),
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


def save(model, path, meta):
    """Checks the model, records meta and writes it atomically."""
    for k, v in sorted(meta.items()):
        e = model.metadata_props.add()
        e.key, e.value = k, str(v)
    onnx.checker.check_model(model)
    with replacing(path) as tmp:
        onnx.save(model, tmp)


def export_float(name, path, seed):
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed + 1)
    build, size = MODELS[name]
    model = build()
    randomise_bn(model, gen)
    model.eval()
    x = torch.randn(2, 3, size, size, generator=gen)
    fd, tmp = tempfile.mkstemp(suffix=".onnx.tmp", dir=os.path.dirname(path))
    os.close(fd)
    try:
        torch.onnx.export(model, x, tmp, opset_version=13, do_constant_folding=True,
                          input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
        m = onnx.load(tmp)
    finally:
        os.remove(tmp)
    save(m, path, {"hierlearn.tool": "quantize_onnx.py " + VERSION, "model": name, "seed": seed, "form": "float"})
    return size


def attrs(n):
    return {a.name: helper.get_attribute_value(a) for a in n.attribute}


def evaluate(graph, x):
    """Runs the float graph on x with torch.nn.functional; returns every
    tensor by name."""
    env = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in graph.initializer}
    env[graph.input[0].name] = x
    for n in graph.node:
        a, ins = attrs(n), [env[i] for i in n.input if i]
        op = n.op_type
        if op == "Conv":
            p = a.get("pads", [0, 0, 0, 0])
            if p[0] != p[2] or p[1] != p[3]:
                raise SystemExit("asymmetric Conv padding is not supported")
            y = F.conv2d(ins[0], ins[1], ins[2] if len(ins) > 2 else None, a.get("strides", 1),
                         (p[0], p[1]), a.get("dilations", 1), a.get("group", 1))
        elif op == "Relu":
            y = F.relu(ins[0])
        elif op == "Add":
            y = ins[0] + ins[1]
        elif op == "MaxPool":
            p = a.get("pads", [0, 0, 0, 0])
            y = F.max_pool2d(ins[0], a["kernel_shape"], a.get("strides", 1), (p[0], p[1]),
                             ceil_mode=bool(a.get("ceil_mode", 0)))
        elif op == "GlobalAveragePool":
            y = ins[0].mean((2, 3), keepdim=True)
        elif op == "Flatten":
            y = torch.flatten(ins[0], a.get("axis", 1))
        elif op == "Gemm":
            w = ins[1].t() if a.get("transB", 0) else ins[1]
            y = a.get("alpha", 1.0) * (ins[0] @ w) + a.get("beta", 1.0) * ins[2]
        else:
            raise SystemExit("operator %s is not supported by the calibration" % op)
        env[n.output[0]] = y
    return env


def calibrate(graph, size, batches, batch, seed):
    """The range [min(0, min), max(0, max)] of every tensor."""
    gen = torch.Generator().manual_seed(seed + 2)
    lo, hi = {}, {}
    with torch.no_grad():
        for _ in range(batches):
            env = evaluate(graph, torch.randn(batch, 3, size, size, generator=gen))
            for k, v in env.items():
                lo[k] = min(lo.get(k, 0.0), float(v.min()))
                hi[k] = max(hi.get(k, 0.0), float(v.max()))
    return lo, hi


class Builder:
    """Rewrites a float graph into a quantized one."""

    def __init__(self, graph, lo, hi):
        self.g = graph
        self.lo, self.hi = lo, hi
        self.inits = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
        self.nodes, self.new_inits, self.names = [], [], set()
        self.quantized = {}  # float tensor -> its uint8 version
        self.floats = {graph.input[0].name}

    def const(self, name, arr):
        self.new_inits.append(numpy_helper.from_array(np.asarray(arr), name))
        self.names.add(name)
        return name

    def params(self, t):
        """uint8 scale and zero point of tensor t (initializer names)."""
        lo, hi = self.lo[t], self.hi[t]
        scale = np.float32((hi - lo) / 255.0) if hi > lo else np.float32(1.0)
        zp = np.uint8(np.clip(np.round(-lo / scale), 0, 255))
        if t + "_scale" not in self.names:
            self.const(t + "_scale", scale)
            self.const(t + "_zero_point", zp)
        return t + "_scale", t + "_zero_point", scale

    def node(self, op, ins, outs, **kw):
        self.nodes.append(helper.make_node(op, ins, outs, name=outs[0] + "_" + op, **kw))

    def quantize(self, t):
        """The uint8 version of float tensor t."""
        if t not in self.quantized:
            s, z, _ = self.params(t)
            self.node("QuantizeLinear", [t, s, z], [t + "_quantized"])
            self.quantized[t] = t + "_quantized"
        return self.quantized[t]

    def float(self, t):
        """The float version of t (dequantized if only its uint8 version exists)."""
        if t not in self.floats:
            s, z, _ = self.params(t)
            self.node("DequantizeLinear", [self.quantized[t], s, z], [t])
            self.floats.add(t)
        return t

    def weights(self, w, axis_len):
        """int8 per-channel (axis 0) weights, their scales and zero points."""
        w = self.inits[w]
        flat = np.abs(w.reshape(axis_len, -1)).max(axis=1)
        scale = np.where(flat > 0, flat / 127.0, 1.0).astype(np.float32)
        shape = (axis_len,) + (1,) * (w.ndim - 1)
        q = np.clip(np.round(w / scale.reshape(shape)), -127, 127).astype(np.int8)
        return q, scale

    def bias(self, b, x_scale, w_scale):
        b = self.inits[b]
        return np.round(b / (np.float32(x_scale) * w_scale)).astype(np.int32), (np.float32(x_scale) * w_scale).astype(np.float32)


def consumers(graph):
    c = {}
    for n in graph.node:
        for i in n.input:
            c.setdefault(i, []).append(n)
    return c


def quantize_qdq(graph, lo, hi):
    b = Builder(graph, lo, hi)
    for n in graph.node:
        if n.op_type not in ("Conv", "Gemm"):
            b.nodes.append(n)
            continue
        x, w, bias = n.input[0], n.input[1], n.input[2]
        s, z, xs = b.params(x)
        if x not in b.quantized:
            b.node("DequantizeLinear", [b.quantize(x), s, z], [x + "_dequantized"])
        wq, ws = b.weights(w, b.inits[w].shape[0])
        b.const(w + "_quantized", wq)
        b.const(w + "_scale", ws)
        b.const(w + "_zero_point", np.zeros(len(ws), np.int8))
        b.node("DequantizeLinear", [w + "_quantized", w + "_scale", w + "_zero_point"], [w + "_dequantized"], axis=0)
        bq, bs = b.bias(bias, xs, ws)
        b.const(bias + "_quantized", bq)
        b.const(bias + "_scale", bs)
        b.node("DequantizeLinear", [bias + "_quantized", bias + "_scale"], [bias + "_dequantized"], axis=0)
        m = onnx.NodeProto()
        m.CopyFrom(n)
        m.input[:] = [x + "_dequantized", w + "_dequantized", bias + "_dequantized"]
        b.nodes.append(m)
    convs = [n.input[0] for n in graph.node if n.op_type == "Conv"]
    last = [n for n in graph.node if n.op_type == "Gemm"][-1].input[0]
    return b, ["input_quantized", ("second_quantized", b.quantized[convs[1]]), ("last_quantized", b.quantized[last])]


def quantize_qop(graph, lo, hi):
    b = Builder(graph, lo, hi)
    cons = consumers(graph)
    skip = set()
    convs = []
    for n in graph.node:
        if id(n) in skip:
            continue
        if n.op_type == "Conv":
            a = attrs(n)
            x, w, bias = n.input[0], n.input[1], n.input[2]
            out, after = n.output[0], cons.get(n.output[0], [])
            if len(after) == 1 and after[0].op_type == "Relu":
                skip.add(id(after[0]))
                out = after[0].output[0]
            s, z, xs = b.params(x)
            xq = b.quantize(x)
            wq, ws = b.weights(w, b.inits[w].shape[0])
            bq, _ = b.bias(bias, xs, ws)
            ys, yz, _ = b.params(out)
            ins = [xq, s, z, b.const(w + "_quantized", wq), b.const(w + "_scale", ws),
                   b.const(w + "_zero_point", np.zeros(len(ws), np.int8)), ys, yz, b.const(bias + "_quantized", bq)]
            b.node("QLinearConv", ins, [out + "_quantized"], **{k: v for k, v in a.items()})
            b.quantized[out] = out + "_quantized"
            convs.append(out + "_quantized")
        elif n.op_type == "Gemm":
            a = attrs(n)
            if a.get("transA", 0) or not a.get("transB", 0) or a.get("alpha", 1.0) != 1 or a.get("beta", 1.0) != 1:
                raise SystemExit("only Gemm with transB=1, alpha=beta=1 is supported")
            x, w, bias = n.input
            s, z, xs = b.params(x)
            xq = b.quantize(x)
            wq, ws = b.weights(w, b.inits[w].shape[0])  # [N, K], per output feature
            b.const(w + "_quantized_t", np.ascontiguousarray(wq.T))
            b.const(w + "_zero_point", np.int8(0))
            b.node("MatMulInteger", [xq, w + "_quantized_t", z, w + "_zero_point"], ["matmul_int32"])
            b.node("Cast", ["matmul_int32"], ["matmul_float"], to=TensorProto.FLOAT)
            b.const(w + "_product_scale", (np.float32(xs) * ws).astype(np.float32))
            b.node("Mul", ["matmul_float", w + "_product_scale"], ["matmul_scaled"])
            b.node("Add", ["matmul_scaled", bias], [n.output[0]])
            b.floats.add(n.output[0])
        else:
            m = onnx.NodeProto()
            m.CopyFrom(n)
            m.input[:] = [b.float(i) if i and i not in b.inits else i for i in n.input]
            b.nodes.append(m)
            b.floats.update(m.output)
    for o in graph.output:
        b.float(o.name)
    return b, ["input_quantized", ("conv_first", convs[0]), ("conv_last", convs[-1]), "matmul_int32"]


def write_quantized(fpath, path, form, meta, batches, batch, size):
    model = onnx.load(fpath)
    g = model.graph
    lo, hi = calibrate(g, size, batches, batch, meta["seed"])
    b, extra = (quantize_qdq if form == "qdq" else quantize_qop)(g, lo, hi)
    keep = {i for n in b.nodes for i in n.input}
    inits = [t for t in g.initializer if t.name in keep] + b.new_inits
    outputs = list(g.output)
    nodes = b.nodes
    for e in extra:
        name, src = (e, e) if isinstance(e, str) else e
        if name != src:
            nodes.append(helper.make_node("Identity", [src], [name], name=name + "_Identity"))
        et = TensorProto.INT32 if name == "matmul_int32" else TensorProto.UINT8
        rank = 2 if name in ("matmul_int32", "last_quantized") else 4
        outputs.append(helper.make_tensor_value_info(name, et, ["%s_%d" % (name, i) for i in range(rank)]))
    graph = helper.make_graph(nodes, g.name + "_" + form, list(g.input), outputs, inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="hierlearn quantize_onnx.py")
    m.ir_version = 7
    meta = dict(meta, form=form, calibration="%d batches of %d standard normal inputs, min/max, uint8 activations, int8 per-channel weights" % (batches, batch))
    save(m, path, meta)


def write_float16(fpath, path, meta):
    """The float model with float16 weights and activations: initializers
    converted, a Cast to float16 after the input and one to float before
    each output (onnxruntime's float16 converter with keep_io_types)."""
    model = onnx.load(fpath)
    g = model.graph
    inits = []
    for t in g.initializer:
        a = numpy_helper.to_array(t)
        inits.append(numpy_helper.from_array(a.astype(np.float16) if a.dtype == np.float32 else a, t.name))
    rename = {i.name: i.name + "_fp16" for i in g.input}
    outs = {o.name: o.name + "_fp16" for o in g.output}
    nodes = [helper.make_node("Cast", [i], [r], name=r + "_Cast", to=TensorProto.FLOAT16) for i, r in rename.items()]
    for n in g.node:
        if n.op_type == "Constant" or any(a.type == onnx.AttributeProto.TENSOR for a in n.attribute):
            raise SystemExit("Constant nodes are not converted")
        m = onnx.NodeProto()
        m.CopyFrom(n)
        m.input[:] = [rename.get(i, i) for i in n.input]
        m.output[:] = [outs.get(o, o) for o in n.output]
        nodes.append(m)
    nodes += [helper.make_node("Cast", [r], [o], name=o + "_Cast", to=TensorProto.FLOAT) for o, r in outs.items()]
    graph = helper.make_graph(nodes, g.name + "_fp16", list(g.input), list(g.output), inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="hierlearn quantize_onnx.py")
    m.ir_version = 7
    save(m, path, dict(meta, form="fp16"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--models", default="small")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--calib-batches", type=int, default=4)
    ap.add_argument("--calib-batch", type=int, default=4)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    torch.set_num_threads(1)
    for name in a.models.split(","):
        if name not in MODELS:
            raise SystemExit("unknown model %r (have %s)" % (name, ", ".join(MODELS)))
        size = MODELS[name][1]
        fpath = os.path.join(a.out, "q%s_%s_float.onnx" % (VERSION, name))
        if not os.path.exists(fpath):
            export_float(name, fpath, a.seed)
        print(fpath)
        meta = {"hierlearn.tool": "quantize_onnx.py " + VERSION, "model": name, "seed": a.seed}
        for form in ("qdq", "qop", "fp16"):
            path = os.path.join(a.out, "q%s_%s_%s.onnx" % (VERSION, name, form))
            if form == "fp16" and not os.path.exists(path):
                write_float16(fpath, path, meta)
            elif not os.path.exists(path):
                write_quantized(fpath, path, form, meta, a.calib_batches, a.calib_batch, size)
            print(path)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
