#!/usr/bin/env python3
"""onnx_check.py: validates ONNX files with the reference checker.

usage: /usr/bin/python3 tools/onnx_check.py MODEL.onnx [MODEL.onnx ...]

Runs onnx.checker.check_model(model, full_check=True) (which includes
strict shape inference) on every file given. Prints "ok PATH" for each file
that passes and "FAIL PATH: reason" for each that does not; exits 1 if any
file failed, 2 on a usage error. Needs Debian's python3-onnx (1.12).
"""
import sys

import onnx


def main(paths):
    if not paths:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    failed = 0
    for path in paths:
        try:
            model = onnx.load(path)
            onnx.checker.check_model(model, full_check=True)
        except Exception as e:  # every failure is reported, then we go on
            failed += 1
            msg = str(e).strip().replace("\n", " | ")
            print(f"FAIL {path}: {type(e).__name__}: {msg}")
            continue
        print(f"ok {path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
