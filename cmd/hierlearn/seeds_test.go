package main

import (
	"reflect"
	"testing"
)

func TestParseSeeds(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []uint64
	}{
		{"1", []uint64{1}},
		{"1,2,3", []uint64{1, 2, 3}},
		{"1-10", []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}},
		{"3, 5-7,9", []uint64{3, 5, 6, 7, 9}},
		{"4-4", []uint64{4}},
	} {
		got, err := parseSeeds(c.in)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("parseSeeds(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "a", "1,,2", "5-3", "1-", "-2", "1-2-3", "0-99999999", "1.5"} {
		if got, err := parseSeeds(bad); err == nil {
			t.Errorf("parseSeeds(%q) = %v, want an error", bad, got)
		}
	}
}
