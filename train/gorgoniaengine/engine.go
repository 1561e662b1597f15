package gorgoniaengine

import "github.com/hierlearn/hierlearn/train"

// Name is the engine's name in train.Config.Engine and on the command line.
const Name = "gorgonia"

// Engine is the gorgonia engine, for train.RegisterEngine.
func Engine() train.Engine {
	return train.Engine{Name: Name, Float32: stage[float32], Float64: stage[float64]}
}

// Register registers Engine with train.
func Register() { train.RegisterEngine(Engine()) }

func stage[T train.Float](net train.HNetState[T], n, top, lo int, task string) (train.StageGrad[T], error) {
	return newHNetGraph(net, n, top, lo, task)
}
