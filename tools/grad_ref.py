#!/usr/bin/python3
"""Reference gradients and empirical NTKs from PyTorch autograd for
hierlearn's importer gradients (importer.GradSession, importer/analysis).

Runs on Debian's python3 with torch 1.13 (and torchvision for resnet18):

  grad_ref.py resnet --model resnet20a --seed 0 --in in.npz --out ref.npz
      Rebuilds the model exactly as tools/export_resnets.py does for that
      seed (same construction, same random BN statistics, eval mode), reads
      x [N,3,H,W] and r [N,classes] from in.npz, and writes the logits,
      the gradient of L = sum(logits * r) with respect to x ("grad_input")
      and to the first convolution's weight ("grad_conv1") to ref.npz.
      With --onnx PATH it also exports that model (eval mode, BN kept) with
      its batch fixed at x's N (no dynamic axis) to PATH. With
      --pool-margin M (resnet18) it first nudges x until no window of the
      stem's max pooling is within M (relative) of a tie, and writes that
      x too (see separate_pool_ties).

  grad_ref.py mlp --width 32 --depth 3 --outputs 3 --d 5 --n 6 --seed 0 \
          --onnx m.onnx --out ref.npz [--ntk-param]
      Builds a random ReLU MLP in the NTK parameterisation
          h1 = W1 (x / sqrt(d)) + b1,  h_{l+1} = W_{l+1} (sqrt(2/n) relu(h_l)),
          f = h_L   (W ~ N(0,1), b1 ~ N(0,1), no other biases),
      exports it to ONNX (input "x" [batch, d], output "y" [batch, outputs];
      params layers.0.weight, layers.0.bias and one initializer per further
      layer: torch exports the bias-free layers as MatMul with a transposed
      copy of the weight), draws n inputs, and writes
      x, the outputs, the empirical NTK of output 0 ("ntk0") and the NTK
      traced over outputs ("ntk_trace"), both computed from per-example
      autograd gradients (no functorch), in float64. For one output it also
      writes "ntk_se", the Monte-Carlo standard error of each entry of the
      empirical NTK viewed as a mean over the last hidden layer's neurons
      (the analytic infinite-width NTK is its expectation).

  grad_ref.py bntrain --seed 0 --onnx m.onnx --in in.npz --out ref.npz
      Builds a small Conv-BN-ReLU-Conv-BN net at random initialisation
      (BN affine parameters and running statistics drawn at random too,
      torch momentum 0.1), exports it in eval mode with BN kept (input
      "x" [batch, 3, H, W], output "y"), then, in train mode, reads x, r
      and x2 from in.npz, and writes the output y on x, the gradients of
      L = sum(y * r) with respect to x ("grad_x") and to every parameter
      ("grad_" + name), the running statistics after that forward
      ("run1_" + name) and after a second forward on x2 ("run2_" + name).

  grad_ref.py bench --models resnet20a,resnet18 --batch 1 --threads 1 \
          [--warmup 2 --repeat 10]
      Times forward + backward (all parameter gradients and the input
      gradient of sum(logits)) and prints JSON with the median seconds.
"""
import argparse
import math
import os
import sys
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def save_npz(path, **arrays):
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(suffix=".npz", dir=d)
    os.close(fd)
    np.savez(tmp, **arrays)
    os.replace(tmp, path)


def cmd_resnet(a):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import export_resnets as er
    torch.manual_seed(a.seed)
    gen = torch.Generator().manual_seed(a.seed + 1)
    model, _ = er.build(a.model)
    er.randomise_bn(model, gen)
    model.eval()
    z = np.load(getattr(a, "in"))
    x = torch.tensor(z["x"], dtype=torch.float32)
    extra = {}
    if a.pool_margin > 0 and hasattr(model, "maxpool"):
        x, margin, rounds = separate_pool_ties(model, x, a.pool_margin)
        extra = dict(x=x.numpy(), pool_margin=np.float64(margin), pool_rounds=np.int64(rounds))
    x.requires_grad_(True)
    r = torch.tensor(z["r"], dtype=torch.float32)
    if a.onnx:
        fd, tmp = tempfile.mkstemp(suffix=".onnx", dir=os.path.dirname(os.path.abspath(a.onnx)))
        os.close(fd)
        torch.onnx.export(model, x.detach(), tmp, opset_version=13, input_names=["input"], output_names=["logits"],
                          training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=True)
        os.replace(tmp, a.onnx)
    logits = model(x)
    loss = (logits * r).sum()
    loss.backward()
    save_npz(a.out, logits=logits.detach().numpy(), grad_input=x.grad.numpy(),
             grad_conv1=model.conv1.weight.grad.numpy(), **extra)


