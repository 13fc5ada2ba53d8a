// Package store holds csbot's domain: accounts, members, teams, touches,
// health history, checklists, outbox items and ledger events, with the
// rules that need no database. The MongoDB repository that keeps them is
// package mongostore; consumers depend on the small interfaces they need.
package store

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/csbot/csbot/internal/suggest"
)

// ErrNotFound is returned when a document does not exist.
var ErrNotFound = errors.New("store: not found")

// ErrNoChange, returned by the change function of a bulk update
// (UpdateAccounts, health.Engine.UpdateAll), leaves that account as it is
// (or uncreated) and writes the others: a check made on the very version
// being written, such as an import's, needs no read of its own.
var ErrNoChange = errors.New("store: leave this one unchanged")

// ErrUnavailable wraps failures to reach the database at all, so callers can
// tell an outage ("try again in a minute") from a bad request.
var ErrUnavailable = errors.New("store: database unreachable")

// Tier is the touch model an account is served by.
type Tier string

// The three touch tiers of docs/domain.md.
const (
	TierHigh Tier = "high"
	TierLow  Tier = "low"
	TierTech Tier = "tech"
)

// Tiers lists the valid tiers in order of attention.
var Tiers = []Tier{TierHigh, TierLow, TierTech}

// ParseTier accepts "high", "high touch", "high-touch" and the like.
func ParseTier(s string) (Tier, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(s, "touch"), "-"), " ")
	s = strings.TrimSpace(s)
	for _, t := range Tiers {
		if s == string(t) {
			return t, nil
		}
	}
	return "", fmt.Errorf("unknown tier %q: use high, low or tech", s)
}

// Phase is where a customer is in its lifecycle.
type Phase string

// Customer phases.
const (
	PhaseOnboarding Phase = "onboarding"
	PhaseAdoption   Phase = "adoption"
	PhaseExpansion  Phase = "expansion"
)

// ParsePhase validates a phase name.
func ParsePhase(s string) (Phase, error) {
	p := Phase(strings.ToLower(strings.TrimSpace(s)))
	switch p {
	case PhaseOnboarding, PhaseAdoption, PhaseExpansion:
		return p, nil
	}
	return "", fmt.Errorf("unknown phase %q: use onboarding, adoption or expansion", s)
}

// Milestone is one step of a customer phase, e.g. "Kickoff held".
type Milestone struct {
	Name string     `bson:"name" json:"name"`
	Due  time.Time  `bson:"due" json:"due"`
	Done *time.Time `bson:"done,omitempty" json:"done,omitempty"`
}

// Account is a customer. Its slug is the document _id, so every read of one
// account is a primary-key lookup.
type Account struct {
	Slug        string    `bson:"_id" json:"slug"`
	Name        string    `bson:"name" json:"name"`
	Tier        Tier      `bson:"tier" json:"tier"`
	Segment     string    `bson:"segment,omitempty" json:"segment,omitempty"`
	Region      string    `bson:"region,omitempty" json:"region,omitempty"`
	Industry    string    `bson:"industry,omitempty" json:"industry,omitempty"`
	ARR         int64     `bson:"arr" json:"arr"`
	Renewal     time.Time `bson:"renewal,omitempty" json:"renewal,omitzero"`
	Phase       Phase     `bson:"phase" json:"phase"`
	PhaseStart  time.Time `bson:"phase_start,omitempty" json:"phase_start,omitzero"`
	Owner       string    `bson:"owner,omitempty" json:"owner,omitempty"`
	Seats       int       `bson:"seats" json:"seats"`
	ActiveUsers int       `bson:"active_users" json:"active_users"`
	// FeatureAdoption is the share of key features in use, 0..1.
	FeatureAdoption *float64 `bson:"feature_adoption,omitempty" json:"feature_adoption,omitempty"`
	// NPS is the latest survey answer, 0..10, answered on NPSDate.
	NPS     *int      `bson:"nps,omitempty" json:"nps,omitempty"`
	NPSDate time.Time `bson:"nps_date,omitempty" json:"nps_date,omitzero"`
	CSAT    *float64  `bson:"csat,omitempty" json:"csat,omitempty"`
	// UsageDate and CSATDate say how fresh ActiveUsers/Seats/FeatureAdoption
	// and CSAT are; TicketsDate when the ticket counts were last derived.
	UsageDate   time.Time `bson:"usage_date,omitempty" json:"usage_date,omitzero"`
	CSATDate    time.Time `bson:"csat_date,omitempty" json:"csat_date,omitzero"`
	TicketsDate time.Time `bson:"tickets_date,omitempty" json:"tickets_date,omitzero"`
	// Churned is the day a cancellation ended the account; zero while a customer.
	Churned     time.Time   `bson:"churned,omitempty" json:"churned,omitzero"`
	OpenTickets *int        `bson:"open_tickets,omitempty" json:"open_tickets,omitempty"`
	Escalations int         `bson:"escalations,omitempty" json:"escalations,omitempty"`
	LastTouch   time.Time   `bson:"last_touch,omitempty" json:"last_touch,omitzero"`
	Milestones  []Milestone `bson:"milestones,omitempty" json:"milestones,omitempty"`
	// Playbooks are the playbooks someone started for this account.
	Playbooks []ActivePlaybook `bson:"playbooks,omitempty" json:"-"`
	History   History          `bson:"history" json:"-"`
	UpdatedAt time.Time        `bson:"updated_at" json:"-"`
	// Version counts writes: every write is a compare-and-swap on it, so a
	// change decided on an older copy is made again on the newer one
	// instead of overwriting it. A stored account has 1 or more; 0 is an
	// account not yet created (what a bulk update's change gets for one).
	Version int64 `bson:"version" json:"-"`
}

