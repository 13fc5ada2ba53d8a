package demo_test

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/demo"
	"github.com/csbot/csbot/store/health"
	"github.com/csbot/csbot/store/storetest"
)

// japaneseText reports text with Japanese in it.
func japaneseText(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool {
		return unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Han)
	})
}

// The Japanese demo is the English one renamed: every account, team,
// milestone and Japanese member has a Japanese name, and nothing else
// moves, so the health story (scores, risks) is the same.
func TestJapaneseDataRenamesOnly(t *testing.T) {
	et, em, ea := demo.Data(now)
	jt, jm, ja := demo.DataIn(demo.Japanese, now)
	for i := range ja {
		if !japaneseText(ja[i].Name) {
			t.Errorf("account %s is named %q", ja[i].Slug, ja[i].Name)
		}
		for _, m := range ja[i].Milestones {
			if !japaneseText(m.Name) {
				t.Errorf("%s: milestone %q", ja[i].Slug, m.Name)
			}
		}
		e := ea[i]
		e.Name, e.Milestones = ja[i].Name, ja[i].Milestones
		if ja[i].Slug != e.Slug || ja[i].ARR != e.ARR || ja[i].History.End != e.History.End || ja[i].Owner != e.Owner {
			t.Errorf("%s: more than the names changed", ja[i].Slug)
		}
	}
	for i := range jt {
		if !japaneseText(jt[i].Name) || jt[i].ID != et[i].ID {
			t.Errorf("team %s is named %q", jt[i].ID, jt[i].Name)
		}
	}
	for i, m := range jm {
		if japaneseText(m.Name) != strings.HasPrefix(m.Locale, "ja") || m.ID != em[i].ID {
			t.Errorf("member %s (%s) is named %q", m.ID, m.Locale, m.Name)
		}
	}
	cfg := health.DefaultConfig()
	for i := range ja {
		er, jr := cfg.Score(ea[i], now), cfg.Score(ja[i], now)
		if len(cfg.Risks(ea[i], er, now)) != len(cfg.Risks(ja[i], jr, now)) || er.Score != jr.Score {
			t.Errorf("%s: the Japanese demo scores differently", ja[i].Slug)
		}
	}
}

// Seeding the Japanese demo writes its names, and its notes on the
// accounts' timelines.
func TestSeedJapanese(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	eng := health.NewEngine(st, health.DefaultConfig(), func() time.Time { return now })
	if _, err := demo.SeedIn(ctx, st, eng, demo.Japanese, now); err != nil {
		t.Fatal(err)
	}
	a, err := st.Account(ctx, "sakura-logistics")
	if err != nil || a.Name != "さくら物流" {
		t.Fatalf("sakura-logistics: %q, %v", a.Name, err)
	}
	m, err := st.Member(ctx, "kenji")
	if err != nil || m.Name != "渡辺 健二" {
		t.Fatalf("kenji: %q, %v", m.Name, err)
	}
	// The note on kitsune-games is stored: writing it again changes nothing.
	_, _, accounts := demo.DataIn(demo.Japanese, now)
	var kitsune store.Account
	for _, a := range accounts {
		if a.Slug == "kitsune-games" {
			kitsune = a
		}
	}
	at := kitsune.LastTouch.Add(15 * time.Hour)
	note := store.Touch{ID: "kitsune-games/" + at.Format(time.RFC3339Nano) + "/yui", Account: "kitsune-games", Kind: "call", Author: "yui", At: at,
		Text: "先方PMと定例。データ移行の担当者が退職し、移行が止まっている。来週までに後任を確認していただく。"}
	if changed, err := st.PutTouches(ctx, []store.Touch{note}); err != nil || len(changed) != 0 {
		t.Errorf("the Japanese note on kitsune-games is not stored as seeded: changed %+v, %v", changed, err)
	}
	if _, err := demo.SeedIn(ctx, st, eng, "fr", now); err == nil {
		t.Error("a demo in French: want an error")
	}
}