def stem_windows(model, x):
    """The 3x3 stride-2 windows (padding 1) of the stem's max pooling over
    relu(bn1(conv1(x))): [N, C, 9, windows], and the activations."""
    h = model.relu(model.bn1(model.conv1(x)))
    u = F.unfold(F.pad(h, (1, 1, 1, 1), value=float("-inf")), 3, stride=2)
    return u.view(h.shape[0], h.shape[1], 9, -1), h


def separate_pool_ties(model, x, margin, rounds=30):
    """Nudges x until, in every window of the stem's max pooling whose
    maximum is positive, the largest value exceeds the second largest by
    at least margin * max|h|: a near-tie there is decided by rounding, which
    differs between platforms (FMA or not), and routes the gradient to
    another pixel. Each round moves x by 0.1% of its scale along the
    gradient of the near-tied windows' gaps. Returns x, the smallest
    relative gap left and the rounds taken."""
    x = x.detach().clone()
    for r in range(rounds + 1):
        xr = x.clone().requires_grad_(True)
        u, h = stem_windows(model, xr)
        top, _ = u.topk(2, dim=2)
        gap, live = top[:, :, 0] - top[:, :, 1], top[:, :, 0].detach() > 0
        rel = gap.detach() / h.detach().abs().max()
        near = live & (rel < margin)
        if not near.any():
            return x, rel[live].min().item(), r
        if r == rounds:
            break
        g, = torch.autograd.grad(gap[near].sum(), xr)  # the parameters' .grad stay untouched
        x = x + 1e-3 * x.abs().max() * g / g.abs().max()
    sys.exit("grad_ref.py: %d max-pool windows still within %g of a tie after %d rounds" % (int(near.sum()), margin, rounds))


class ConvBN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(4)
        self.conv2 = nn.Conv2d(4, 5, 3, padding=1, stride=2)
        self.bn2 = nn.BatchNorm2d(5, eps=1e-3, momentum=0.3)

    def forward(self, x):
        return self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))


def cmd_bntrain(a):
    torch.manual_seed(a.seed)
    model = ConvBN()
    gen = torch.Generator().manual_seed(a.seed + 1)
    for bn in (model.bn1, model.bn2):
        c = bn.num_features
        with torch.no_grad():
            bn.weight.copy_(0.5 + torch.rand(c, generator=gen))
            bn.bias.copy_(torch.randn(c, generator=gen) * 0.2)
            bn.running_mean.copy_(torch.randn(c, generator=gen) * 0.1)
            bn.running_var.copy_(0.5 + torch.rand(c, generator=gen))
    model.eval()
    z = np.load(getattr(a, "in"))
    fd, tmp = tempfile.mkstemp(suffix=".onnx", dir=os.path.dirname(os.path.abspath(a.onnx)))
    os.close(fd)
    torch.onnx.export(model, torch.tensor(z["x"]), tmp, opset_version=13, input_names=["x"], output_names=["y"],
                      training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False,
                      dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})
    os.replace(tmp, a.onnx)
    model.train()
    x = torch.tensor(z["x"], requires_grad=True)
    y = model(x)
    (y * torch.tensor(z["r"])).sum().backward()
    arrays = dict(y=y.detach().numpy(), grad_x=x.grad.numpy())
    for name, p in model.named_parameters():
        arrays["grad_" + name] = p.grad.numpy()
    stats = lambda: {name: b.clone().numpy() for name, b in model.named_buffers() if "running" in name}
    for name, v in stats().items():
        arrays["run1_" + name] = v
    with torch.no_grad():
        model(torch.tensor(z["x2"]))
    for name, v in stats().items():
        arrays["run2_" + name] = v
    save_npz(a.out, **arrays)


class MLP(nn.Module):
    def __init__(self, d, width, depth, outputs):
        super().__init__()
        self.d, self.width = d, width
        dims = [d] + [width] * (depth - 1) + [outputs]
        self.layers = nn.ModuleList()
        for i in range(depth):
            lin = nn.Linear(dims[i], dims[i + 1], bias=(i == 0))
            nn.init.normal_(lin.weight)
            if i == 0:
                nn.init.normal_(lin.bias)
            self.layers.append(lin)

    def forward(self, x):
        h = self.layers[0](x * (1 / math.sqrt(self.d)))
        for lin in self.layers[1:]:
            h = lin(torch.relu(h) * math.sqrt(2 / self.width))
        return h


def per_example_grads(model, x, out_index):
    rows = []
    for i in range(x.shape[0]):
        model.zero_grad()
        y = model(x[i:i + 1])
        y[0, out_index].backward()
        rows.append(torch.cat([p.grad.reshape(-1).double() for p in model.parameters()]))
    return torch.stack(rows)


