package importer

import (
	"encoding/binary"
	"fmt"
	"math"
	"sort"

	"google.golang.org/protobuf/proto"

	"github.com/hierlearn/hierlearn/internal/onnxpb"
)

// ReplaceInitializers returns the model file b with the float32
// initializers named in vals replaced (same shape; stored as raw_data in
// the file itself, also where the original lived in external data). The
// graph, opsets and metadata are unchanged. Every name must be a float32
// initializer of the file. meta entries are set in the model's
// metadata_props (replacing entries with the same key).
func ReplaceInitializers(b []byte, vals map[string]*Tensor, meta map[string]string) ([]byte, error) {
	mp, err := decode(b)
	if err != nil {
		return nil, fmt.Errorf("importer: %w", err)
	}
	done := map[string]bool{}
	for _, tp := range mp.GetGraph().GetInitializer() {
		t, ok := vals[tp.GetName()]
		if !ok {
			continue
		}
		if tp.GetDataType() != int32(onnxpb.TensorProto_FLOAT) {
			return nil, fmt.Errorf("importer: initializer %q is not float32", tp.GetName())
		}
		if t.DType != Float32 || len(t.Shape) != len(tp.GetDims()) || len(t.F) != numel(t.Shape) {
			return nil, fmt.Errorf("importer: new value %v for initializer %q of dims %v", t, tp.GetName(), tp.GetDims())
		}
		for i, d := range tp.GetDims() {
			if int64(t.Shape[i]) != d {
				return nil, fmt.Errorf("importer: new value %v for initializer %q of dims %v", t, tp.GetName(), tp.GetDims())
			}
		}
		raw := make([]byte, 4*len(t.F))
		for i, v := range t.F {
			binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
		}
		tp.RawData = raw
		tp.FloatData = nil
		tp.ExternalData = nil
		tp.DataLocation = nil
		done[tp.GetName()] = true
	}
	for name := range vals {
		if !done[name] {
			return nil, fmt.Errorf("importer: %q is not an initializer of the model file", name)
		}
	}
	keys := make([]string, 0, len(meta))
	for k := range meta {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		replaced := false
		for _, e := range mp.MetadataProps {
			if e.GetKey() == k {
				e.Value = proto.String(meta[k])
				replaced = true
			}
		}
		if !replaced {
			mp.MetadataProps = append(mp.MetadataProps, &onnxpb.StringStringEntryProto{Key: proto.String(k), Value: proto.String(meta[k])})
		}
	}
	out, err := proto.Marshal(mp)
	if err != nil {
		return nil, fmt.Errorf("importer: encoding the model: %w", err)
	}
	return out, nil
}
