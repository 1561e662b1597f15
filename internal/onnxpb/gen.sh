#!/bin/sh
# Regenerates onnx.pb.go from onnx.proto. Needs protoc (Debian:
# protobuf-compiler) and protoc-gen-go at the version pinned in go.mod,
# which this script installs into a private GOBIN when missing.
set -eu
cd "$(dirname "$0")"
ver=$(go list -m -f '{{.Version}}' google.golang.org/protobuf)
bin="$(go env GOPATH)/hierlearn-tools/protoc-gen-go-$ver"
if [ ! -x "$bin/protoc-gen-go" ]; then
  GOBIN="$bin" go install "google.golang.org/protobuf/cmd/protoc-gen-go@$ver"
fi
PATH="$bin:$PATH" protoc --go_out=. --go_opt=paths=source_relative onnx.proto
