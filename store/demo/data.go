package demo

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"time"

	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/health"
)

// seed fixes the random numbers; each account draws from its own stream
// (seed, hash of its slug), so editing one account leaves the others alone.
const seed = 0xC5B07

// Milestone names and when each is due, in days after onboarding starts.
var onboardingPlan = []struct {
	name string
	days int
}{
	{"Kickoff held", 3},
	{"Admin configured", 10},
	{"Data imported", 20},
	{"First value reached", 30},
	{"Training done", 40},
}

// profile is the story an account tells; it sets the ranges its data is
// drawn from and the shape of its history.
type profile int

const (
	healthy    profile = iota // green, nothing fires
	watch                     // yellow, nothing fires
	red                       // red band
	dropping                  // fell 20+ points over the last 30 days
	dropGreen                 // fell 20+ points but is still green
	renewing                  // renews within 90 days with health below 60
	untouched                 // no touch for longer than the tier allows
	detractor                 // NPS 0-6 answered in the last 30 days
	onboarding                // onboarding on plan
	stalled                   // onboarding with no milestone done for 14+ days
)

type spec struct {
	name, industry, region string
	tier                   store.Tier
	owner                  string
	p                      profile
	// renewIn overrides the profile's renewal, in days from today.
	renewIn int
}

// Owners follow the teams: enterprise CSMs (emma, ren) hold most high-touch
// accounts; Tokyo CSMs (kenji, yui, sora) hold Tokyo and Nagoya, Osaka CSMs
// (takumi, rina, shota) hold Osaka and Kyushu.
var specs = []spec{
	// High touch.
	{"Sakura Logistics", "Logistics", "Tokyo", store.TierHigh, "emma", healthy, 0},
	{"Fujimoto Heavy Industries", "Manufacturing", "Nagoya", store.TierHigh, "ren", dropGreen, 0},
	{"Kansai Mutual Bank", "Financial services", "Osaka", store.TierHigh, "ren", renewing, 0},
	{"Nishikawa Pharma", "Pharmaceuticals", "Osaka", store.TierHigh, "emma", untouched, 0},
	{"Aozora Telecom", "Telecommunications", "Tokyo", store.TierHigh, "emma", healthy, 0},
	{"Hokuto Motors", "Automotive", "Nagoya", store.TierHigh, "ren", onboarding, 0},
	{"Tenjin Retail Group", "Retail", "Kyushu", store.TierHigh, "takumi", red, 38},
	{"Meridian Insurance Japan", "Insurance", "Tokyo", store.TierHigh, "emma", detractor, 0},
	{"Kitsune Games", "Games", "Tokyo", store.TierHigh, "yui", stalled, 0},
	{"Yamato Energy", "Energy", "Kyushu", store.TierHigh, "ren", healthy, 0},
	// Low touch.
	{"Kumo Robotics", "Robotics", "Nagoya", store.TierLow, "kenji", healthy, 0},
	{"Hikari Clinics", "Healthcare", "Tokyo", store.TierLow, "yui", healthy, 0},
	{"Midori Foods", "Food and beverage", "Osaka", store.TierLow, "rina", dropping, 0},
	{"Tsubame Travel", "Travel", "Kyushu", store.TierLow, "shota", healthy, 0},
	{"Koi Analytics", "Software", "Tokyo", store.TierLow, "sora", renewing, 0},
	{"Umi Shipping", "Logistics", "Kyushu", store.TierLow, "takumi", untouched, 0},
	{"Sumire Cosmetics", "Consumer goods", "Osaka", store.TierLow, "rina", healthy, 0},
	{"Ginga Education", "Education", "Tokyo", store.TierLow, "kenji", onboarding, 0},
	{"Kawase Construction", "Construction", "Nagoya", store.TierLow, "sora", watch, 0},
	{"Bluefin Payments", "Fintech", "Tokyo", store.TierLow, "yui", detractor, 0},
	{"Asahi Print Works", "Printing", "Osaka", store.TierLow, "shota", red, 0},
	{"Hinode Hotels", "Hospitality", "Kyushu", store.TierLow, "takumi", healthy, 0},
	{"Chubu Precision Tools", "Manufacturing", "Nagoya", store.TierLow, "kenji", dropping, 0},
	{"Shinkai Marine", "Marine", "Osaka", store.TierLow, "rina", renewing, 0},
	{"Tamago Kitchen", "Restaurants", "Tokyo", store.TierLow, "sora", healthy, 0},
	{"Northwind Trading KK", "Wholesale", "Tokyo", store.TierLow, "yui", untouched, 0},
	{"Hakata Mobility", "Transport", "Kyushu", store.TierLow, "shota", onboarding, 0},
	{"Ishida Legal", "Legal services", "Osaka", store.TierLow, "takumi", stalled, 0},
	{"Nagoya Castle Realty", "Real estate", "Nagoya", store.TierLow, "kenji", healthy, 0},
	{"Sakae Fitness", "Fitness", "Nagoya", store.TierLow, "sora", healthy, 0},
	// Tech touch.
	{"Komorebi Design", "Design", "Tokyo", store.TierTech, "sora", healthy, 0},
	{"Mochi Labs", "Software", "Tokyo", store.TierTech, "yui", healthy, 0},
	{"Neko Books", "Publishing", "Osaka", store.TierTech, "rina", healthy, 0},
	{"Tanuki Brewing", "Food and beverage", "Kyushu", store.TierTech, "shota", red, 0},
	{"Hoshi Dental", "Healthcare", "Nagoya", store.TierTech, "kenji", healthy, 0},
	{"Kaze Surf Supply", "Retail", "Kyushu", store.TierTech, "shota", healthy, 0},
	{"Pixel Onsen", "Games", "Tokyo", store.TierTech, "sora", dropping, 0},
	{"Yuzu Florist", "Retail", "Osaka", store.TierTech, "takumi", healthy, 0},
	{"Tsuki Accounting", "Accounting", "Tokyo", store.TierTech, "kenji", renewing, 0},
	{"Origami Apps", "Software", "Tokyo", store.TierTech, "yui", onboarding, 0},
	{"Kinoko Farms", "Agriculture", "Kyushu", store.TierTech, "takumi", healthy, 0},
	{"Hanabi Events", "Events", "Osaka", store.TierTech, "rina", detractor, 0},
	{"Shiba Pet Care", "Pet care", "Nagoya", store.TierTech, "sora", healthy, 0},
	{"Bento Box Delivery", "Food delivery", "Tokyo", store.TierTech, "kenji", healthy, 0},
	{"Kappa Translation", "Translation", "Osaka", store.TierTech, "shota", red, 0},
	{"Ume Tea House", "Hospitality", "Kyushu", store.TierTech, "takumi", healthy, 0},
	{"Daruma Print", "Printing", "Nagoya", store.TierTech, "yui", watch, 0},
	{"Inari Coffee", "Food and beverage", "Osaka", store.TierTech, "rina", onboarding, 0},
	{"Kobe Craft Leather", "Manufacturing", "Osaka", store.TierTech, "shota", healthy, 0},
	{"Fuji Bike Rental", "Travel", "Tokyo", store.TierTech, "sora", healthy, 0},
	{"Tonbo Drone Works", "Drones", "Nagoya", store.TierTech, "kenji", stalled, 0},
	{"Akari Lighting", "Retail", "Tokyo", store.TierTech, "yui", healthy, 0},
	{"Momiji Ryokan", "Hospitality", "Kyushu", store.TierTech, "takumi", renewing, 0},
	{"Taiko Music School", "Education", "Osaka", store.TierTech, "rina", healthy, 0},
	{"Kiri Web Studio", "Agency", "Tokyo", store.TierTech, "sora", onboarding, 0},
	{"Hotaru Clinic", "Healthcare", "Kyushu", store.TierTech, "shota", detractor, 0},
	{"Nami Yoga", "Fitness", "Tokyo", store.TierTech, "kenji", healthy, 0},
	{"Sumo Storage", "Self storage", "Osaka", store.TierTech, "takumi", dropping, 0},
	{"Kumamoto Citrus", "Agriculture", "Kyushu", store.TierTech, "shota", onboarding, 0},
	{"Yokai Comics", "Publishing", "Tokyo", store.TierTech, "yui", red, 0},
}

