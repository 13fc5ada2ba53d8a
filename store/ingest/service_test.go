package ingest

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/health"
	"github.com/csbot/csbot/store/importer"
	"github.com/csbot/csbot/store/mongostore"
	"github.com/csbot/csbot/store/storetest"
)

// now is the engine's clock in these tests.
var now = time.Date(2026, 3, 10, 9, 30, 0, 0, time.UTC)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// newService opens a real store with one CSM and three accounts.
func newService(t testing.TB) (*Service, *mongostore.Store) {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t)
	eng := health.NewEngine(st, health.DefaultConfig(), func() time.Time { return now })
	if err := st.SaveMember(ctx, store.Member{ID: "aiko", Name: "Aiko", Roles: []store.Role{store.RoleCSM}, Team: "tokyo"}); err != nil {
		t.Fatal(err)
	}
	accounts := []store.Account{
		{Slug: "acme", Name: "Acme", Tier: store.TierHigh, Phase: store.PhaseAdoption, Owner: "aiko", Seats: 100, ActiveUsers: 50, ARR: 100000, UsageDate: day("2026-03-05")},
		{Slug: "beta", Name: "Beta", Tier: store.TierLow, Phase: store.PhaseAdoption, Owner: "aiko", ARR: 20000},
		{Slug: "gamma", Name: "Gamma", Tier: store.TierTech, Phase: store.PhaseOnboarding},
	}
	if err := eng.Put(ctx, accounts...); err != nil {
		t.Fatal(err)
	}
	return New(st, eng, slog.New(slog.DiscardHandler)), st
}

// counts is the part of a Result a step checks, with errors as text.
type counts struct {
	Accepted, Unchanged, Rejected, Rescored int
	Errors                                  []string
}

func summary(r Result) counts {
	c := counts{Accepted: r.Accepted, Unchanged: r.Unchanged, Rejected: r.Rejected, Rescored: r.Rescored}
	for _, e := range r.Errors {
		c.Errors = append(c.Errors, e.Error())
	}
	return c
}

