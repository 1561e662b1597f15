"""Helpers shared by the export and reference scripts in tools/.

replacing(path) gives a script a temporary file beside path that replaces
path only when the block that writes it succeeds, so that no reader (the
Go tests, a cache) ever sees a partial file; export_models is the loop of
the model-export scripts (one file per model and opset, kept when it
exists, printed with its operator histogram).
"""
import collections
import contextlib
import os
import sys
import tempfile

import onnx


@contextlib.contextmanager
def replacing(path, suffix=".tmp"):
    """Yields a temporary file name in path's directory (ending in suffix:
    np.savez wants ".npz"); when the block ends without an error the file
    replaces path atomically, otherwise it is removed."""
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=suffix, dir=d)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 -> what open() would give
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def op_histogram(graph, ops=None):
    """Counts the operator types of graph and of its subgraphs (If, Loop,
    Scan bodies)."""
    ops = collections.Counter() if ops is None else ops
    for n in graph.node:
        ops[n.op_type] += 1
        for a in n.attribute:
            if a.type == onnx.AttributeProto.GRAPH:
                op_histogram(a.g, ops)
            for g in a.graphs:
                op_histogram(g, ops)
    return ops


def export_models(out, models, known, opsets, export):
    """Calls export(name, opset, path) for every comma-separated name in
    models and opset in opsets (a comma-separated string) whose file
    out/<name>_op<opset>.onnx does not exist yet, and prints each file with
    its operator histogram. Returns the exit status: 2 for a name not in
    known, else 0."""
    os.makedirs(out, exist_ok=True)
    for name in models.split(","):
        if name not in known:
            print(f"unknown model {name}; known: {', '.join(known)}", file=sys.stderr)
            return 2
        for opset in (int(o) for o in opsets.split(",")):
            path = os.path.join(out, f"{name}_op{opset}.onnx")
            if not os.path.exists(path):
                export(name, opset, path)
            ops = op_histogram(onnx.load(path, load_external_data=False).graph)
            print(path, dict(sorted(ops.items())))
            sys.stdout.flush()
    return 0
