// Command generate_and_train generates the default hierarchical concept
// (d=20, L=3, k=3), samples training and test data, trains the HNet
// progressively and layerwise, and prints the test error and the layer-2
// feature error after every stage: backward feature correction shows as
// e_2 falling under progressive training once layer 3 trains with it, and
// staying put under layerwise training.
//
//	go run -tags openblas ./examples/generate_and_train [-n 10000] [-steps 4000]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/train"
)

func main() {
	n := flag.Int("n", 10000, "training samples")
	steps := flag.Int("steps", 4000, "training steps per stage")
	flag.Parse()
	if err := run(os.Stdout, *n, *steps); err != nil {
		log.Fatal(err)
	}
}

func run(w io.Writer, n, steps int) error {
	c, err := concept.New(concept.DefaultSpec())
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "concept:", c.Summary())
	trainSet, err := c.Sample(n, 2)
	if err != nil {
		return err
	}
	testSet, err := c.Sample(5000, 3)
	if err != nil {
		return err
	}
	for _, mode := range []string{train.ModeProgressive, train.ModeLayerwise} {
		cfg := train.DefaultConfig()
		cfg.Mode = mode
		cfg.StepsPerStage = steps
		res, err := train.Run(context.Background(), cfg, trainSet, testSet, train.Options{})
		if err != nil {
			return err
		}
		for _, st := range res.Metrics.Stages {
			fmt.Fprintf(w, "%-11s after stage %d: test rel. MSE %.3g, e_2 %.3g\n",
				mode, st.Layer, *st.TestRelMSE, st.FeatureError[2])
		}
	}
	return nil
}
