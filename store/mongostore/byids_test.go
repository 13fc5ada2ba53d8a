package mongostore

import (
	"context"
	"crypto/rand"
	"log/slog"
	"os"
	"slices"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/csbot/csbot/store"
)

// byIDs must read the same documents whichever way the server is asked:
// one $in query or one query per _id.
func TestByIDsReadsTheSameEitherWay(t *testing.T) {
	ctx := context.Background()
	uri := os.Getenv("MONGODB_URI")
	s, err := Open(ctx, Config{URI: uri, DataDir: t.TempDir(), Database: "byids_" + rand.Text()[:8], Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if uri != "" {
			_ = s.DropDatabase(ctx)
		}
		_ = s.Close(ctx)
	})
	if want := uri == ""; s.oneIDQueries != want {
		t.Fatalf("oneIDQueries = %v on %s, want %v (FerretDB v1 only)", s.oneIDQueries, s.Backend(), want)
	}
	if _, err := s.UpdateAccounts(ctx, []string{"acme", "globex", "initech"}, true, func(a *store.Account) error {
		a.Name = "Name of " + a.Slug
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	ids := []string{"initech", "nobody", "acme", "globex", "acme-2"}
	for _, oneByOne := range []bool{false, true} {
		s.oneIDQueries = oneByOne
		docs, err := s.byIDs(ctx, s.accounts, ids)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, d := range docs {
			var a store.Account
			if err := bson.Unmarshal(d, &a); err != nil {
				t.Fatal(err)
			}
			if a.Name != "Name of "+a.Slug {
				t.Errorf("one by one %v: %s read as %q", oneByOne, a.Slug, a.Name)
			}
			got = append(got, a.Slug)
		}
		slices.Sort(got)
		if want := []string{"acme", "globex", "initech"}; !slices.Equal(got, want) {
			t.Errorf("one by one %v: read %v, want %v", oneByOne, got, want)
		}
	}
}
