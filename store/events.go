package store

import (
	"encoding/binary"
	"errors"
	"math"
	"time"
)

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

// GobEncode packs a usage row by hand: gob leaves out a pointer to a zero
// value, which would turn a measured 0% feature adoption into "unknown".
func (u Usage) GobEncode() ([]byte, error) {
	b := make([]byte, 0, len(u.Account)+len(u.Day)+24)
	b = binary.AppendUvarint(b, uint64(len(u.Account)))
	b = append(b, u.Account...)
	b = binary.AppendUvarint(b, uint64(len(u.Day)))
	b = append(b, u.Day...)
	b = binary.AppendVarint(b, int64(u.Active))
	b = binary.AppendVarint(b, int64(u.Seats))
	if u.Adoption != nil {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(*u.Adoption))
	}
	return b, nil
}

// GobDecode unpacks what GobEncode packed.
func (u *Usage) GobDecode(b []byte) error {
	bad := errors.New("corrupt usage row")
	str := func() (string, bool) {
		n, w := binary.Uvarint(b)
		if w <= 0 || uint64(len(b)-w) < n {
			return "", false
		}
		s := string(b[w : w+int(n)])
		b = b[w+int(n):]
		return s, true
	}
	num := func() (int, bool) {
		v, w := binary.Varint(b)
		b = b[max(w, 0):]
		return int(v), w > 0
	}
	var ok [4]bool
	*u = Usage{}
	u.Account, ok[0] = str()
	u.Day, ok[1] = str()
	u.Active, ok[2] = num()
	u.Seats, ok[3] = num()
	if ok != [4]bool{true, true, true, true} {
		return bad
	}
	switch len(b) {
	case 0:
	case 8:
		v := math.Float64frombits(binary.LittleEndian.Uint64(b))
		u.Adoption = &v
	default:
		return bad
	}
	return nil
}
