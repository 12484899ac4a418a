package event

import (
	"encoding/json"
	"fmt"
	"reflect"
)

// decodeLegacy maps an event written before typed payloads (schema 0) to
// its payload. Those events' Data is the map the services built with
// encoding/json, public and personal keys together. The field tags of
// every schema-1 type are exactly the keys of those maps, so the mapping
// is by key; a key no field has is an error, not silently dropped, so an
// old event never loses data on its way into the log. A key the map
// lacks (an older or shorter shape of the same type, such as a
// single-browser sign-out) leaves the field at its zero value.
//
// Rows that stay legacy, rather than being rewritten by a migration:
// rewriting them would need this Go mapping inside a SQL migration, and
// would change the bytes of rows a backup or an operator's export may
// already hold. Mapping on read gives the log the same canonical bytes.
func decodeLegacy(c *codec, data []byte) (Payload, error) {
	v := reflect.New(c.typ).Elem()
	if len(data) > 0 {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("legacy %s: %w", c.typ.Name(), err)
		}
		fields := map[string]field{}
		for _, f := range c.public {
			fields[f.key] = f
		}
		for _, f := range c.personal {
			fields[f.key] = f
		}
		for key, raw := range m {
			f, ok := fields[key]
			if !ok {
				return nil, fmt.Errorf("legacy %s: no field for key %q", c.typ.Name(), key)
			}
			if string(raw) == "null" {
				continue
			}
			if err := decodeField(v.Field(f.index), f, raw, true); err != nil {
				return nil, fmt.Errorf("legacy %s %q: %w", c.typ.Name(), key, err)
			}
		}
	}
	return v.Interface().(Payload), nil
}
