package store

import "time"

// Risk is one churn-risk rule that fired, with the facts that made it fire:
// replies put them in words in the reader's language. Which facts each rule
// sets is in store/health (Config.Risks).
type Risk struct {
	Rule string
	// Score is the health score, or the NPS answer of a detractor.
	Score int
	// Limit is the threshold crossed: the red band's floor, the health a
	// renewal needs, the days a tier may go without a touch.
	Limit int
	// Days is the drop's window, the days to renewal, since the last
	// milestone done or since the last touch.
	Days int
	// Points is how far health fell.
	Points int
	// Date is the renewal day or the day of the NPS answer.
	Date time.Time
	// Milestone is the next milestone of a stalled onboarding.
	Milestone string
	Tier      Tier
	// Reason is the English reason of rows written before the facts were
	// kept (the index stores rows, gob-encoded): shown as it is until the
	// next health refresh rewrites the row. New rows leave it empty.
	Reason string
}

// AccountRow is the compact, precomputed line of an account that list views
// (a book, a risk list, name resolution) read. Rows are kept in 32 shard
// documents, so a list over 10,000 accounts reads 32 documents instead of
// decoding every account.
type AccountRow struct {
	Slug    string
	Name    string
	Tier    Tier
	Region  string
	Segment string
	Owner   string
	Team    string
	ARR     int64
	Renewal string
	Phase   Phase
	// Score is -1 when no component had data.
	Score int
	Band  string
	Risks []Risk
	// Onboarding, for KPIs (YYYY-MM-DD, empty without milestones): when it
	// began, when its last milestone was due, and when the last was done
	// (empty while any is open).
	OnboardStart, OnboardLastDue, OnboardDone string
	// Version is the account's version the row was derived from: of two
	// writers of an account, the row of the later write stays in the index
	// whichever of them writes its row last.
	Version int64
	// Sweep is what the reminder sweep needs of the account beyond the
	// fields above, so that it reads the index instead of every account
	// document (over 100,000 accounts, 50 s of the embedded store's CPU
	// against a few for the index). Nil in rows written before it was kept.
	Sweep *SweepFacts
}

// SweepFacts are the account's fields that the reminder sweep reads beyond
// its row, and the day the row's score and risks were worked out: the sweep
// takes them as the account's assessment on that day only.
type SweepFacts struct {
	Day                            string // YYYY-MM-DD, UTC
	PhaseStart, LastTouch, NPSDate time.Time
	Seats, ActiveUsers             int
	// NPS is -1 without an answer: gob leaves out a pointer to zero, so an
	// *int would read a 0 back as no answer.
	NPS int
	// Open are the milestones not done yet, the only ones reminders name.
	Open      []Milestone
	Playbooks []ActivePlaybook
}