// TestIngest runs batches of every kind in order against one store and
// checks the result of each and the account fields derived from it.
func TestIngest(t *testing.T) {
	ctx := context.Background()
	svc, st := newService(t)
	long := strings.Repeat("x", MaxID+1)
	steps := []struct {
		name   string
		kind   string
		dryRun bool
		body   string
		want   counts
		check  func(t *testing.T, acme, beta store.Account)
	}{
		{
			name: "usage", kind: "metrics",
			body: `[{"account": "acme", "day": "2026-03-09", "active_users": 80, "seats": 100, "feature_adoption": 0},
				{"account": "acme", "day": "2026-03-08", "active_users": 70, "seats": 100},
				{"account": "beta", "day": "2026-03-09", "active_users": 4, "seats": "10"},
				{"account": "acm", "day": "2026-03-09", "active_users": 1, "seats": 1},
				{"account": "beta", "day": "2026-03-12", "active_users": 1, "seats": -1},
				{"account": "beta", "day": "2026-03-12", "active_users": 1, "seats": 1}]`,
			want: counts{Accepted: 3, Rejected: 3, Rescored: 2, Errors: []string{
				`items[3] (acm/2026-03-09): account: no account "acm" (did you mean acme?)`,
				`items[4] (beta/2026-03-12): seats: -1 must not be negative`,
				`items[5] (beta/2026-03-12): day: 2026-03-12T00:00:00Z is in the future`,
			}},
			check: func(t *testing.T, acme, beta store.Account) {
				if acme.ActiveUsers != 80 || !acme.UsageDate.Equal(day("2026-03-09")) || acme.FeatureAdoption == nil || *acme.FeatureAdoption != 0 {
					t.Errorf("acme usage = %d users on %v, adoption %v; want the 2026-03-09 row: 80, adoption 0", acme.ActiveUsers, acme.UsageDate, acme.FeatureAdoption)
				}
				if beta.ActiveUsers != 4 || beta.Seats != 10 {
					t.Errorf("beta usage = %d of %d, want 4 of 10", beta.ActiveUsers, beta.Seats)
				}
			},
		},
		{
			name: "usage replayed", kind: "usage",
			body: `{"items": [{"account": "acme", "day": "2026-03-09", "active_users": 80, "seats": 100, "feature_adoption": 0},
				{"account": "acme", "day": "2026-03-08", "active_users": 70, "seats": 100},
				{"account": "beta", "day": "2026-03-09", "active_users": 4, "seats": 10}]}`,
			want: counts{Unchanged: 3},
		},
		{
			name: "an older day goes to the ledger only", kind: "usage",
			body: `[{"account": "acme", "day": "2026-03-01", "active_users": 1, "seats": 100}]`,
			want: counts{Accepted: 1},
			check: func(t *testing.T, acme, _ store.Account) {
				if acme.ActiveUsers != 80 {
					t.Errorf("acme active users = %d after an older row, want 80 still", acme.ActiveUsers)
				}
			},
		},
		{
			name: "nps", kind: "nps",
			body: `[{"id": "n1", "account": "acme", "score": 9, "at": "2026-03-08"},
				{"id": "n2", "account": "acme", "score": 3.0, "at": "2026-03-09T10:00:00+09:00"},
				{"id": "n3", "account": "beta", "score": 11, "at": "2026-03-09"},
				{"id": "c1", "account": "beta", "kind": "csat", "score": 4, "at": "2026-03-09"},
				{"id": "n4", "account": "beta", "score": 7.5, "at": "2026-03-09"}]`,
			want: counts{Accepted: 2, Rejected: 3, Rescored: 1, Errors: []string{
				`items[2] (n3): score: 11 is out of range: NPS answers are 0..10`,
				`items[3] (c1): kind: csat in a batch of nps answers; send mixed answers as responses`,
				`items[4] (n4): score: "7.5" is not a whole number`,
			}},
			check: func(t *testing.T, acme, _ store.Account) {
				if acme.NPS == nil || *acme.NPS != 3 || !acme.NPSDate.Equal(time.Date(2026, 3, 9, 1, 0, 0, 0, time.UTC)) {
					t.Errorf("acme NPS = %v on %v, want the latest answer: 3 on 2026-03-09T01:00Z", acme.NPS, acme.NPSDate)
				}
			},
		},
		{
			name: "csat", kind: "responses",
			body: `[{"id": "c1", "account": "beta", "kind": "csat", "score": 4, "at": "2026-03-09"},
				{"id": "c2", "account": "beta", "kind": "CSAT", "score": 0, "at": "2026-03-09"},
				{"id": "c3", "account": "beta", "score": 5, "at": "2026-03-09"}]`,
			want: counts{Accepted: 1, Rejected: 2, Rescored: 1, Errors: []string{
				`items[1] (c2): score: 0 is out of range: CSAT answers are 1..5`,
				`items[2] (c3): kind: is required: nps or csat`,
			}},
			check: func(t *testing.T, _, beta store.Account) {
				if beta.CSAT == nil || *beta.CSAT != 4 || !beta.CSATDate.Equal(day("2026-03-09")) {
					t.Errorf("beta CSAT = %v on %v, want 4 on 2026-03-09", beta.CSAT, beta.CSATDate)
				}
			},
		},
		{
			name: "tickets", kind: "tickets",
			body: `[{"id": "t1", "account": "acme", "opened": "2026-03-01"},
				{"id": "t2", "account": "acme", "opened": "2026-03-02", "escalated": true},
				{"id": "t3", "account": "acme", "opened": "2026-03-02", "closed": "2026-03-03", "escalated": "yes"},
				{"id": "t4", "account": "beta", "opened": "2026-03-02", "closed": "2026-03-01"},
				{"id": "` + long + `", "account": "beta", "opened": "2026-03-02"}]`,
			want: counts{Accepted: 3, Rejected: 2, Rescored: 1, Errors: []string{
				`items[3] (t4): closed: is before opened`,
				`items[4]: id: is 129 bytes, longer than 128`,
			}},
			check: func(t *testing.T, acme, _ store.Account) {
				if acme.OpenTickets == nil || *acme.OpenTickets != 2 || acme.Escalations != 1 || !acme.TicketsDate.Equal(now) {
					t.Errorf("acme tickets = %v open, %d escalated, as of %v; want 2, 1, %v", acme.OpenTickets, acme.Escalations, acme.TicketsDate, now)
				}
			},
		},
		{
			name: "a ticket closes", kind: "tickets",
			body: `[{"id": "t2", "account": "acme", "opened": "2026-03-02", "closed": "2026-03-09T12:00:00Z", "escalated": true}]`,
			want: counts{Accepted: 1, Rescored: 1},
			check: func(t *testing.T, acme, _ store.Account) {
				if acme.OpenTickets == nil || *acme.OpenTickets != 1 || acme.Escalations != 0 {
					t.Errorf("acme tickets = %v open, %d escalated; want 1, 0", acme.OpenTickets, acme.Escalations)
				}
			},
		},
		{
			name: "tickets replayed", kind: "tickets",
			body: `[{"id": "t2", "account": "acme", "opened": "2026-03-02", "closed": "2026-03-09T12:00:00Z", "escalated": true}]`,
			want: counts{Unchanged: 1},
		},
		{
			name: "touches", kind: "touches",
			body: `[{"id": "crm-1", "account": "acme", "kind": "meeting", "at": "2026-03-09T15:00:00+09:00", "author": "@aiko", "text": "QBR prep"},
				{"id": "crm-2", "account": "acme", "kind": "fax", "at": "2026-03-09"},
				{"id": "crm-3", "account": "beta", "kind": "email", "at": "2026-03-07"},
				{"id": "crm-4", "account": "beta", "kind": "note", "at": "2026-03-10", "text": "` + strings.Repeat("長", store.MaxNote+1) + `"},
				{"id": "crm-5", "account": "beta", "kind": "note", "at": "2026-03-10", "author": "` + strings.Repeat("a", store.MaxName+1) + `"}]`,
			want: counts{Accepted: 2, Rejected: 3, Rescored: 2, Errors: []string{
				`items[1] (crm-2): kind: unknown touch kind "fax": use call, meeting, email, qbr, visit, demo, note`,
				`items[3] (crm-4): text: is 4001 characters, more than the limit of 4000: shorten it`,
				`items[4] (crm-5): author: is 201 characters, more than the limit of 200: shorten it`,
			}},
			check: func(t *testing.T, acme, beta store.Account) {
				if !acme.LastTouch.Equal(time.Date(2026, 3, 9, 6, 0, 0, 0, time.UTC)) || !beta.LastTouch.Equal(day("2026-03-07")) {
					t.Errorf("last touches = %v, %v; want 2026-03-09T06:00Z and 2026-03-07", acme.LastTouch, beta.LastTouch)
				}
			},
		},
		{
			name: "touches replayed", kind: "touches",
			body: `[{"id": "crm-1", "account": "acme", "kind": "meeting", "at": "2026-03-09T06:00:00Z", "author": "aiko", "text": "QBR prep"}]`,
			want: counts{Unchanged: 1},
		},
		{
			name: "revenue", kind: "churn",
			body: `[{"id": "e1", "account": "beta", "type": "new", "arr": 20000, "at": "2025-04-01"},
				{"id": "e2", "account": "beta", "type": "expansion", "arr": "5,000", "at": "2026-01-01"},
				{"id": "e3", "account": "acme", "type": "expansion", "arr": 10000, "at": "2026-02-01"},
				{"id": "e4", "account": "gamma", "type": "upsell", "arr": 1, "at": "2026-02-01"}]`,
			want: counts{Accepted: 3, Rejected: 1, Rescored: 2, Errors: []string{
				`items[3] (e4): type: unknown revenue type "upsell": use new, renewal, expansion, contraction, cancellation`,
			}},
			check: func(t *testing.T, acme, beta store.Account) {
				// acme has no new or renewal event: its imported ARR moves.
				if acme.ARR != 110000 || beta.ARR != 25000 {
					t.Errorf("ARR = acme %d, beta %d; want 110000 (100000 + 10000) and 25000 (20000 + 5000)", acme.ARR, beta.ARR)
				}
			},
		},
		{
			name: "an expansion corrected", kind: "revenue",
			body: `[{"id": "e3", "account": "acme", "type": "expansion", "arr": 15000, "at": "2026-02-01"}]`,
			want: counts{Accepted: 1, Rescored: 1},
			check: func(t *testing.T, acme, _ store.Account) {
				if acme.ARR != 115000 {
					t.Errorf("acme ARR = %d, want 115000: the correction moves it by the difference", acme.ARR)
				}
			},
		},
		{
			name: "the correction replayed", kind: "revenue",
			body: `[{"id": "e3", "account": "acme", "type": "expansion", "arr": 15000, "at": "2026-02-01"}]`,
			want: counts{Unchanged: 1},
		},
		{
			name: "cancellation", kind: "revenue",
			body: `[{"id": "e5", "account": "beta", "type": "cancellation", "arr": 25000, "at": "2026-03-01T10:00:00Z"}]`,
			want: counts{Accepted: 1, Rescored: 1},
			check: func(t *testing.T, _, beta store.Account) {
				if beta.ARR != 0 || !beta.Churned.Equal(day("2026-03-01")) {
					t.Errorf("beta after cancellation: ARR %d, churned %v; want 0 and 2026-03-01", beta.ARR, beta.Churned)
				}
			},
		},
		{
			name: "won back with a renewal", kind: "revenue",
			body: `[{"id": "e6", "account": "beta", "type": "renewal", "arr": 30000, "at": "2026-03-09"}]`,
			want: counts{Accepted: 1, Rescored: 1},
			check: func(t *testing.T, _, beta store.Account) {
				if beta.ARR != 30000 || !beta.Churned.IsZero() {
					t.Errorf("beta after renewal: ARR %d, churned %v; want 30000 and not churned", beta.ARR, beta.Churned)
				}
			},
		},
		{
			name: "dry run writes nothing", kind: "usage", dryRun: true,
			body: `[{"account": "acme", "day": "2026-03-10", "active_users": 99, "seats": 100}, {"account": "zzz", "day": "2026-03-10", "active_users": 1, "seats": 1}]`,
			want: counts{Accepted: 1, Rejected: 1, Errors: []string{`items[1] (zzz/2026-03-10): account: no account "zzz"; import it first (csbot import accounts, POST /api/v1/accounts)`}},
			check: func(t *testing.T, acme, _ store.Account) {
				if acme.ActiveUsers != 80 {
					t.Errorf("acme active users = %d after a dry run, want 80", acme.ActiveUsers)
				}
			},
		},
		{
			name: "accounts", kind: "accounts",
			body: `[{"slug": "delta", "name": "Delta KK", "tier": "low", "phase": "onboarding"},
				{"slug": "acme", "region": "Tokyo"},
				{"slug": "eps", "name": "Eps"},
				{"slug": "beta", "owner": "nobody"}]`,
			want: counts{Accepted: 2, Rejected: 2, Rescored: 2, Errors: []string{
				`items[2] (eps): new account needs tier, phase`,
				`items[3] (beta): owner: nobody is not a registered member; add them first or fix the id`,
			}},
			check: func(t *testing.T, acme, _ store.Account) {
				if acme.Region != "Tokyo" || acme.ActiveUsers != 80 || acme.ARR != 115000 {
					t.Errorf("acme = region %q, %d users, ARR %d; want Tokyo and the rest kept", acme.Region, acme.ActiveUsers, acme.ARR)
				}
			},
		},
		{
			name: "accounts replayed", kind: "accounts",
			body: `[{"slug": "delta", "name": "Delta KK", "tier": "low", "phase": "onboarding"}]`,
			want: counts{Unchanged: 1},
		},
	}
	for _, step := range steps {
		k, survey, err := ParseKind(step.kind)
		if err != nil {
			t.Fatal(err)
		}
		items, err := DecodeJSON(k, []byte(step.body))
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		res, err := svc.Ingest(ctx, Batch{Kind: k, Survey: survey, Items: items, DryRun: step.dryRun})
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if diff := cmp.Diff(step.want, summary(res)); diff != "" {
			t.Errorf("%s: result (-want +got):\n%s", step.name, diff)
		}
		if step.check != nil {
			acme, err := st.Account(ctx, "acme")
			if err != nil {
				t.Fatal(err)
			}
			beta, err := st.Account(ctx, "beta")
			if err != nil {
				t.Fatal(err)
			}
			t.Run(step.name, func(t *testing.T) { step.check(t, acme, beta) })
		}
	}

	// The index rows carry the rescored health.
	rows, err := st.AccountRows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		a, err := st.Account(ctx, r.Slug)
		if err != nil {
			t.Fatal(err)
		}
		if want := svc.eng.Assess(a); r.Score != want.Score || r.ARR != a.ARR {
			t.Errorf("index row %s: score %d, ARR %d; want %d, %d", r.Slug, r.Score, r.ARR, want.Score, a.ARR)
		}
	}
	usage, err := st.UsageOn(ctx, "2026-03-09")
	if err != nil || len(usage) != 2 {
		t.Errorf("ledger usage of 2026-03-09 = %d rows (%v), want 2", len(usage), err)
	}
}

