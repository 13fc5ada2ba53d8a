// Package storetest opens a real store for tests: the MongoDB server in
// MONGODB_URI when set (in a database of its own, dropped afterwards), else
// an embedded FerretDB in a temporary folder.
package storetest

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"os"
	"testing"

	"github.com/csbot/csbot/store/mongostore"
	"github.com/csbot/csbot/store/mongostore/embedded"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Config returns a store configuration private to t.
func Config(tb testing.TB) mongostore.Config {
	tb.Helper()
	return mongostore.Config{
		URI:      os.Getenv("MONGODB_URI"),
		DataDir:  tb.TempDir(),
		Database: "csbot_test_" + rand.Text()[:10],
		Logger:   slog.New(slog.DiscardHandler),
	}
}

// ExternalConfig is Config for a store csbot reaches as an outside server,
// as in production: the server in MONGODB_URI when set, else a FerretDB
// serving a temporary folder on its own, so the store keeps no caches and
// every read is a database command.
func ExternalConfig(tb testing.TB) mongostore.Config {
	tb.Helper()
	cfg := Config(tb)
	if cfg.URI != "" {
		return cfg
	}
	srv, err := embedded.Start(context.Background(), tb.TempDir(), slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatalf("start a store server: %v", err)
	}
	tb.Cleanup(srv.Stop)
	cfg.URI = srv.URI()
	// Create the collections and give them the _id lookup index csbot
	// gives its embedded store, without which FerretDB scans on every
	// read: a stand-in for a MongoDB server should not be slower than one.
	ctx := context.Background()
	st, err := mongostore.Open(ctx, cfg)
	if err != nil {
		tb.Fatalf("prepare the store server: %v", err)
	}
	if err := st.Close(ctx); err != nil {
		tb.Fatal(err)
	}
	if err := srv.IndexIDLookups(ctx, cfg.Database); err != nil {
		tb.Fatal(err)
	}
	return cfg
}

// Open opens a store private to t and closes (and on MongoDB drops) it at the end.
func Open(tb testing.TB) *mongostore.Store {
	tb.Helper()
	return OpenConfig(tb, Config(tb))
}

// OpenConfig opens a store with cfg and cleans it up at the end of the test.
func OpenConfig(tb testing.TB, cfg mongostore.Config) *mongostore.Store {
	tb.Helper()
	ctx := context.Background()
	s, err := mongostore.Open(ctx, cfg)
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(ctx); err != nil {
			tb.Errorf("close store: %v", err)
		}
		if cfg.URI != "" {
			drop(tb, cfg)
		}
	})
	return s
}

func drop(tb testing.TB, cfg mongostore.Config) {
	ctx := context.Background()
	c, err := mongo.Connect(options.Client().ApplyURI(cfg.URI))
	if err != nil {
		tb.Errorf("drop test database: %v", err)
		return
	}
	defer c.Disconnect(ctx)
	if err := c.Database(cfg.Database).Drop(ctx); err != nil {
		tb.Errorf("drop test database: %v", fmt.Errorf("%s: %w", cfg.Database, err))
	}
}