// Data builds (without writing) the English demo organisation relative to
// now: its dates count from now's day in UTC and each account's history ends
// the day before, so the score the engine computes today extends it. The
// same day always gives the same data.
func Data(now time.Time) (teams []store.Team, members []store.Member, accounts []store.Account) {
	return DataIn(English, now)
}

// DataIn is Data with its names in a language (English, Japanese).
func DataIn(lang string, now time.Time) (teams []store.Team, members []store.Member, accounts []store.Account) {
	day := store.UTCDay(now)
	teams = []store.Team{
		{ID: "tokyo", Name: "Tokyo", Lead: "haruto", Region: "Tokyo"},
		{ID: "osaka", Name: "Osaka", Lead: "misaki", Region: "Osaka"},
		{ID: "enterprise", Name: "Enterprise", Lead: "daniel", Segment: "enterprise"},
	}
	const tokyo, berlin, singapore = "Asia/Tokyo", "Europe/Berlin", "Asia/Singapore"
	members = []store.Member{
		// CS ops runs the bot's configuration and is its only admin.
		{ID: "aiko", Name: "Aiko Tanaka", Roles: []store.Role{store.RoleOps, store.RoleAdmin}, Region: "Tokyo", TZ: tokyo, Locale: "ja-JP"},
		// VP of Customer Success.
		{ID: "keiko", Name: "Keiko Hayashi", Roles: []store.Role{store.RoleExec}, Region: "Tokyo", TZ: tokyo, Locale: "ja-JP"},
		{ID: "haruto", Name: "Haruto Sato", Roles: []store.Role{store.RoleLead}, Team: "tokyo", Region: "Tokyo", TZ: tokyo, Locale: "ja-JP"},
		{ID: "kenji", Name: "Kenji Watanabe", Roles: []store.Role{store.RoleCSM, store.RoleMentor}, Team: "tokyo", Lead: "haruto", Region: "Tokyo", TZ: tokyo, Locale: "ja-JP"},
		{ID: "yui", Name: "Yui Nakamura", Roles: []store.Role{store.RoleCSM}, Team: "tokyo", Lead: "haruto", Region: "Tokyo", TZ: tokyo, Locale: "ja-JP"},
		{ID: "sora", Name: "Sora Kobayashi", Roles: []store.Role{store.RoleCSM}, Team: "tokyo", Lead: "haruto", Region: "Nagoya", TZ: tokyo, Locale: "ja-JP"},
		{ID: "hana", Name: "Hana Kimura", Roles: []store.Role{store.RoleNewHire}, Team: "tokyo", Lead: "haruto", Region: "Tokyo", TZ: tokyo, Locale: "ja-JP"},
		{ID: "misaki", Name: "Misaki Yamamoto", Roles: []store.Role{store.RoleLead}, Team: "osaka", Region: "Osaka", TZ: tokyo, Locale: "ja-JP"},
		{ID: "takumi", Name: "Takumi Ito", Roles: []store.Role{store.RoleCSM}, Team: "osaka", Lead: "misaki", Region: "Osaka", TZ: tokyo, Locale: "ja-JP"},
		{ID: "rina", Name: "Rina Matsumoto", Roles: []store.Role{store.RoleCSM}, Team: "osaka", Lead: "misaki", Region: "Osaka", TZ: tokyo, Locale: "ja-JP"},
		{ID: "shota", Name: "Shota Inoue", Roles: []store.Role{store.RoleCSM}, Team: "osaka", Lead: "misaki", Region: "Kyushu", TZ: tokyo, Locale: "ja-JP"},
		{ID: "daniel", Name: "Daniel Becker", Roles: []store.Role{store.RoleLead}, Team: "enterprise", Region: "Tokyo", TZ: berlin, Locale: "en-GB"},
		{ID: "emma", Name: "Emma Clarke", Roles: []store.Role{store.RoleCSM}, Team: "enterprise", Lead: "daniel", Region: "Tokyo", TZ: singapore, Locale: "en-US"},
		{ID: "ren", Name: "Ren Fujita", Roles: []store.Role{store.RoleCSM}, Team: "enterprise", Lead: "daniel", Region: "Tokyo", TZ: tokyo, Locale: "ja-JP"},
	}
	for i := range members {
		members[i].Identities = map[string]string{"slack": slackID(i + 1)}
	}
	accounts = make([]store.Account, len(specs))
	for i, sp := range specs {
		accounts[i] = build(sp, day)
	}
	if lang == Japanese {
		japanese(teams, members, accounts)
	}
	return teams, members, accounts
}

