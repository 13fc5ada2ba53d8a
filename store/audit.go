package store

import (
	"context"
	"fmt"
	"time"
)

// Actor is who makes a change: a member from chat or a button, or a
// process (the API, an import, the scheduler) by name.
type Actor struct {
	// Name is the member's id, or the process's name ("api", "import",
	// "scheduler").
	Name string `bson:"name" json:"name"`
	// Platform and Channel say where a chat change came from, when known;
	// ChannelName is the channel's name then, when the platform sent it.
	Platform    string `bson:"platform,omitempty" json:"platform,omitempty"`
	Channel     string `bson:"channel,omitempty" json:"channel,omitempty"`
	ChannelName string `bson:"channel_name,omitempty" json:"channel_name,omitempty"`
}

type actorKey struct{}

// WithActor returns ctx carrying who makes the changes done with it.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorOf is the actor ctx carries; "unknown" when none was set, so a
// change from a path nobody named still leaves a trace.
func ActorOf(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok && a.Name != "" {
		return a
	}
	return Actor{Name: "unknown"}
}

// Kinds of document an audit entry is about.
const (
	AuditAccount   = "account"
	AuditMember    = "member"
	AuditTeam      = "team"
	AuditChecklist = "checklist"
)

// AuditRecord records one change: who made it, when, to what, and the
// fields it changed before and after. Its ID, "<kind>/<id>/<version>",
// is the version the change wrote, so recording it twice is harmless.
type AuditRecord struct {
	ID      string        `bson:"_id" json:"id"`
	Kind    string        `bson:"kind" json:"kind"`
	Subject string        `bson:"subject" json:"subject"`
	Version int64         `bson:"version" json:"version"`
	Actor   Actor         `bson:"actor" json:"actor"`
	At      time.Time     `bson:"at" json:"at"`
	Changes []FieldChange `bson:"changes" json:"changes"`
}

// FieldChange is one field of a change, its values as extended JSON.
type FieldChange struct {
	Field  string `bson:"field" json:"field"`
	Before string `bson:"before,omitempty" json:"before,omitempty"`
	After  string `bson:"after,omitempty" json:"after,omitempty"`
}

// AuditID is the key of the entry of a document's version.
func AuditID(kind, id string, version int64) string {
	return fmt.Sprintf("%s/%s/%d", kind, id, version)
}
