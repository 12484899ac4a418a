package reportapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/quote"
)

// decodeStrict decodes one JSON object into v, refusing what another
// parser could read differently: a key given twice (Go keeps the last,
// others the first), a key v has no field for (a misspelt "reason"
// must not become a report without one), and anything after the value.
func decodeStrict(body []byte, v any) error {
	if err := noDuplicateKeys(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return core.Errorf(core.KindInvalid, "malformed JSON at byte %d: %v", se.Offset, se)
		case errors.As(err, &te):
			return core.Errorf(core.KindInvalid, "malformed request: %s must not be a JSON %s", quote.Untrusted(te.Field), te.Value)
		case errors.Is(err, io.EOF):
			return core.Errorf(core.KindInvalid, "the request has no JSON body")
		}
		return core.Errorf(core.KindInvalid, "malformed request: %s", quote.Untrusted(err.Error()))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return core.Errorf(core.KindInvalid, "malformed request: something follows the JSON object")
	}
	return nil
}

// noDuplicateKeys walks the tokens of body and refuses an object that
// names a key twice.
func noDuplicateKeys(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	type frame struct {
		object bool
		keys   map[string]bool
		key    bool // the next string token is a key
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return nil // the decoder reports syntax errors with their offset
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.object && top.key {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				if len(stack) > 0 && stack[len(stack)-1].object {
					stack[len(stack)-1].key = true
				}
				continue
			}
			k, _ := tok.(string)
			if top.keys[k] {
				return core.Errorf(core.KindInvalid, "malformed request: the key %s appears twice in one object", quote.Untrusted(k))
			}
			top.keys[k] = true
			top.key = false
			continue
		}
		switch d, _ := tok.(json.Delim); d {
		case '{':
			stack = append(stack, &frame{object: true, keys: map[string]bool{}, key: true})
			continue
		case '[':
			stack = append(stack, &frame{})
			continue
		case ']':
			stack = stack[:len(stack)-1]
		}
		// A value ended: the enclosing object expects a key next.
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].key = true
		}
	}
}