// ActivePlaybook is a playbook started for one account.
type ActivePlaybook struct {
	Name    string    `bson:"name"`
	Started time.Time `bson:"started"`
	By      string    `bson:"by"`
}

// Started reports when the named playbook was started for the account.
func (a Account) Started(playbook string) (time.Time, bool) {
	for _, p := range a.Playbooks {
		if p.Name == playbook {
			return p.Started, true
		}
	}
	return time.Time{}, false
}

// Role is what a member does in the CS organisation.
type Role string

// Roles, as docs/domain.md describes them.
const (
	RoleCSM     Role = "csm"
	RoleLead    Role = "lead"
	RoleExec    Role = "exec"
	RoleMentor  Role = "mentor"
	RoleNewHire Role = "newhire"
	RoleAdmin   Role = "admin"
	RoleOps     Role = "ops"
)

// Roles lists every valid role.
var Roles = []Role{RoleCSM, RoleLead, RoleExec, RoleMentor, RoleNewHire, RoleAdmin, RoleOps}

// ParseRole validates a role name.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if slices.Contains(Roles, r) {
		return r, nil
	}
	names := make([]string, len(Roles))
	for i, r := range Roles {
		names[i] = string(r)
	}
	return "", fmt.Errorf("unknown role %q: use one of %s", s, strings.Join(names, ", "))
}

// Member is one person of the CS organisation. Its ID doubles as the handle
// people type (`--as aiko`, `@aiko`).
type Member struct {
	ID     string `bson:"_id" json:"id"`
	Name   string `bson:"name" json:"name"`
	Roles  []Role `bson:"roles" json:"roles"`
	Team   string `bson:"team,omitempty" json:"team,omitempty"`
	Lead   string `bson:"lead,omitempty" json:"lead,omitempty"`
	Region string `bson:"region,omitempty" json:"region,omitempty"`
	TZ     string `bson:"tz,omitempty" json:"tz,omitempty"`
	Locale string `bson:"locale,omitempty" json:"locale,omitempty"`
	// Identities maps a chat platform to the member's user id there.
	Identities map[string]string `bson:"identities,omitempty" json:"identities,omitempty"`
	// Version counts writes (compare-and-swap, as Account.Version).
	Version int64 `bson:"version" json:"-"`
}

// Has reports whether the member holds any of the roles.
func (m Member) Has(roles ...Role) bool {
	for _, r := range roles {
		if slices.Contains(m.Roles, r) {
			return true
		}
	}
	return false
}

// CanAdminister reports whether the member may change teams, owners and members.
func (m Member) CanAdminister() bool { return m.Has(RoleAdmin, RoleLead) }

