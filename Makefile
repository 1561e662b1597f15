# hierlearn's build. `make demo` runs the main job, `make test` every test;
# both install what they need first (tools/setup.sh). The build uses
# OpenBLAS (tag openblas); `make TAGS=` builds the pure-Go fallback.
GO      ?= go
TAGS    ?= openblas
BIN     := bin/hierlearn
GOFLAGS_TAGS := $(if $(TAGS),-tags $(TAGS),)
# Two cores here: one test binary at a time keeps memory and timings sane.
TESTFLAGS ?= -p 1 -count=1 -timeout 60m

.PHONY: all build setup setup-demo demo test test-short test-long test-arm64 test-arm64-short cross vet bench bench-train bench-bfc bench-kernel bench-import bench-grad fuzz generate clean

all: build

build:
	$(GO) build -buildvcs=auto $(GOFLAGS_TAGS) -o $(BIN) ./cmd/hierlearn

setup:
	bash tools/setup.sh

setup-demo:
	bash tools/setup.sh --demo

demo: setup-demo build
	./$(BIN) demo -o demo-out/

vet:
	@unformatted=$$(gofmt -l $$(find . -name '*.go' -not -path './tools/node/*')); \
		if [ -n "$$unformatted" ]; then echo "gofmt -w needed: $$unformatted" >&2; exit 1; fi
	$(GO) vet $(GOFLAGS_TAGS) ./...
	$(GO) vet ./...

test: setup vet cross
	$(GO) test $(GOFLAGS_TAGS) $(TESTFLAGS) ./...
	# The pure-Go fallback must keep building and computing right: its
	# Go-assembly GEMMs and blocked Cholesky on each kernel path, and exact
	# kernel ridge's mixed-precision solve on them.
	$(GO) test -count=1 -timeout 10m ./internal/numeric/... ./internal/npy
	$(GO) test -count=1 -timeout 10m -run 'TestMixedPrecision|TestSolversAgree|TestMatchesSklearn' ./train/kernel/
	# The generic kernel path (CPUs without AVX2, other architectures)
	# runs convolutions on BLAS instead of the assembly kernels: check
	# that path against onnxruntime too.
	$(GO) test $(if $(TAGS),-tags "$(TAGS) purego",-tags purego) -count=1 -timeout 20m ./importer/ ./internal/numeric/sgemm/ ./internal/numeric/vec/
	# The AVX2+FMA kernel path (CPUs without AVX-512), forced on this one:
	# the convolution kernels and the ResNets against onnxruntime. (The
	# sgemm and vec tests already run on every path the CPU has.)
	HIERLEARN_KERNEL=avx2 $(GO) test $(GOFLAGS_TAGS) -count=1 -timeout 20m \
		-run 'TestEnvHonoured|TestConvKernels|TestPointwise|TestDepthwise|TestFuseActivations|TestGemmConstantB|TestMaxPool|TestResNetsMatchOnnxruntime' \
		./internal/numeric/cpupath/ ./importer/
	# linux/arm64 under qemu-user: the NEON kernels and a representative
	# subset of the importer (a few minutes; make test-arm64 runs it all).
	$(MAKE) test-arm64-short

# The tree builds without cgo for the platforms users run (pure-Go
# kernels there), and vets on 32-bit 386 (int is 32 bits: constants and
# conversions that overflow show up here).
CROSS := darwin/arm64 linux/arm64 linux/386 windows/amd64
cross:
	@for p in $(CROSS); do echo "build $$p"; \
		GOOS=$${p%/*} GOARCH=$${p#*/} CGO_ENABLED=0 $(GO) build ./... || exit 1; done
	GOARCH=386 CGO_ENABLED=0 $(GO) vet ./...

# The numerics and the importer on linux/arm64 under qemu-user (Debian's
# qemu-user-static or qemu-user): the neon kernel path (NEON Go assembly),
# with the reference tools (python, onnxruntime-node) run natively. Slow:
# an emulated ResNet-20 takes half a minute, resnet50 many.
QEMU_ARM64 ?= $(shell command -v qemu-aarch64-static || command -v qemu-aarch64)
ARM64_TEST := GOARCH=arm64 CGO_ENABLED=0 $(GO) test -exec $(QEMU_ARM64) -count=1
test-arm64:
	@if [ -z "$(QEMU_ARM64)" ]; then echo "test-arm64: no qemu-aarch64(-static): apt-get install qemu-user-static" >&2; exit 1; fi
	$(ARM64_TEST) -timeout 120m ./internal/numeric/... ./importer/...

