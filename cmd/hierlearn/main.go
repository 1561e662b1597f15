// Command hierlearn is the command-line interface of the hierlearn toolkit:
// generate hierarchical concept classes and datasets, train learners and
// kernel baselines, export and import ONNX models, and compare them.
//
//	hierlearn concept new -o c.json
//	hierlearn concept sample --concept c.json --n 10000 --seed 2 -o train.npz
//	hierlearn train --train train.npz --test test.npz -o runs/prog/
//	hierlearn export --run runs/prog -o prog.onnx
//
// Each subcommand lives in its own file and only parses flags and calls
// the library packages; it holds no logic of its own. Run
// `hierlearn --help` for the list of commands.
package main

import (
	"os"
)

func main() {
	if err := execute(newRootCmd()); err != nil {
		os.Exit(1)
	}
}