// Team is a group of CSMs under one lead.
type Team struct {
	ID      string `bson:"_id" json:"id"`
	Name    string `bson:"name" json:"name"`
	Lead    string `bson:"lead,omitempty" json:"lead,omitempty"`
	Region  string `bson:"region,omitempty" json:"region,omitempty"`
	Segment string `bson:"segment,omitempty" json:"segment,omitempty"`
	// TeamsWebhook is the team's Microsoft Teams Workflows webhook URL, where
	// csbot posts its digests and reminders. Its sig parameter is a secret:
	// never log it or show it.
	TeamsWebhook string `bson:"teams_webhook,omitempty" json:"-"`
	// TeamsChannel is the id of the Teams channel the Workflows webhook
	// posts into (19:...@thread.tacv2), when the admin who set it said: the
	// posts then follow that channel's mark (`/cs channel internal`).
	TeamsChannel string `bson:"teams_channel,omitempty" json:"teams_channel,omitempty"`
	// Version counts writes (compare-and-swap, as Account.Version).
	Version int64 `bson:"version" json:"-"`
}

// TouchKinds are the kinds of touch a timeline entry can be; a note that
// starts with one of these words is logged as that kind.
var TouchKinds = []string{"call", "meeting", "email", "qbr", "visit", "demo", "note"}

// Touch is one entry of an account's timeline.
type Touch struct {
	ID      string    `bson:"_id"`
	Account string    `bson:"account"`
	Kind    string    `bson:"kind"`
	Author  string    `bson:"author"`
	Text    string    `bson:"text"`
	At      time.Time `bson:"at"`
}

// Snapshot is an account's health on one day, keyed "<slug>/<YYYY-MM-DD>".
type Snapshot struct {
	ID         string         `bson:"_id"`
	Account    string         `bson:"account"`
	Date       string         `bson:"date"`
	Score      int            `bson:"score"`
	Band       string         `bson:"band"`
	Components map[string]int `bson:"components,omitempty"`
	// Weights is the version of the health weights that made the score
	// (health.Config.Version): scores of different versions don't compare.
	Weights string `bson:"weights,omitempty"`
}

// SnapshotID is the key of an account's snapshot for a day.
func SnapshotID(slug string, day time.Time) string { return slug + "/" + Day(day) }

// Day formats t as a calendar date in UTC.
func Day(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// HistoryDays bounds the health history kept inside an account.
const HistoryDays = 90

// History is an account's recent daily scores, oldest first, ending on End.
// It is packed into one string because the embedded store decodes arrays
// slowly and `/cs health` reads it on every call.
type History struct {
	End    string `bson:"end,omitempty"`
	Scores string `bson:"scores,omitempty"`
	// Weights is the version of the health weights that made the scores;
	// empty for a history kept from before versions were recorded.
	Weights string `bson:"weights,omitempty"`
	// Restarted is the day a change of weights started this history over,
	// dropping the scores of the old weights.
	Restarted string `bson:"restarted,omitempty"`
}

// Values returns the scores oldest first; -1 marks a day without a score.
func (h History) Values() []int {
	if h.Scores == "" {
		return nil
	}
	parts := strings.Split(h.Scores, ",")
	out := make([]int, len(parts))
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil {
			v = -1
		}
		out[i] = v
	}
	return out
}

// At returns the score recorded on the given day.
func (h History) At(day time.Time) (int, bool) {
	v := h.Days(day, 1)[0]
	return v, v >= 0
}

// Days returns the n daily scores ending on end's day, oldest first; -1
// marks a day without a score. It parses the history once, so a trend
// costs one pass however many days it shows.
func (h History) Days(end time.Time, n int) []int {
	out := slices.Repeat([]int{-1}, n)
	last, err := time.Parse(time.DateOnly, h.End)
	if err != nil {
		return out
	}
	vals := h.Values()
	shift := int(last.Sub(UTCDay(end)).Hours() / 24) // days the last entry lies after end
	for j := range out {
		back := n - 1 - j + shift // days before the history's last day
		if i := len(vals) - 1 - back; back >= 0 && i >= 0 {
			out[j] = vals[i]
		}
	}
	return out
}

// Record sets the score for a day, keeping at most HistoryDays entries and
// the weights version. Recording a day older than the window is ignored.
func (h History) Record(day time.Time, score int) History {
	day = UTCDay(day)
	vals := h.Values()
	end, err := time.Parse(time.DateOnly, h.End)
	if err != nil || len(vals) == 0 {
		end, vals = day, []int{-1}
	}
	if gap := int(day.Sub(end).Hours() / 24); gap > 0 {
		for range gap {
			vals = append(vals, -1)
		}
		end = day
	}
	i := len(vals) - 1 - int(end.Sub(day).Hours()/24)
	if i < 0 {
		if len(vals)-i > HistoryDays {
			return h
		}
		vals = append(slices.Repeat([]int{-1}, -i), vals...)
		i = 0
	}
	vals[i] = score
	if len(vals) > HistoryDays {
		vals = vals[len(vals)-HistoryDays:]
	}
	var b strings.Builder
	for i, v := range vals {
		if i > 0 {
			b.WriteByte(',')
		}
		if v >= 0 {
			b.WriteString(strconv.Itoa(v))
		}
	}
	return History{End: Day(end), Scores: b.String(), Weights: h.Weights, Restarted: h.Restarted}
}