func TestResultMessage(t *testing.T) {
	tests := []struct {
		r    Result
		want string
	}{
		{Result{Accepted: 3, Unchanged: 1}, "3 applied, 1 unchanged"},
		{Result{Accepted: 3, Errors: []ItemError{{Index: 4}, {Index: 4}, {Index: 7}}}, "3 applied, 0 unchanged; 2 refused and skipped (see errors): fix them and send them again, re-sending the others changes nothing"},
		{Result{Accepted: 2, DryRun: true, Errors: []ItemError{{Index: 0}}}, "dry run: 2 valid, 1 refused; nothing was written"},
	}
	for _, tt := range tests {
		tt.r.summarise()
		if tt.r.Message != tt.want {
			t.Errorf("message = %q, want %q", tt.r.Message, tt.want)
		}
	}
}

func TestCSVItemsReportLines(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	items, err := ReadFile(Tickets, "tickets.csv", []byte("ID,Account,Opened,Closed,Escalated\nt1,acme,2026-03-01,,no\n\nt2,acme,2026-03-01,2026-03-02,maybe\nt3,acme\n"), importer.AutoEncoding)
	if err != nil {
		t.Fatal(err)
	}
	res, err := svc.Ingest(ctx, Batch{Kind: Tickets, Items: items})
	if err != nil {
		t.Fatal(err)
	}
	want := counts{Accepted: 1, Rejected: 2, Rescored: 1, Errors: []string{
		`line 4 (t2): escalated: "maybe" is not true or false`,
		`line 5 (t3): has 2 cells but the header has 5 (quote values that contain commas)`,
	}}
	if diff := cmp.Diff(want, summary(res)); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
	if _, err := ReadFile(Tickets, "tickets.xlsx", []byte{0x50, 0x4b, 0x03, 0x04, 0}, importer.AutoEncoding); err == nil || !strings.Contains(err.Error(), "not CSV or JSON") {
		t.Errorf("a workbook: %v, want it refused as not CSV or JSON", err)
	}
}

