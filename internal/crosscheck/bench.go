package crosscheck

import (
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"github.com/hierlearn/hierlearn/importer"
	"github.com/hierlearn/hierlearn/internal/numeric"
	"github.com/hierlearn/hierlearn/internal/numeric/cpupath"
	"github.com/hierlearn/hierlearn/internal/ortrun"
	"github.com/hierlearn/hierlearn/internal/procstat"
	"github.com/hierlearn/hierlearn/internal/version"
)

// BenchConfig selects what BenchImport measures.
type BenchConfig struct {
	Models  []string // export_resnets.py names, e.g. resnet18, resnet20a
	Opset   int
	BN      string // folded or kept
	Threads []int
	Batches []int
	Repeat  int  // timed runs per engine and setting, at least (onnx-go: at most 3)
	Warmup  int  // untimed runs first
	OnnxGo  bool // also time onnx-go v0.5.0 (batch 1 only: it is slow)
	// Path is the kernel path to run on (avx512, avx2, neon or generic: see
	// internal/numeric/cpupath); "" keeps the active one.
	Path string `json:",omitempty"`
}

// Fast models are timed over at least minTimed of runs (at most maxRepeat
// runs) per engine, whatever BenchConfig.Repeat says.
const (
	minTimed  = 300 * time.Millisecond
	maxRepeat = 200
)

// BenchRow is one (model, threads, batch) measurement; times are medians.
type BenchRow struct {
	Model       string  `json:"model"`
	Threads     int     `json:"threads"`
	Batch       int     `json:"batch"`
	NativeMS    float64 `json:"native_ms"` // median
	NativeMinMS float64 `json:"native_min_ms"`
	ORTMinMS    float64 `json:"onnxruntime_min_ms"`
	MinRatio    float64 `json:"min_native_over_min_onnxruntime"`
	ORTMS       float64 `json:"onnxruntime_ms"`
	Ratio       float64 `json:"native_over_onnxruntime"`
	OnnxGoMS    float64 `json:"onnx_go_ms,omitempty"`
	OnnxGoNote  string  `json:"onnx_go_note,omitempty"`
	// CPU milliseconds per run (user and system, all threads of the
	// process; medians): on a shared machine these move much less than
	// wall times. 0 where a side does not report it.
	NativeCPUMS float64 `json:"native_cpu_ms"`
	ORTCPUMS    float64 `json:"onnxruntime_cpu_ms"`
	CPURatio    float64 `json:"native_cpu_over_onnxruntime_cpu,omitempty"`
	ORTRSSMB    float64 `json:"onnxruntime_rss_mb"`
	NativeMB    float64 `json:"native_mb"` // weights + workspace of the session
}

// BenchReport is the result of BenchImport.
type BenchReport struct {
	Version    string      `json:"version"`
	BLAS       string      `json:"blas"`
	Kernel     string      `json:"kernel_path"` // cpupath.Active during the run
	Config     BenchConfig `json:"config"`
	Rows       []BenchRow  `json:"rows"`
	GoMaxRSSMB float64     `json:"go_process_max_rss_mb"`
}

