package store

// Risk is one churn-risk rule that fired, with a reason a person can read.
type Risk struct {
	Rule   string
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
	Score   int
	Band    string
	Delta30 *int
	Risks   []Risk
	// Onboarding, for KPIs (YYYY-MM-DD, empty without milestones): when it
	// began, when its last milestone was due, and when the last was done
	// (empty while any is open).
	OnboardStart, OnboardLastDue, OnboardDone string
	// Version is the account's version the row was derived from: of two
	// writers of an account, the row of the later write stays in the index
	// whichever of them writes its row last.
	Version int64
}