// The same account in two concurrent batches: both derivations land.
func TestConcurrentBatches(t *testing.T) {
	for _, processes := range []int{1, 2} {
		t.Run(fmt.Sprintf("%d processes", processes), func(t *testing.T) {
			ctx := context.Background()
			first, st := newService(t)
			// A second service on the same store stands for another csbot
			// process: the store-wide batch lease keeps them apart.
			svcs := []*Service{first, first}
			if processes == 2 {
				svcs[1] = New(st, first.eng, slog.New(slog.DiscardHandler))
			}
			errs := make(chan error, 2)
			for i, body := range []string{
				`[{"account": "acme", "day": "2026-03-09", "active_users": 90, "seats": 100}]`,
				`[{"id": "n1", "account": "acme", "kind": "nps", "score": 10, "at": "2026-03-09"}]`,
			} {
				k := []Kind{Usage, Responses}[i]
				go func() {
					items, err := DecodeJSON(k, []byte(body))
					if err == nil {
						_, err = svcs[i].Ingest(ctx, Batch{Kind: k, Items: items})
					}
					errs <- err
				}()
			}
			for range 2 {
				if err := <-errs; err != nil {
					t.Fatal(err)
				}
			}
			acme, err := st.Account(ctx, "acme")
			if err != nil {
				t.Fatal(err)
			}
			if acme.ActiveUsers != 90 || acme.NPS == nil || *acme.NPS != 10 {
				t.Errorf("acme = %d users, NPS %v; want both batches' fields (90, 10)", acme.ActiveUsers, fmt.Sprint(acme.NPS))
			}
		})
	}
}

