// Package schemacheck validates SBOM documents against the official JSON
// schemas, shipped here as files: CycloneDX 1.6 (bom-1.6.schema.json with
// the spdx.schema.json licence list and jsf-0.82.schema.json it refers
// to, as CycloneDX/cyclonedx-go v0.12.0 ships them) and SPDX 2.3
// (spdx-spec's schemas/spdx-schema.json on its support/2.3 branch). It is
// imported only by tests.
package schemacheck

import (
	"bytes"
	"embed"
	"fmt"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

//go:embed schema/*.json
var files embed.FS

var resources = map[string]string{
	"http://cyclonedx.org/schema/bom-1.6.schema.json":  "schema/bom-1.6.schema.json",
	"http://cyclonedx.org/schema/spdx.schema.json":     "schema/spdx.schema.json",
	"http://cyclonedx.org/schema/jsf-0.82.schema.json": "schema/jsf-0.82.schema.json",
	"http://spdx.org/rdf/terms/2.3":                    "schema/spdx-2.3.schema.json",
}

var (
	once     sync.Once
	compiled map[string]*jsonschema.Schema
	compErr  error
)

func compile() {
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	for url, f := range resources {
		b, err := files.ReadFile(f)
		if err != nil {
			compErr = err
			return
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			compErr = fmt.Errorf("%s: %w", f, err)
			return
		}
		if err := c.AddResource(url, doc); err != nil {
			compErr = err
			return
		}
	}
	compiled = map[string]*jsonschema.Schema{}
	for format, url := range map[string]string{"cyclonedx": "http://cyclonedx.org/schema/bom-1.6.schema.json", "spdx": "http://spdx.org/rdf/terms/2.3"} {
		s, err := c.Compile(url)
		if err != nil {
			compErr = fmt.Errorf("compile %s: %w", url, err)
			return
		}
		compiled[format] = s
	}
}

// Validate checks doc ("cyclonedx" or "spdx") against its official schema.
func Validate(format string, doc []byte) error {
	once.Do(compile)
	if compErr != nil {
		return compErr
	}
	s := compiled[format]
	if s == nil {
		return fmt.Errorf("no schema for %q", format)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return err
	}
	return s.Validate(inst)
}