func slackID(n int) string {
	const digits = "0123456789"
	return "U0DEMO" + string(digits[n/10%10]) + string(digits[n%10])
}

// draw is one account's random stream with helpers for ranges.
type draw struct{ r *rand.Rand }

func (d draw) float(lo, hi float64) float64 { return lo + d.r.Float64()*(hi-lo) }

// int draws from lo..hi inclusive.
func (d draw) int(lo, hi int) int { return lo + d.r.IntN(hi-lo+1) }

// ranges are the bounds an account's data is drawn from.
type ranges struct {
	util, adoption [2]float64
	nps, npsAgo    [2]int // nps[0] < 0: no survey answer
	csat           [2]float64
	tickets        [2]int
	escalations    int
	// touch is days since the last touch, by tier.
	touch map[store.Tier][2]int
	renew [2]int
	// drift is how many points higher the account stood 90 days ago.
	drift [2]float64
}

// withinTouch keeps the last touch well inside each tier's allowance.
var withinTouch = map[store.Tier][2]int{store.TierHigh: {0, 6}, store.TierLow: {2, 20}, store.TierTech: {5, 40}}

func rangesOf(p profile) ranges {
	switch p {
	case watch:
		return ranges{util: [2]float64{0.5, 0.62}, adoption: [2]float64{0.35, 0.5}, nps: [2]int{7, 8}, npsAgo: [2]int{40, 120},
			csat: [2]float64{3.4, 3.8}, tickets: [2]int{2, 4}, touch: withinTouch, renew: [2]int{120, 350}, drift: [2]float64{-3, 8}}
	case red:
		return ranges{util: [2]float64{0.1, 0.25}, adoption: [2]float64{0.1, 0.2}, nps: [2]int{2, 4}, npsAgo: [2]int{45, 90},
			csat: [2]float64{1.6, 2.3}, tickets: [2]int{7, 9}, escalations: 1,
			touch: map[store.Tier][2]int{store.TierHigh: {5, 11}, store.TierLow: {15, 35}, store.TierTech: {60, 110}},
			renew: [2]int{100, 330}, drift: [2]float64{10, 16}}
	case dropping:
		return ranges{util: [2]float64{0.42, 0.52}, adoption: [2]float64{0.3, 0.4}, nps: [2]int{6, 7}, npsAgo: [2]int{40, 100},
			csat: [2]float64{3.0, 3.4}, tickets: [2]int{4, 5}, touch: withinTouch, renew: [2]int{100, 360}}
	case dropGreen:
		return ranges{util: [2]float64{0.66, 0.7}, adoption: [2]float64{0.45, 0.5}, nps: [2]int{8, 8}, npsAgo: [2]int{40, 100},
			csat: [2]float64{3.8, 3.9}, tickets: [2]int{3, 3}, touch: withinTouch, renew: [2]int{150, 360}}
	case renewing:
		return ranges{util: [2]float64{0.3, 0.42}, adoption: [2]float64{0.2, 0.3}, nps: [2]int{5, 6}, npsAgo: [2]int{45, 120},
			csat: [2]float64{2.8, 3.2}, tickets: [2]int{4, 6}, touch: withinTouch, renew: [2]int{20, 80}, drift: [2]float64{2, 10}}
	case untouched:
		return ranges{util: [2]float64{0.7, 0.85}, adoption: [2]float64{0.5, 0.7}, nps: [2]int{7, 9}, npsAgo: [2]int{40, 120},
			csat: [2]float64{3.8, 4.4}, tickets: [2]int{1, 3},
			touch: map[store.Tier][2]int{store.TierHigh: {18, 26}, store.TierLow: {50, 62}, store.TierTech: {60, 80}},
			renew: [2]int{100, 360}, drift: [2]float64{0, 8}}
	case detractor:
		return ranges{util: [2]float64{0.7, 0.85}, adoption: [2]float64{0.5, 0.7}, nps: [2]int{3, 6}, npsAgo: [2]int{4, 25},
			csat: [2]float64{3.4, 4.0}, tickets: [2]int{2, 3}, touch: withinTouch, renew: [2]int{100, 360}, drift: [2]float64{-2, 6}}
	case onboarding:
		return ranges{util: [2]float64{0.3, 0.6}, adoption: [2]float64{0.15, 0.35}, nps: [2]int{-1, -1},
			csat: [2]float64{4.2, 4.8}, tickets: [2]int{0, 2},
			touch: map[store.Tier][2]int{store.TierHigh: {0, 3}, store.TierLow: {0, 5}, store.TierTech: {1, 10}}, drift: [2]float64{-8, -3}}
	case stalled:
		return ranges{util: [2]float64{0.15, 0.3}, adoption: [2]float64{0.05, 0.15}, nps: [2]int{-1, -1},
			csat: [2]float64{3.0, 3.5}, tickets: [2]int{2, 4},
			touch: map[store.Tier][2]int{store.TierHigh: {7, 11}, store.TierLow: {18, 30}, store.TierTech: {20, 35}}, drift: [2]float64{4, 8}}
	}
	return ranges{util: [2]float64{0.78, 0.95}, adoption: [2]float64{0.6, 0.9}, nps: [2]int{8, 10}, npsAgo: [2]int{35, 160},
		csat: [2]float64{4.2, 4.9}, tickets: [2]int{0, 2}, touch: withinTouch, renew: [2]int{10, 360}, drift: [2]float64{-5, 5}}
}