# make test's part of test-arm64: the numerics on the neon path (their
# kernel tests also on generic) and on the forced generic path, then the
# importer's convolution, GEMM, pooling, recurrent-step and ONNX node
# tests and one ResNet-20 against onnxruntime on neon (3.3 CPU-minutes
# with the arm64 builds). Without qemu it fails under CI=true and is
# skipped otherwise.
ARM64_IMPORTER_RUN := TestEnvHonoured|TestConvKernels|TestPointwise|TestDepthwise|TestVectorConv|TestFuseActivations|TestGemmConstantB|TestMatMulPaths|TestMaxPool|TestConvBackShifted|TestConvBatchNormFolding|TestTinyCNNMatchesTorch|TestONNXNodeTests|TestPlainSteps|TestLSTMPackedMatchesBLAS|TestResNetsMatchOnnxruntime/resnet20b_op13_kept
test-arm64-short:
	@if [ -z "$(QEMU_ARM64)" ]; then \
		if [ "$$CI" = true ]; then echo "test-arm64-short: CI=true and no qemu-aarch64(-static): apt-get install qemu-user-static" >&2; exit 1; fi; \
		echo "test-arm64-short: skipped, no qemu-aarch64(-static) (apt-get install qemu-user-static)" >&2; exit 0; fi
	HIERLEARN_KERNEL=neon $(ARM64_TEST) -timeout 20m ./internal/numeric/...
	HIERLEARN_KERNEL=generic $(ARM64_TEST) -timeout 20m ./internal/numeric/...
	HIERLEARN_KERNEL=neon $(ARM64_TEST) -short -timeout 30m -run '$(ARM64_IMPORTER_RUN)' ./internal/numeric/cpupath/ ./importer/

test-short:
	$(GO) test $(GOFLAGS_TAGS) -short ./...

# The importer's comparison with onnxruntime on every ResNet export (every
# model, opset and BatchNorm mode) instead of make test's subset.
test-long: setup
	HIERLEARN_LONG=1 $(GO) test $(GOFLAGS_TAGS) $(TESTFLAGS) ./importer/...

# Every decoder's fuzz test, FUZZTIME each (one at a time: go test -fuzz
# takes one target per run).
FUZZTIME ?= 60s
fuzz:
	$(GO) test ./internal/npy -run '^$$' -fuzz 'FuzzDecode$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/npy -run '^$$' -fuzz 'FuzzDecodeArchive$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/onnxpb -run '^$$' -fuzz 'FuzzUnmarshalModel$$' -fuzztime $(FUZZTIME)
	$(GO) test ./concept -run '^$$' -fuzz 'FuzzDecode$$' -fuzztime $(FUZZTIME)
	$(GO) test ./concept -run '^$$' -fuzz 'FuzzDecodeDataset$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s
	$(GO) test ./concept -run '^$$' -fuzz 'FuzzDecodeIDX$$' -fuzztime $(FUZZTIME)
	$(GO) test ./concept -run '^$$' -fuzz 'FuzzDecodeSparseCoding$$' -fuzztime $(FUZZTIME)
	$(GO) test ./export -run '^$$' -fuzz 'FuzzDecodeModel$$' -fuzztime $(FUZZTIME)
	$(GO) test ./importer -run '^$$' -fuzz 'FuzzLoadBytes$$' -fuzztime $(FUZZTIME)
	$(GO) test ./train -run '^$$' -fuzz 'FuzzDecodeModel$$' -fuzztime $(FUZZTIME)
	$(GO) test ./train/kernel -run '^$$' -fuzz 'FuzzDecodePredictor$$' -fuzztime $(FUZZTIME)

bench-train: build
	./$(BIN) bench train

bench-bfc: build
	./$(BIN) bench bfc

bench-kernel: build
	./$(BIN) bench kernel

bench-import: build
	./$(BIN) bench import

bench-grad: build
	./$(BIN) bench grad

generate:
	$(GO) generate ./...

clean:
	rm -rf bin demo-out