func median(v []float64) float64 {
	s := append([]float64{}, v...)
	sort.Float64s(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}

func minOf(v []float64) float64 {
	m := 0.0
	for i, x := range v {
		if i == 0 || x < m {
			m = x
		}
	}
	return m
}

func imageSize(model string) int {
	if strings.HasPrefix(model, "resnet18") || strings.HasPrefix(model, "resnet50") {
		return 224
	}
	return 32
}

// BenchImport times our executor against onnxruntime-node (same model,
// inputs, thread count, in the same run) and onnx-go where it loads, and
// prints one line per setting to w.
func BenchImport(w io.Writer, cfg BenchConfig) (*BenchReport, error) {
	if cfg.Path != "" {
		p, err := cpupath.Parse(cfg.Path)
		if err != nil {
			return nil, fmt.Errorf("crosscheck: bench import: %w", err)
		}
		prev := cpupath.Active()
		if err := cpupath.Set(p); err != nil {
			return nil, fmt.Errorf("crosscheck: bench import: %w", err)
		}
		defer cpupath.Set(prev)
	}
	var resnets, seqs, recs, vits, tvs []string
	for _, name := range cfg.Models {
		if isTorchvisionModel(name) {
			tvs = append(tvs, name)
		} else if isVisionTransformer(name) {
			vits = append(vits, name)
		} else if isRecurrentModel(name) {
			recs = append(recs, name)
		} else if isSequenceModel(name) {
			seqs = append(seqs, name)
		} else {
			resnets = append(resnets, name)
		}
	}
	var dir string
	var err error
	if len(resnets) > 0 {
		if dir, err = ExportResNets(strings.Join(resnets, ","), fmt.Sprint(cfg.Opset), cfg.BN); err != nil {
			return nil, err
		}
	}
	if len(seqs) > 0 {
		if dir, err = ExportTransformers(strings.Join(seqs, ","), fmt.Sprint(cfg.Opset)); err != nil {
			return nil, err
		}
	}
	if len(recs) > 0 {
		if dir, err = ExportRecurrent(strings.Join(recs, ","), fmt.Sprint(cfg.Opset)); err != nil {
			return nil, err
		}
	}
	if len(vits) > 0 {
		if dir, err = ExportVisionTransformers(strings.Join(vits, ","), fmt.Sprint(cfg.Opset)); err != nil {
			return nil, err
		}
	}
	if len(tvs) > 0 {
		if dir, err = ExportTorchvision(strings.Join(tvs, ",")); err != nil {
			return nil, err
		}
	}
	rep := &BenchReport{Version: version.Full(), BLAS: numeric.BLASName(), Kernel: cpupath.Active().String(), Config: cfg}
	prev := runtime.GOMAXPROCS(0)
	defer func() {
		runtime.GOMAXPROCS(prev)
		numeric.SetBLASThreads(prev)
	}()
	// The importer parallelises itself (unless SessionOptions.NoSplitGemm): one BLAS thread.
	numeric.SetBLASThreads(1)
	fmt.Fprintf(w, "kernel path: %s\n", rep.Kernel)
	fmt.Fprintf(w, "times: median (min) of --repeat runs (more for fast models: %v of runs, at most %d); nat/ort: ratio of medians (of minima)\n", minTimed, maxRepeat)
	fmt.Fprintf(w, "cpu ms: median CPU time of a run (user+system, all threads of each process); cpu n/o: their ratio, steadier than wall times on a shared machine\n")
	fmt.Fprintf(w, "%-10s %7s %5s %17s %17s %15s %15s %8s %11s %9s %9s %9s\n", "model", "threads", "batch", "native ms", "ort ms", "nat/ort", "cpu ms nat/ort", "cpu n/o", "onnx-go ms", "ogo/nat", "nat mem", "ort rss")
	for _, name := range cfg.Models {
		path := filepath.Join(dir, fmt.Sprintf("%s_op%d_%s.onnx", name, cfg.Opset, cfg.BN))
		if isSequenceModel(name) || isVisionTransformer(name) {
			path = filepath.Join(dir, fmt.Sprintf("%s_op%d.onnx", name, cfg.Opset))
		}
		if isTorchvisionModel(name) {
			path = filepath.Join(dir, "tv_"+name+".onnx")
		}
		m, err := importer.Load(path)
		if err != nil {
			return nil, err
		}
		var og *OnnxGo
		ogNote := ""
		if cfg.OnnxGo {
			if og, err = LoadOnnxGo(path); err != nil {
				ogNote = "does not load: " + err.Error()
			}
		}
		for _, th := range cfg.Threads {
			runtime.GOMAXPROCS(th)
			for _, b := range cfg.Batches {
				in, err := importer.RandomInputs(m, b, 1)
				if isSequenceModel(name) {
					in, err = sequenceInputs(m, b, benchSeqLen(name), 1)
				}
				if err != nil {
					return nil, err
				}
				s := importer.NewSession(m)
				// runs times n runs of s (wall milliseconds), and records
				// each run's CPU milliseconds in cpu.
				var cpu []float64
				runs := func(n int) ([]float64, error) {
					var ms []float64
					for i := 0; i < n; i++ {
						t0, c0 := time.Now(), procstat.CPUSeconds()
						if _, err := s.Run(in); err != nil {
							return nil, err
						}
						ms = append(ms, float64(time.Since(t0).Microseconds())/1000)
						cpu = append(cpu, (procstat.CPUSeconds()-c0)*1000)
					}
					return ms, nil
				}
				warm, err := runs(cfg.Warmup + 1)
				if err != nil {
					return nil, err
				}
				// Fast models get more runs (minTimed of them, at most
				// maxRepeat): the median of ten sub-millisecond runs moves
				// with every hiccup of a shared machine.
				repeat := cfg.Repeat
				if last := warm[len(warm)-1]; last > 0 {
					repeat = max(repeat, min(maxRepeat, int(float64(minTimed.Milliseconds())/last)))
				}
				// Half of our timed runs before onnxruntime's and half after,
				// so that a machine drifting over the minute (shared hosts
				// do) biases neither side. Each half starts from a collected
				// heap, returned to the OS, so that earlier garbage (the
				// previous model's weights and workspaces, onnx-go's graph)
				// is not collected or scavenged while timing.
				debug.FreeOSMemory()
				cpu = cpu[:0]
				times, err := runs(repeat / 2)
				if err != nil {
					return nil, err
				}
				_, tm, err := ortrun.Run(path, in, th, cfg.Warmup, repeat)
				if err != nil {
					return nil, err
				}
				timedCPU := append([]float64{}, cpu...)
				if _, err := runs(cfg.Warmup); err != nil { // warm up again after the pause
					return nil, err
				}
				debug.FreeOSMemory()
				cpu = cpu[:0]
				rest, err := runs(repeat - repeat/2)
				if err != nil {
					return nil, err
				}
				times = append(times, rest...)
				timedCPU = append(timedCPU, cpu...)
				cb, wb := s.MemoryBytes()
				row := BenchRow{Model: name, Threads: th, Batch: b, NativeMS: median(times),
					NativeMB: float64(cb+wb) / (1 << 20)}
				row.ORTMS, row.ORTRSSMB = median(tm.TimesMS), tm.RSSMB
				row.NativeMinMS, row.ORTMinMS = minOf(times), minOf(tm.TimesMS)
				if row.ORTMS > 0 && row.ORTMinMS > 0 {
					row.Ratio = row.NativeMS / row.ORTMS
					row.MinRatio = row.NativeMinMS / row.ORTMinMS
				}
				row.NativeCPUMS, row.ORTCPUMS = median(timedCPU), median(tm.CPUMS)
				cpuCol := "-"
				if row.NativeCPUMS > 0 && row.ORTCPUMS > 0 {
					row.CPURatio = row.NativeCPUMS / row.ORTCPUMS
					cpuCol = fmt.Sprintf("%.2fx", row.CPURatio)
				}
				ogCol, ogRatio := "-", "-"
				switch {
				case og != nil && b == 1:
					var ot []float64
					ins := []*importer.Tensor{in[m.Inputs[0].Name]}
					for i := 0; i < min(3, cfg.Repeat)+1; i++ {
						t0 := time.Now()
						if _, err := og.Run(ins); err != nil {
							ogNote = err.Error()
							break
						}
						if i > 0 { // first run builds the VM
							ot = append(ot, float64(time.Since(t0).Microseconds())/1000)
						}
					}
					if len(ot) > 0 {
						row.OnnxGoMS = median(ot)
						ogCol = fmt.Sprintf("%.1f", row.OnnxGoMS)
						ogRatio = fmt.Sprintf("%.1fx", row.OnnxGoMS/row.NativeMS)
					} else {
						ogCol = "fails" // loads, but cannot run it (the note says why)
					}
				case og == nil && ogNote != "":
					ogCol = "no load"
				}
				row.OnnxGoNote = ogNote
				rep.Rows = append(rep.Rows, row)
				fmt.Fprintf(w, "%-10s %7d %5d %8.2f (%6.2f) %8.2f (%6.2f) %5.2fx (%5.2fx) %7.2f/%7.2f %8s %11s %9s %7.0fMB %7.0fMB\n",
					name, th, b, row.NativeMS, row.NativeMinMS, row.ORTMS, row.ORTMinMS, row.Ratio, row.MinRatio, row.NativeCPUMS, row.ORTCPUMS, cpuCol, ogCol, ogRatio, row.NativeMB, row.ORTRSSMB)
			}
		}
	}
	rep.GoMaxRSSMB = procstat.MaxRSSMB()
	withOG := ""
	if cfg.OnnxGo {
		withOG = ", onnx-go included"
	}
	fmt.Fprintf(w, "peak memory: Go process max RSS %.0f MB (all models%s); nat mem = session weights + workspace; ort rss = onnxruntime-node process RSS\n", rep.GoMaxRSSMB, withOG)
	for _, r := range rep.Rows {
		if r.OnnxGoNote != "" && r.OnnxGoMS == 0 && r.Batch == 1 && r.Threads == cfg.Threads[0] {
			fmt.Fprintf(w, "onnx-go on %s: %s\n", r.Model, r.OnnxGoNote)
		}
	}
	fmt.Fprintf(w, "BLAS: %s; %s\n", rep.BLAS, rep.Version)
	return rep, nil
}
