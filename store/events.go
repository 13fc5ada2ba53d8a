package store

import "time"

// The event kinds csbot ingests from analytics, survey, support and CRM
// tools. Each carries a client-supplied id or a natural key, so re-sending
// the same batch changes nothing. They are the source of truth that KPIs and
// the account fields health reads (ActiveUsers, NPS, OpenTickets...) are
// computed from.

// Usage is one account's product usage on one day; its key is account/day.
type Usage struct {
	Account string `bson:"account" json:"account"`
	Day     string `bson:"day" json:"day"` // YYYY-MM-DD
	Active  int    `bson:"active" json:"active_users"`
	Seats   int    `bson:"seats" json:"seats"`
	// Adoption is the share of key features in use, 0..1, when known.
	Adoption *float64 `bson:"adoption,omitempty" json:"feature_adoption,omitempty"`
}

// Key is the usage row's natural key.
func (u Usage) Key() string { return u.Account + "/" + u.Day }

// Survey kinds.
const (
	SurveyNPS  = "nps"
	SurveyCSAT = "csat"
)

// Response is one survey answer: NPS 0..10 or CSAT 1..5.
type Response struct {
	ID      string    `bson:"id" json:"id"`
	Account string    `bson:"account" json:"account"`
	Kind    string    `bson:"kind" json:"kind"`
	Score   float64   `bson:"score" json:"score"`
	At      time.Time `bson:"at" json:"at"`
}

// Ticket is one support ticket as last reported by the support tool.
type Ticket struct {
	ID        string     `bson:"id" json:"id"`
	Account   string     `bson:"account" json:"account"`
	Opened    time.Time  `bson:"opened" json:"opened"`
	Closed    *time.Time `bson:"closed,omitempty" json:"closed,omitempty"`
	Escalated bool       `bson:"escalated,omitempty" json:"escalated,omitempty"`
}

// Revenue event types.
const (
	RevenueNew          = "new"
	RevenueRenewal      = "renewal"
	RevenueExpansion    = "expansion"
	RevenueContraction  = "contraction"
	RevenueCancellation = "cancellation"
	// RevenueBase is written by csbot, not sent: the ARR an account had
	// before its first revenue event, dated at the zero time so it comes
	// first. ARR is then always the base plus the events.
	RevenueBase = "base"
)

// RevenueEvent is a change of an account's recurring revenue. ARR is the
// amount concerned, never negative: the new or renewed ARR, the ARR added
// by an expansion, removed by a contraction or lost by a cancellation.
type RevenueEvent struct {
	ID      string    `bson:"id" json:"id"`
	Account string    `bson:"account" json:"account"`
	Type    string    `bson:"type" json:"type"`
	ARR     int64     `bson:"arr" json:"arr"`
	At      time.Time `bson:"at" json:"at"`
}
