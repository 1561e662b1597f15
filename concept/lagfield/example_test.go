package lagfield_test

import (
	"fmt"

	"github.com/hierlearn/hierlearn/concept/lagfield"
)

func Example() {
	s := lagfield.DefaultSpec()
	ds, err := s.Sample(10, 1)
	if err != nil {
		panic(err)
	}
	p := lagfield.Point{R: 8, C: 8}
	pr, _ := s.Aggregate(s.Truth(p), p)
	fmt.Println("x per example", ds.Shape, "y per example", ds.YShape)
	fmt.Printf("lag profile / lag 0: %.3f\n", []float64{pr.Lag[1] / pr.Lag[0], pr.Lag[2] / pr.Lag[0]})
	// Output:
	// x per example [18 16 16] y per example [1 16 16]
	// lag profile / lag 0: [0.607 0.368]
}
