package api_test

import (
	"os"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/csbot/csbot/bot/api"
	"github.com/csbot/csbot/store/ingest"
)

// TestOpenAPIMatchesHandler parses openapi.yaml and checks that it
// documents every endpoint the handler serves and no other, that every
// reference resolves, and that each item schema lists exactly the fields
// ingest takes for that kind, with the same required ones.
func TestOpenAPIMatchesHandler(t *testing.T) {
	data, err := os.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		t.Errorf("openapi = %q, want 3.1.x", v)
	}
	paths, _ := doc["paths"].(map[string]any)
	var documented []string
	for p := range paths {
		documented = append(documented, p)
	}
	var served []string
	for _, name := range api.Endpoints {
		served = append(served, "/"+name)
	}
	slices.Sort(documented)
	slices.Sort(served)
	if !slices.Equal(documented, served) {
		t.Errorf("documented paths %v, served %v", documented, served)
	}

	// Every $ref points at something.
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				if resolve(doc, ref) == nil {
					t.Errorf("$ref %s resolves to nothing", ref)
				}
			}
			for _, c := range v {
				walk(c)
			}
		case []any:
			for _, c := range v {
				walk(c)
			}
		}
	}
	walk(doc)

	for _, name := range api.Endpoints {
		kind, _, err := ingest.ParseKind(name)
		if err != nil {
			t.Fatal(err)
		}
		op, _ := resolve(doc, "#/paths/~1"+name+"/post").(map[string]any)
		if op == nil {
			t.Errorf("/%s: no post operation", name)
			continue
		}
		body, _ := op["requestBody"].(map[string]any)
		rb, _ := resolve(doc, body["$ref"].(string)).(map[string]any)
		schemaRef := rb["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)["$ref"].(string)
		item, _ := resolve(doc, schemaRef+"/properties/items/items").(map[string]any)
		if item == nil {
			t.Errorf("/%s: no item schema under %s", name, schemaRef)
			continue
		}
		props, _ := item["properties"].(map[string]any)
		var got []string
		for p := range props {
			got = append(got, p)
		}
		var gotRequired []string
		if req, ok := item["required"].([]any); ok {
			for _, r := range req {
				gotRequired = append(gotRequired, r.(string))
			}
		}
		var want, wantRequired []string
		for _, f := range ingest.Fields(kind) {
			want = append(want, f.Name)
			// responses' kind is required on /responses only; the schema is shared with the aliases.
			if f.Required {
				wantRequired = append(wantRequired, f.Name)
			}
		}
		for _, l := range [][]string{got, want, gotRequired, wantRequired} {
			slices.Sort(l)
		}
		if !slices.Equal(got, want) {
			t.Errorf("/%s item fields: documented %v, ingest takes %v", name, got, want)
		}
		if !slices.Equal(gotRequired, wantRequired) {
			t.Errorf("/%s required fields: documented %v, ingest requires %v", name, gotRequired, wantRequired)
		}
	}
}

// resolve follows a local JSON pointer such as #/components/schemas/ID.
func resolve(doc map[string]any, ref string) any {
	var cur any = doc
	for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	return cur
}
