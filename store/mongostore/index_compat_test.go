package mongostore_test

import (
	"bytes"
	"context"
	"encoding/gob"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/storetest"
)

// Index rows written before risks kept their facts carry an English
// reason only: they still read, with the reason, until a refresh rewrites
// them.
func TestIndexReadsRowsWithReasonsOnly(t *testing.T) {
	type oldRisk struct{ Rule, Reason string }
	type oldRow struct {
		Slug, Name string
		Score      int
		Risks      []oldRisk
	}
	var buf bytes.Buffer
	old := []oldRow{{Slug: "acme", Name: "Acme Corp", Score: 31, Risks: []oldRisk{{Rule: "red-band", Reason: "health 31 is in the red band (below 40)"}}}}
	if err := gob.NewEncoder(&buf).Encode(old); err != nil {
		t.Fatal(err)
	}
	s := storetest.Open(t)
	ctx := context.Background()
	if err := s.PutShardForTest(ctx, 7, buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	rows, err := s.AccountRows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.AccountRow{{Slug: "acme", Name: "Acme Corp", Score: 31, Risks: []store.Risk{{Rule: "red-band", Reason: "health 31 is in the red band (below 40)"}}}}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}