func build(sp spec, day time.Time) store.Account {
	slug := store.Slugify(sp.name)
	h := fnv.New64a()
	h.Write([]byte(slug))
	d := draw{rand.New(rand.NewPCG(seed, h.Sum64()))}
	ago := func(n int) time.Time { return day.AddDate(0, 0, -n) }
	rg := rangesOf(sp.p)

	a := store.Account{
		Slug: slug, Name: sp.name, Tier: sp.tier, Region: sp.region, Industry: sp.industry, Owner: sp.owner,
		Phase: store.PhaseAdoption,
	}
	var perSeat float64
	switch sp.tier {
	case store.TierHigh:
		a.Segment, a.ARR, perSeat = "enterprise", int64(d.int(30, 120))*5000, d.float(350, 450)
	case store.TierLow:
		a.Segment, a.ARR, perSeat = "mid-market", int64(d.int(20, 120))*1000, d.float(500, 700)
	default:
		a.Segment, a.ARR, perSeat = "smb", int64(d.int(20, 150))*100, d.float(250, 400)
	}
	a.Seats = max(5, int(math.Round(float64(a.ARR)/perSeat)))
	a.ActiveUsers = int(math.Round(d.float(rg.util[0], rg.util[1]) * float64(a.Seats)))
	adoption := math.Round(d.float(rg.adoption[0], rg.adoption[1])*100) / 100
	a.FeatureAdoption = &adoption
	// A few small customers never answered a survey.
	if rg.nps[0] >= 0 && !(sp.p == healthy && sp.tier == store.TierTech && d.r.IntN(4) == 0) {
		nps := d.int(rg.nps[0], rg.nps[1])
		a.NPS, a.NPSDate = &nps, ago(d.int(rg.npsAgo[0], rg.npsAgo[1]))
	}
	csat := math.Round(d.float(rg.csat[0], rg.csat[1])*10) / 10
	a.CSAT = &csat
	tickets := d.int(rg.tickets[0], rg.tickets[1])
	a.OpenTickets, a.Escalations = &tickets, rg.escalations
	touch := rg.touch[sp.tier]
	a.LastTouch = ago(d.int(touch[0], touch[1]))

	switch sp.p {
	case onboarding, stalled:
		a.Phase = store.PhaseOnboarding
		a.PhaseStart, a.Milestones = milestones(d, sp, day)
		a.Renewal = a.PhaseStart.AddDate(1, 0, 0)
	default:
		if sp.p == healthy && sp.tier != store.TierTech && d.r.IntN(3) == 0 {
			a.Phase = store.PhaseExpansion
		}
		a.PhaseStart = ago(d.int(100, 700))
		a.Renewal = day.AddDate(0, 0, d.int(rg.renew[0], rg.renew[1]))
	}
	if sp.renewIn > 0 {
		a.Renewal = day.AddDate(0, 0, sp.renewIn)
	}
	// How fresh the inputs are (fixed, so the draws above stay as they
	// were): usage rows come daily up to yesterday (see usageOf), ticket
	// counts are today's, the last CSAT answer was nine days ago.
	if yesterday := store.UTCDay(day).AddDate(0, 0, -1); !a.PhaseStart.After(yesterday) {
		a.UsageDate = yesterday
	}
	a.TicketsDate, a.CSATDate = store.UTCDay(day), ago(9)

	// History: from the start of onboarding (or 90 days back) to yesterday,
	// shaped by the profile and ending near the score the engine computes today.
	cfg := health.DefaultConfig()
	today := cfg.Score(a, day).Score
	n := store.HistoryDays
	if a.Phase == store.PhaseOnboarding {
		n = min(n, int(day.Sub(a.PhaseStart).Hours()/24))
	}
	for i, v := range series(d, sp.p, rg, today, n) {
		a.History = a.History.Record(ago(n-i), v)
	}
	return a
}