// With Run going (csbot serve), a batch answers once it is in the ledger
// and its accounts are pending; a second batch on the same account builds
// on the pending copy, and Run applies both.
func TestBackgroundRescoring(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	svc, st := newService(t)
	ingest := func(k Kind, body string) Result {
		t.Helper()
		items, err := DecodeJSON(k, []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		res, err := svc.Ingest(ctx, Batch{Kind: k, Items: items})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	// Both batches go pending before the applier starts: the second must
	// derive from the first's pending copy, not the stored account.
	svc.background.Store(true)
	if res := ingest(Usage, `[{"account": "acme", "day": "2026-03-09", "active_users": 90, "seats": 100}]`); !res.Pending || res.Rescored != 1 {
		t.Fatalf("usage batch = %+v, want 1 account pending", res)
	}
	ingest(Responses, `[{"id": "n1", "account": "acme", "kind": "nps", "score": 10, "at": "2026-03-09"}]`)
	if acme, _ := st.Account(ctx, "acme"); acme.ActiveUsers != 50 {
		t.Fatalf("acme written before the applier ran: %d users", acme.ActiveUsers)
	}
	done := make(chan struct{})
	go func() { defer close(done); svc.Run(ctx) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		pend, err := st.Pending(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(pend) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still pending after 30 s: %d accounts", len(pend))
		}
		time.Sleep(20 * time.Millisecond)
	}
	acme, err := st.Account(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if acme.ActiveUsers != 90 || acme.NPS == nil || *acme.NPS != 10 {
		t.Errorf("acme = %d users, NPS %v; want both batches' fields (90, 10)", acme.ActiveUsers, fmt.Sprint(acme.NPS))
	}
	if v, ok := acme.History.At(now); !ok || v < 0 {
		t.Errorf("acme not rescored today: history %+v", acme.History)
	}
	cancel()
	<-done
}

// Pending accounts survive a restart and the next start applies them.
func TestPendingSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	cfg := storetest.Config(t)
	st := storetest.OpenConfig(t, cfg)
	eng := health.NewEngine(st, health.DefaultConfig(), func() time.Time { return now })
	zero := 0
	acme := store.Account{Slug: "acme", Name: "Acme", Tier: store.TierHigh, Phase: store.PhaseAdoption, Seats: 10, ActiveUsers: 5, NPS: &zero}
	if err := eng.Put(ctx, acme); err != nil {
		t.Fatal(err)
	}
	acme.ActiveUsers = 9
	if err := st.PutPending(ctx, []store.Account{acme}); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(ctx); err != nil { // csbot stops before applying
		t.Fatal(err)
	}
	st2 := storetest.OpenConfig(t, cfg)
	svc := New(st2, health.NewEngine(st2, health.DefaultConfig(), func() time.Time { return now }), slog.New(slog.DiscardHandler))
	if n, err := svc.ApplyPending(ctx); err != nil || n != 1 {
		t.Fatalf("ApplyPending after restart = %d, %v; want 1", n, err)
	}
	got, err := st2.Account(ctx, "acme")
	if err != nil || got.ActiveUsers != 9 || got.NPS == nil || *got.NPS != 0 {
		t.Errorf("acme after restart = %d users, NPS %v (err %v); want 9 and an NPS of 0 kept", got.ActiveUsers, fmt.Sprint(got.NPS), err)
	}
	if pend, err := st2.Pending(ctx); err != nil || len(pend) != 0 {
		t.Errorf("pending after apply = %d, %v; want none", len(pend), err)
	}
}

// Applying a pending change keeps what was edited meanwhile: only the
// fields ingest derives come from the pending copy.
func TestApplyPendingKeepsLaterEdits(t *testing.T) {
	ctx := context.Background()
	svc, st := newService(t)
	svc.background.Store(true) // leave the batch pending
	items, err := DecodeJSON(Usage, []byte(`[{"account": "acme", "day": "2026-03-09", "active_users": 90, "seats": 100}]`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Ingest(ctx, Batch{Kind: Usage, Items: items}); err != nil {
		t.Fatal(err)
	}
	// Meanwhile someone reassigns the account and logs a note.
	acme, err := st.Account(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	acme.Region, acme.LastTouch = "Osaka", now
	if err := svc.eng.Put(ctx, acme); err != nil {
		t.Fatal(err)
	}
	if n, err := svc.ApplyPending(ctx); err != nil || n != 1 {
		t.Fatalf("ApplyPending = %d, %v; want 1", n, err)
	}
	got, err := st.Account(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if got.ActiveUsers != 90 || got.Region != "Osaka" || !got.LastTouch.Equal(now) {
		t.Errorf("acme = %d users, region %q, last touch %v; want 90, Osaka, %v", got.ActiveUsers, got.Region, got.LastTouch, now)
	}
}

// ARR is the account's base (its ARR before the first revenue event) plus
// the events: a batch re-sent after being cut short between the ledger and
// the account repairs the account, and an event moved to another account
// leaves the first one.
func TestRevenueFromBase(t *testing.T) {
	ctx := context.Background()
	svc, st := newService(t) // acme 100,000; beta 20,000
	revenue := func(body string) {
		t.Helper()
		items, err := DecodeJSON(Revenue, []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Ingest(ctx, Batch{Kind: Revenue, Items: items}); err != nil {
			t.Fatal(err)
		}
	}
	arr := func(slug string) int64 {
		t.Helper()
		a, err := st.Account(ctx, slug)
		if err != nil {
			t.Fatal(err)
		}
		return a.ARR
	}
	// A batch that stopped after writing the ledger: base and event stored,
	// the account not yet changed.
	if _, err := st.PutRevenue(ctx, []store.RevenueEvent{
		{ID: "base/acme", Account: "acme", Type: store.RevenueBase, ARR: 100000},
		{ID: "e3", Account: "acme", Type: store.RevenueExpansion, ARR: 10000, At: day("2026-03-01")},
	}); err != nil {
		t.Fatal(err)
	}
	revenue(`[{"id": "e3", "account": "acme", "type": "expansion", "arr": 10000, "at": "2026-03-01"}]`)
	if got := arr("acme"); got != 110000 {
		t.Errorf("acme after the re-send = %d, want 110,000", got)
	}
	revenue(`[{"id": "e1", "account": "acme", "type": "expansion", "arr": 5000, "at": "2026-03-02"}]`)
	revenue(`[{"id": "e1", "account": "beta", "type": "expansion", "arr": 5000, "at": "2026-03-02"}]`)
	if a, b := arr("acme"), arr("beta"); a != 110000 || b != 25000 {
		t.Errorf("after moving e1: acme %d, beta %d; want 110,000 and 25,000", a, b)
	}
}

// A ticket re-sent under another account moves there: it is counted once.
func TestTicketMovesBetweenAccounts(t *testing.T) {
	ctx := context.Background()
	svc, st := newService(t)
	open := func(slug string) int {
		t.Helper()
		a, err := st.Account(ctx, slug)
		if err != nil || a.OpenTickets == nil {
			return -1
		}
		return *a.OpenTickets
	}
	for _, body := range []string{
		`[{"id": "ZD-1", "account": "acme", "opened": "2026-03-02"}]`,
		`[{"id": "ZD-1", "account": "beta", "opened": "2026-03-02"}]`,
	} {
		items, err := DecodeJSON(Tickets, []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Ingest(ctx, Batch{Kind: Tickets, Items: items}); err != nil {
			t.Fatal(err)
		}
	}
	if a, b := open("acme"), open("beta"); a != 0 || b != 1 {
		t.Errorf("open tickets: acme %d, beta %d; want 0 and 1", a, b)
	}
}

// A chat note (a touch through the engine) racing the application of an
// ingest batch to the same accounts: both changes land on every account.
func TestNoteRacingIngestKeepsBoth(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	eng := health.NewEngine(st, health.DefaultConfig(), func() time.Time { return now })
	svc := New(st, eng, slog.New(slog.DiscardHandler))
	const n = 30
	var accounts, pending []store.Account
	for i := range n {
		a := store.Account{Slug: fmt.Sprintf("acct-%02d", i), Name: fmt.Sprintf("Acct %02d", i), Tier: store.TierHigh, Phase: store.PhaseAdoption, Seats: 10, ActiveUsers: 1, UsageDate: day("2026-03-01")}
		accounts = append(accounts, a)
		a.ActiveUsers, a.UsageDate = 7, day("2026-03-05")
		pending = append(pending, a)
	}
	if err := eng.Put(ctx, accounts...); err != nil {
		t.Fatal(err)
	}
	if err := st.PutPending(ctx, pending); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, n+1)
	wg.Go(func() {
		_, err := svc.ApplyPending(ctx)
		errs <- err
	})
	for _, a := range accounts {
		wg.Go(func() {
			_, err := eng.Update(ctx, a.Slug, func(a *store.Account) error {
				a.LastTouch = now
				return nil
			})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range accounts {
		got, err := st.Account(ctx, want.Slug)
		if err != nil {
			t.Fatal(err)
		}
		if got.ActiveUsers != 7 || !got.LastTouch.Equal(now) {
			t.Errorf("%s: %d active users, last touch %v; want the batch's 7 and the note's %v", got.Slug, got.ActiveUsers, got.LastTouch, now)
		}
	}
}

// Amounts at the cap add up past int64 without wrapping: ARR stays at the
// cap, and an amount over it is a bad item that changes nothing.
func TestRevenueHugeAmounts(t *testing.T) {
	ctx := context.Background()
	svc, st := newService(t) // acme 100,000
	var b strings.Builder
	b.WriteString(`[{"id": "over", "account": "acme", "type": "expansion", "arr": 1000000000000001, "at": "2026-03-01"}`)
	for i := range 20 {
		fmt.Fprintf(&b, `, {"id": "x%d", "account": "acme", "type": "expansion", "arr": %d, "at": "2026-03-02"}`, i, int64(store.MaxARR))
	}
	b.WriteString("]")
	items, err := DecodeJSON(Revenue, []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	res, err := svc.Ingest(ctx, Batch{Kind: Revenue, Items: items})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Errors) != 1 || res.Errors[0].Error() != "items[0] (over): arr: 1000000000000001 is too large: the limit is 1000000000000000" {
		t.Errorf("errors = %v, want items[0] refused as too large", res.Errors)
	}
	a, err := st.Account(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if a.ARR != store.MaxARR {
		t.Errorf("acme ARR = %d after 20 expansions at the cap, want the cap %d", a.ARR, int64(store.MaxARR))
	}
}

func TestFoldARRSaturates(t *testing.T) {
	evs := []store.RevenueEvent{{Type: store.RevenueBase, ARR: store.MaxARR}}
	for range 10000 { // 10^19 in all: past math.MaxInt64
		evs = append(evs, store.RevenueEvent{Type: store.RevenueExpansion, ARR: store.MaxARR})
	}
	if arr, _, _ := foldARR(evs); arr != math.MaxInt64 {
		t.Errorf("foldARR = %d, want the saturated math.MaxInt64", arr)
	}
	for range 20000 {
		evs = append(evs, store.RevenueEvent{Type: store.RevenueContraction, ARR: store.MaxARR})
	}
	if arr, _, _ := foldARR(evs); arr != -math.MaxInt64 {
		t.Errorf("foldARR = %d, want the saturated -math.MaxInt64", arr)
	}
}
