package compare

import (
	"encoding/json"
	"os"
	"path/filepath"
)

func readPlan(dir string) (Plan, error) {
	b, err := os.ReadFile(filepath.Join(dir, "plan.json"))
	if err != nil {
		return Plan{}, err
	}
	var p Plan
	err = json.Unmarshal(b, &p)
	return p, err
}

func jsonLine(r Result) ([]byte, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
