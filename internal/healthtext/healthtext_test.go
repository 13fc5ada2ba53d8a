package healthtext

import (
	"testing"
	"time"

	"github.com/csbot/csbot/bot/i18n"
	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/health"
)

func ptr[T any](v T) *T { return &v }

var (
	en = i18n.For("en")
	ja = i18n.For("ja")
)

func TestReason(t *testing.T) {
	day := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		risk   store.Risk
		en, ja string
	}{
		{store.Risk{Rule: health.RuleRedBand, Score: 31, Limit: 40},
			"health 31 is in the red band (below 40)", "ヘルススコア31は危険ゾーンです（40未満）"},
		{store.Risk{Rule: health.RuleDrop, Points: 18, Days: 30},
			"health fell 18 points in 30 days", "ヘルススコアが30日間で18ポイント低下しました"},
		{store.Risk{Rule: health.RuleRenewal, Days: 1, Date: day, Score: 20, Limit: 60},
			"renews in 1 day (2027-01-01) with health 20, below 60", "更新日（2027年1月1日）まであと1日ですが、ヘルススコアが20で基準の60を下回っています"},
		{store.Risk{Rule: health.RuleRenewal, Days: 0, Date: day, Score: 20, Limit: 60},
			"renews in 0 days (2027-01-01) with health 20, below 60", "更新日（2027年1月1日）まであと0日ですが、ヘルススコアが20で基準の60を下回っています"},
		{store.Risk{Rule: health.RuleStalled, Days: 14, Milestone: "Admin configured"},
			"onboarding stalled: no milestone done for 14 days (next: Admin configured)", "オンボーディングが停滞しています：14日間マイルストーンの完了がありません（次：Admin configured）"},
		{store.Risk{Rule: health.RuleDetractor, Score: 5, Date: day},
			"NPS detractor: answered 5 on 2027-01-01", "NPSで批判者の回答がありました：2027年1月1日に5点"},
		{store.Risk{Rule: health.RuleNoTouch, Days: 20, Tier: store.TierHigh, Limit: 14},
			"no touch for 20 days (high touch allows 14)", "20日間接点がありません（ハイタッチの目安は14日以内）"},
		// A row from before the facts were kept reads as it was written.
		{store.Risk{Rule: health.RuleRedBand, Reason: "health 31 is in the red band (below 40)"},
			"health 31 is in the red band (below 40)", "health 31 is in the red band (below 40)"},
	}
	for _, tc := range tests {
		if got := Reason(en, tc.risk); got != tc.en {
			t.Errorf("Reason(en, %+v) = %q, want %q", tc.risk, got, tc.en)
		}
		if got := Reason(ja, tc.risk); got != tc.ja {
			t.Errorf("Reason(ja, %+v) = %q, want %q", tc.risk, got, tc.ja)
		}
	}
	// Every rule has its message in every language.
	for _, rule := range health.Rules {
		for _, l := range []*i18n.Localizer{en, ja} {
			if _, ok := l.Lookup("risk."+rule, nil); !ok {
				t.Errorf("no message risk.%s in %s", rule, l.Lang())
			}
		}
	}
}

func TestDetail(t *testing.T) {
	tests := []struct {
		comp   health.Component
		en, ja string
	}{
		{health.Component{Name: health.Usage, Detail: health.Detail{Active: 10, Seats: 50, Adoption: -1}},
			"10 of 50 seats active", "50席中10席が利用中"},
		{health.Component{Name: health.Usage, Detail: health.Detail{Active: 90, Seats: 100, Adoption: 80}},
			"90 of 100 seats active, 80% of key features", "100席中90席が利用中、主要機能の80%を活用"},
		{health.Component{Name: health.Engagement, Detail: health.Detail{Days: 0}}, "last touch today", "最終接点 今日"},
		{health.Component{Name: health.Engagement, Detail: health.Detail{Days: 1}}, "last touch yesterday", "最終接点 昨日"},
		{health.Component{Name: health.Engagement, Detail: health.Detail{Days: 60}}, "last touch 60 days ago", "最終接点 60日前"},
		{health.Component{Name: health.Satisfaction, Detail: health.Detail{NPS: ptr(9), CSAT: ptr(4.5)}},
			"NPS 9/10, CSAT 4.5/5", "NPS 9/10、CSAT 4.5/5"},
		{health.Component{Name: health.Satisfaction, Detail: health.Detail{CSAT: ptr(4.0)}}, "CSAT 4.0/5", "CSAT 4.0/5"},
		{health.Component{Name: health.Support, Detail: health.Detail{Open: 1}}, "1 open ticket", "未解決チケット1件"},
		{health.Component{Name: health.Support, Detail: health.Detail{Open: 5, Escalated: 3}},
			"5 open tickets, 3 escalated", "未解決チケット5件、うちエスカレーション3件"},
		{health.Component{Name: health.Onboarding, Detail: health.Detail{Due: 2, OnTime: 1}},
			"1 of 2 due milestones on time", "期限を迎えた2件中1件を期限内に完了"},
		{health.Component{Name: health.Onboarding}, "no milestone due yet", "期限を迎えたマイルストーンはまだありません"},
	}
	for _, tc := range tests {
		if got := Detail(en, tc.comp); got != tc.en {
			t.Errorf("Detail(en, %+v) = %q, want %q", tc.comp, got, tc.en)
		}
		if got := Detail(ja, tc.comp); got != tc.ja {
			t.Errorf("Detail(ja, %+v) = %q, want %q", tc.comp, got, tc.ja)
		}
	}
}

func TestInput(t *testing.T) {
	day := time.Date(2026, 11, 17, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		in     health.Input
		en, ja string
	}{
		{health.Input{Name: health.InputTickets, Date: day, Age: 8, Limit: 7, Stale: true},
			"ticket counts from 2026-11-17 (8 days ago), stale: older than 7 days", "チケット件数：2026年11月17日（8日前）、7日より古いため更新が必要です"},
		{health.Input{Name: health.InputUsage, Date: day, Age: 1, Limit: 7}, "usage data from 2026-11-17 (yesterday)", "利用データ：2026年11月17日（昨日）"},
		{health.Input{Name: health.InputMilestone}, "last milestone done: none yet", "最後に完了したマイルストーン：まだありません"},
		{health.Input{Name: health.InputNPS, Limit: 180}, "NPS answer: date unknown", "NPS回答：日付不明"},
		{health.Input{Name: health.InputTouch, Date: day, Age: -2}, "last touch from 2026-11-17 (in the future)", "最終接点：2026年11月17日（未来の日付）"},
	}
	for _, tc := range tests {
		if got := Input(en, tc.in); got != tc.en {
			t.Errorf("Input(en, %+v) = %q, want %q", tc.in, got, tc.en)
		}
		if got := Input(ja, tc.in); got != tc.ja {
			t.Errorf("Input(ja, %+v) = %q, want %q", tc.in, got, tc.ja)
		}
	}
}