def cmd_mlp(a):
    torch.manual_seed(a.seed)
    model = MLP(a.d, a.width, a.depth, a.outputs).eval()
    x = torch.randn(a.n, a.d, generator=torch.Generator().manual_seed(a.seed + 7))
    fd, tmp = tempfile.mkstemp(suffix=".onnx", dir=os.path.dirname(os.path.abspath(a.onnx)))
    os.close(fd)
    torch.onnx.export(model, x[:1], tmp, opset_version=13, input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})
    os.replace(tmp, a.onnx)
    with torch.no_grad():
        y = model(x)
    g0 = per_example_grads(model, x, 0)
    ntk0 = g0 @ g0.T
    trace = torch.zeros(a.n, a.n, dtype=torch.float64)
    for o in range(a.outputs):
        g = per_example_grads(model, x, o)
        trace += g @ g.T
    arrays = dict(x=x.numpy(), y=y.numpy(), ntk0=ntk0.numpy(), ntk_trace=trace.numpy())
    if a.depth == 2 and a.outputs == 1:
        # Per-neuron contributions to the NTK of f = sum_k v_k s relu(h_k):
        # t_k(x,x') = s^2 relu(h_k) relu(h_k') + s^2 v_k^2 1[h_k>0] 1[h_k'>0] (x.x'/d + 1)
        with torch.no_grad():
            h = model.layers[0](x / math.sqrt(a.d)).double()
            v = model.layers[1].weight[0].double()
            s2 = 2 / a.width
            z = x.double() @ x.double().T / a.d + 1
            act, ind = torch.relu(h), (h > 0).double()
            t = s2 * act[:, None, :] * act[None, :, :] + s2 * (v ** 2) * ind[:, None, :] * ind[None, :, :] * z[:, :, None]
            # The NTK entry is sum_k t_k = n * mean_k t_k; its standard error
            # is n * std(t_k) / sqrt(n) = sqrt(n) * std(t_k).
            se = t.std(dim=2) * math.sqrt(a.width)
        arrays["ntk_se"] = se.numpy()
    save_npz(a.out, **arrays)


def cmd_bench(a):
    """Median seconds of forward + backward (all parameter gradients and
    the input gradient) per call at the given batch, printed as JSON."""
    import json
    import time
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import export_resnets as er
    torch.set_num_threads(a.threads)
    out = {}
    for name in a.models.split(","):
        torch.manual_seed(a.seed)
        gen = torch.Generator().manual_seed(a.seed + 1)
        model, size = er.build(name)
        er.randomise_bn(model, gen)
        model.eval()
        x = torch.randn(a.batch, 3, size, size, generator=gen, requires_grad=True)
        times = []
        for i in range(a.warmup + a.repeat):
            t0 = time.perf_counter()
            model.zero_grad()
            x.grad = None
            model(x).sum().backward()
            t1 = time.perf_counter()
            if i >= a.warmup:
                times.append(t1 - t0)
        times.sort()
        out[name] = {"median_s": times[len(times) // 2], "min_s": times[0]}
    print(json.dumps({"torch": torch.__version__, "threads": a.threads, "batch": a.batch, "models": out}))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("resnet")
    r.add_argument("--model", required=True)
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--in", required=True)
    r.add_argument("--out", required=True)
    r.add_argument("--onnx", default="", help="also export the model with its batch fixed at x's N here")
    r.add_argument("--pool-margin", type=float, default=0,
                   help="models with a stem max pooling (resnet18): first nudge x until no pooling window is "
                        "within this relative margin of a tie, and write that x, the smallest gap (pool_margin) "
                        "and the rounds taken")
    m = sub.add_parser("mlp")
    m.add_argument("--width", type=int, default=32)
    m.add_argument("--depth", type=int, default=3)
    m.add_argument("--outputs", type=int, default=3)
    m.add_argument("--d", type=int, default=5)
    m.add_argument("--n", type=int, default=6)
    m.add_argument("--seed", type=int, default=0)
    m.add_argument("--onnx", required=True)
    m.add_argument("--out", required=True)
    t = sub.add_parser("bntrain")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--onnx", required=True)
    t.add_argument("--in", required=True)
    t.add_argument("--out", required=True)
    b = sub.add_parser("bench")
    b.add_argument("--models", default="resnet20a,resnet18")
    b.add_argument("--batch", type=int, default=1)
    b.add_argument("--threads", type=int, default=1)
    b.add_argument("--warmup", type=int, default=2)
    b.add_argument("--repeat", type=int, default=10)
    b.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    torch.set_num_threads(1)
    {"resnet": cmd_resnet, "mlp": cmd_mlp, "bntrain": cmd_bntrain, "bench": cmd_bench}[a.cmd](a)


if __name__ == "__main__":
    main()
