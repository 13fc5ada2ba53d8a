package mongostore_test

import (
	"context"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/csbot/csbot/store/storetest"
)

// Accounts written before versions were kept (no version, or the 0 an
// older csbot gave them) read as stored, version 1, once a store on an
// outside server opens: version 0 means an account not yet created.
func TestOpenVersionsOldAccounts(t *testing.T) {
	ctx := context.Background()
	cfg := storetest.ExternalConfig(t)
	c, err := mongo.Connect(options.Client().ApplyURI(cfg.URI))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Disconnect(ctx) })
	raw := c.Database(cfg.Database).Collection("accounts")
	if _, err := raw.InsertMany(ctx, []any{
		bson.D{{Key: "_id", Value: "none"}, {Key: "name", Value: "No version"}},
		bson.D{{Key: "_id", Value: "zero"}, {Key: "name", Value: "Version 0"}, {Key: "version", Value: 0}},
		bson.D{{Key: "_id", Value: "five"}, {Key: "name", Value: "Version 5"}, {Key: "version", Value: 5}},
	}); err != nil {
		t.Fatal(err)
	}
	s := storetest.OpenConfig(t, cfg) // closes it and drops the database
	for slug, want := range map[string]int64{"none": 1, "zero": 1, "five": 5} {
		a, err := s.Account(ctx, slug)
		if err != nil || a.Version != want {
			t.Errorf("%s: version %d, %v; want %d", slug, a.Version, err, want)
		}
	}
}