// milestones plans onboarding: on plan, every milestone due by today is done
// a day or two early; stalled, the account did one or two and then stopped
// (or, for a tech-touch account, never started).
func milestones(d draw, sp spec, day time.Time) (time.Time, []store.Milestone) {
	var start time.Time
	done := map[int]int{} // milestone -> days after start it was done
	switch {
	case sp.p == onboarding:
		start = day.AddDate(0, 0, -d.int(4, 38))
		for i, m := range onboardingPlan {
			if !start.AddDate(0, 0, m.days).After(day) {
				done[i] = max(0, m.days-d.int(0, 2))
			}
		}
	case sp.tier == store.TierTech:
		start = day.AddDate(0, 0, -d.int(18, 24))
	default:
		start = day.AddDate(0, 0, -d.int(32, 45))
		done[0] = 2
		done[1] = d.int(9, 14)
	}
	ms := make([]store.Milestone, len(onboardingPlan))
	for i, m := range onboardingPlan {
		ms[i] = store.Milestone{Name: m.name, Due: start.AddDate(0, 0, m.days)}
		if n, ok := done[i]; ok {
			t := start.AddDate(0, 0, n)
			ms[i].Done = &t
		}
	}
	return start, ms
}

// series returns n daily scores, oldest first, ending yesterday: a
// mean-reverting walk around a level that moves from today's score plus the
// profile's drift (90 days ago) to today's score. Dropping accounts hold a
// level 22-27 points higher until 30 days ago and then slide down.
func series(d draw, p profile, rg ranges, today, n int) []int {
	drift := d.float(rg.drift[0], rg.drift[1])
	fall := float64(d.int(22, 27))
	out := make([]int, 0, n)
	noise := 0.0
	for back := n; back >= 1; back-- {
		var level float64
		switch p {
		case dropping, dropGreen:
			switch {
			case back >= 30:
				level = float64(today) + fall
			case back >= 3:
				level = float64(today) + 1 + (fall-1)*float64(back-3)/27
			default:
				level = float64(today) + 0.5
			}
		default:
			level = float64(today) + drift*float64(back)/float64(store.HistoryDays)
		}
		noise = max(-4, min(4, 0.7*noise+1.6*d.r.NormFloat64()))
		out = append(out, int(max(0, min(100, math.Round(min(level, 98)+noise)))))
	}
	return out
}

// snapshots turns the accounts' histories into the daily snapshot
// documents. The demo has no past inputs, so a past day's components are
// today's moved by the day's difference in score: enough for `/cs health
// <account> why` to show a breakdown and what drove the change.
func snapshots(accounts []store.Account) []store.Snapshot {
	cfg := health.DefaultConfig()
	version := cfg.Version()
	var out []store.Snapshot
	for _, a := range accounts {
		end, err := time.Parse(time.DateOnly, a.History.End)
		if err != nil {
			continue
		}
		now := cfg.Score(a, end)
		vals := a.History.Values()
		for i, v := range vals {
			if v < 0 {
				continue
			}
			day := end.AddDate(0, 0, i-len(vals)+1)
			comps := make(map[string]int, len(now.Components))
			for _, c := range now.Components {
				comps[c.Name] = max(0, min(100, c.Score+v-now.Score))
			}
			out = append(out, store.Snapshot{ID: store.SnapshotID(a.Slug, day), Account: a.Slug, Date: store.Day(day), Score: v, Band: cfg.Band(v),
				Components: comps, Weights: version})
		}
	}
	return out
}
