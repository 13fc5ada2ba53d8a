package commands

import (
	"context"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/bot/i18n"
	"github.com/csbot/csbot/commands/access"
	"github.com/csbot/csbot/internal/suggest"
	"github.com/csbot/csbot/store"
)

func (c *cmds) noteCommand() command {
	return command{For: needs(access.Note), Command: bot.Command{
		Name: "note",
		Args: []bot.Arg{
			{Name: "account", Kind: bot.Account, Required: true, Help: accountArg.Help},
			{Name: "text", Kind: bot.Text, Required: true, Help: "what happened; start with call, meeting, email... to set the kind"},
		},
		Summary: "log a touch (call, meeting, email) on the account's timeline",
		Help: "A note that starts with call, meeting, email, qbr, visit or demo is logged as that kind of touch. " +
			"Put quotes around account names with spaces.",
		Examples: []string{"/cs note acme call with the CTO, they want SSO", "/cs note \"Sakura Logistics\" email: sent the QBR deck"},
		Handler:  c.note,
	}}
}

func (c *cmds) note(ctx context.Context, req *bot.Request) (bot.Reply, error) {
	text := strings.TrimSpace(req.Arg("text"))
	if n := utf8.RuneCountInString(text); n > store.MaxNote {
		return bot.Reply{}, bot.Refusal("note.too_long", i18n.Data{"Length": n, "Max": store.MaxNote})
	}
	a, err := c.accountFor(ctx, req.Member, access.Note, req.Arg("account"))
	if err != nil {
		return bot.Reply{}, err
	}
	kind := touchKind(text)
	now := c.Health.Now()
	before := c.Health.Assess(a).Score
	if err := c.Store.AddTouch(ctx, store.Touch{Account: a.Slug, Kind: kind, Author: req.Member.ID, Text: text, At: now.UTC()}); err != nil {
		return bot.Reply{}, err
	}
	a, err = c.Health.Update(ctx, a.Slug, func(a *store.Account) error {
		a.LastTouch = store.Later(a.LastTouch, now.UTC())
		return nil
	})
	if err != nil {
		return bot.Reply{}, err
	}
	after := c.Health.Assess(a)
	l := req.L()
	data := i18n.Data{"Kind": l.T("note.kind."+kind, nil), "Account": a.Name, "Before": before, "After": after.Score}
	msg := l.T("note.logged", data)
	if before != after.Score && after.Score >= 0 {
		msg = l.T("note.logged_rescored", data)
	}
	return bot.Reply{Title: l.T("note.title", nil), Band: after.Band, Text: msg,
		Footer: l.T("note.footer", i18n.Data{"Author": req.Member.ID, "Time": stamp(l, now)})}, nil
}

// kindNames are the words a note may start with to set its kind, folded
// (suggest.Fold): each kind's id (call) and its name in every language
// csbot speaks (電話).
var kindNames = sync.OnceValue(func() map[string]string {
	names := map[string]string{}
	for _, k := range store.TouchKinds {
		names[k] = k
		for _, lang := range i18n.Supported() {
			names[suggest.Fold(i18n.For(lang).T("note.kind."+k, nil))] = k
		}
	}
	return names
})

// touchKind is the kind of touch a note's text starts with: a kind's id or
// name followed by white space, a colon or a comma ("call with the CTO",
// "電話：更新の相談", full-width forms alike); "note" when none.
func touchKind(text string) string {
	t := suggest.Fold(text)
	kind, longest := "note", 0
	for name, k := range kindNames() {
		rest, ok := strings.CutPrefix(t, name)
		if !ok || len(name) <= longest {
			continue
		}
		if r, _ := utf8.DecodeRuneInString(rest); rest == "" || unicode.IsSpace(r) || strings.ContainsRune(":,.、。", r) {
			kind, longest = k, len(name)
		}
	}
	return kind
}