// DaysBetween counts calendar days (UTC) from a to b, negative when a is
// later, so "renews in 30 days" means the same thing all day long.
func DaysBetween(a, b time.Time) int {
	return int(math.Round(UTCDay(b).Sub(UTCDay(a)).Hours() / 24))
}

// UTCDay is the start of t's calendar day in UTC: csbot counts days in UTC.
func UTCDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// MaxSlug bounds account slugs and member ids, in bytes: a Japanese
// character takes three, so a slug holds 21 of them. Ids built from slugs
// (Discord's custom_id, 100 bytes at most) stay within their limits.
const MaxSlug = 64

// Slugify turns a name into a slug: the name folded (suggest.Fold: NFKC,
// lower case), its letters and digits, in any script, kept and every other
// run of characters one '-', so "Sakura Logistics" is sakura-logistics,
// "ＳＡＫＵＲＡ" is sakura and "さくら物流 東京" is さくら物流-東京. It is
// cut to MaxSlug bytes on a character boundary, and is "" when nothing is
// left (a name of punctuation only).
func Slugify(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range suggest.Fold(name) {
		if !slugRune(r) {
			dash = true
			continue
		}
		if dash && b.Len() > 0 {
			if b.Len()+1+utf8.RuneLen(r) > MaxSlug {
				break
			}
			b.WriteByte('-')
		}
		if b.Len()+utf8.RuneLen(r) > MaxSlug {
			break
		}
		dash = false
		b.WriteRune(r)
	}
	return b.String()
}

// slugRune is a character a slug keeps: a letter, a digit or a mark (the
// vowel signs of Indic scripts; NFKC has already composed Japanese voiced
// kana such as ｶﾞ into ガ).
func slugRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// ValidSlug reports whether s is a slug as Slugify writes them: 1 to
// MaxSlug bytes of folded letters, digits and marks, with single '-'
// between words. Older slugs with "--" in them stay valid.
func ValidSlug(s string) bool {
	if s == "" || len(s) > MaxSlug || s[0] == '-' || s[len(s)-1] == '-' || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r != '-' && !slugRune(r) {
			return false
		}
	}
	return suggest.Fold(s) == s
}

// Clone copies the member's roles and chat links, so changing the copy
// leaves the original alone.
func (m Member) Clone() Member {
	m.Roles = slices.Clone(m.Roles)
	m.Identities = maps.Clone(m.Identities)
	return m
}

// PendingAccount is an account waiting to be applied. Seq tells a later
// change of the same account from the one being applied.
type PendingAccount struct {
	Account Account
	Seq     int64
}

// ErrIdentityTaken is returned when a chat user is already linked to another member.
var ErrIdentityTaken = errors.New("store: chat identity already linked to another member")

// IdentityTakenError says which chat user is linked to whom, for a reply
// that names them; it is an ErrIdentityTaken.
type IdentityTakenError struct {
	Platform, User string
	// Member is the member being linked, Holder the one linked already.
	Member, Holder string
}

func (e *IdentityTakenError) Error() string {
	return fmt.Sprintf("link %s user %s to %s: %v (it belongs to %s)", e.Platform, e.User, e.Member, ErrIdentityTaken, e.Holder)
}

func (e *IdentityTakenError) Unwrap() error { return ErrIdentityTaken }

// Clone copies everything of an account a caller could change in place:
// the milestones and the values behind pointers.
func (a Account) Clone() Account {
	a.Playbooks = slices.Clone(a.Playbooks)
	a.Milestones = slices.Clone(a.Milestones)
	for i, m := range a.Milestones {
		a.Milestones[i].Done = clonePtr(m.Done)
	}
	a.FeatureAdoption, a.NPS, a.CSAT, a.OpenTickets = clonePtr(a.FeatureAdoption), clonePtr(a.NPS), clonePtr(a.CSAT), clonePtr(a.OpenTickets)
	return a
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// Later is the later of two times.
func Later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// Earlier is the earlier of two times.
func Earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
