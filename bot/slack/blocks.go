package slack

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/bot/i18n"
	"github.com/csbot/csbot/store"
)

// Slack's Block Kit limits, from its public docs.
const (
	maxBlocks      = 50   // blocks per message
	maxSectionText = 3000 // section text, context element and fallback text
	maxFields      = 10   // fields per section
	maxFieldText   = 2000 // one field's text
	maxHeader      = 150  // header text
	maxActions     = 25   // elements per actions block
	maxButtonText  = 75   // button label
	// maxNoteText keeps a note from the modal inside the router's 4 KiB
	// limit even in three-byte scripts (Japanese), with room for the command.
	maxNoteText = 1200
)

// Ids of the note modal, read by the interaction handler.
const (
	NoteCallbackID                    = "note"
	NoteTextBlockID, NoteTextActionID = "note_text", "text"
	NoteKindBlockID, NoteKindActionID = "note_kind", "kind"
)

// NoteKinds are the touch kinds the note modal offers: those /cs note knows.
var NoteKinds = store.TouchKinds

const NoteDefaultKind = "note"

var bandEmoji = map[string]string{
	"green":  ":large_green_circle:",
	"yellow": ":large_yellow_circle:",
	"red":    ":red_circle:",
}

var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// esc escapes text for Slack mrkdwn; backticks and other markup stay.
func esc(s string) string { return escaper.Replace(s) }

// Render turns a reply into one or more Slack messages, split so each stays
// inside Slack's limits: the header opens the first message, the buttons
// and the footer close the last. It returns at least one message.
func Render(r bot.Reply) []Message {
	var head, body, tail []slack.Block
	if r.Title != "" {
		title := r.Title
		if e := bandEmoji[r.Band]; e != "" {
			title = e + " " + title
		}
		head = append(head, slack.NewHeaderBlock(plain(clip(title, maxHeader))))
	}
	if r.Text != "" {
		text := r.Text
		if r.Error {
			text = ":warning: " + text
		}
		var lines []bot.Line
		for _, l := range strings.Split(text, "\n") {
			lines = append(lines, bot.Line{Text: esc(l)})
		}
		body = append(body, sections(lines)...)
	}
	var fields []*slack.TextBlockObject
	for _, f := range r.Fields {
		if t := fieldText(f); t != "" {
			fields = append(fields, mrkdwn(clip(t, maxFieldText)))
		}
	}
	for chunk := range slices.Chunk(fields, maxFields) {
		body = append(body, slack.NewSectionBlock(nil, chunk, nil))
	}
	for _, s := range r.Sections {
		var lines []bot.Line
		if t := strings.TrimSpace(s.Title); t != "" {
			lines = append(lines, bot.Line{Text: "*" + esc(t) + "*"})
		}
		for _, l := range s.Lines {
			lines = append(lines, bot.Line{Text: esc(l), Code: bot.Aligned(l)})
		}
		body = append(body, sections(lines)...)
	}
	var buttons []slack.BlockElement
	for _, b := range r.Buttons {
		label := cmp.Or(b.Label, b.ID)
		buttons = append(buttons, slack.NewButtonBlockElement(b.ID, b.Value, plain(clip(label, maxButtonText))))
	}
	for chunk := range slices.Chunk(buttons, maxActions) {
		id := "actions" // block ids must be unique within a message
		if n := len(tail); n > 0 {
			id = fmt.Sprintf("actions_%d", n+1)
		}
		tail = append(tail, slack.NewActionBlock(id, chunk...))
	}
	if r.Footer != "" {
		tail = append(tail, slack.NewContextBlock("", mrkdwn(clip(esc(r.Footer), maxSectionText))))
	}
	return paginate(clip(esc(cmp.Or(r.Title, r.Text)), maxSectionText), head, body, tail)
}

// paginate packs the blocks into messages of at most maxBlocks, keeping
// head and tail whole unless one alone is over the limit.
func paginate(fallback string, head, body, tail []slack.Block) []Message {
	groups := [][]slack.Block{head}
	for _, b := range body {
		groups = append(groups, []slack.Block{b})
	}
	groups = append(groups, tail)
	var msgs []Message
	var cur []slack.Block
	flush := func() {
		msgs = append(msgs, Message{Text: fallback, Blocks: cur})
		cur = nil
	}
	for _, g := range groups {
		if len(cur) > 0 && len(cur)+len(g) > maxBlocks {
			flush()
		}
		for _, b := range g {
			if len(cur) == maxBlocks {
				flush()
			}
			cur = append(cur, b)
		}
	}
	if len(cur) > 0 || len(msgs) == 0 {
		flush()
	}
	return msgs
}

// sections packs lines into mrkdwn section blocks of at most maxSectionText
// runes each, cutting only between lines unless one line alone is too long.
// Runs of code lines are fenced in every block they reach.
func sections(lines []bot.Line) []slack.Block {
	var blocks []slack.Block
	var cur []bot.Line
	size := 0
	flush := func() {
		if text := bot.JoinLines(cur); strings.TrimSpace(text) != "" {
			blocks = append(blocks, slack.NewSectionBlock(mrkdwn(text), nil, nil))
		}
		cur, size = nil, 0
	}
	for _, l := range lines {
		limit := maxSectionText
		if l.Code {
			limit -= bot.FenceCost
		}
		for _, piece := range split(l.Text, limit) {
			p := bot.Line{Text: piece, Code: l.Code}
			if len(cur) > 0 && size+p.Cost(cur, utf8.RuneCountInString) > maxSectionText {
				flush()
			}
			size += p.Cost(cur, utf8.RuneCountInString)
			cur = append(cur, p)
		}
	}
	flush()
	return blocks
}

// split cuts s into pieces of at most n runes, never inside an escape.
func split(s string, n int) []string {
	rs := []rune(s)
	var pieces []string
	for len(rs) > n {
		i := cut(rs, n)
		pieces = append(pieces, string(rs[:i]))
		rs = rs[i:]
	}
	return append(pieces, string(rs))
}

// clip shortens s to at most n runes, ending it with "…" when cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	rs := []rune(s)
	return string(rs[:cut(rs, n-1)]) + "…"
}

// cut returns where to cut rs to keep at most n runes without splitting an
// escape such as "&amp;" (at most 5 runes).
func cut(rs []rune, n int) int {
	for i := n - 1; i >= max(n-4, 1); i-- {
		if rs[i] == ';' {
			break
		}
		if rs[i] == '&' {
			return i
		}
	}
	return n
}

func fieldText(f bot.Field) string {
	name, value := strings.TrimSpace(f.Name), esc(f.Value)
	if name == "" {
		return value
	}
	return "*" + esc(name) + "*\n" + value
}

func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, true, false)
}

func mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
}

// NoteModal is the "Log a touch" modal opened by the note button, in l's
// language: a multiline text input for the note and a static select for
// its kind. private_metadata carries the account slug, and the channel the
// button was pressed in and its name (see noteTarget), which the note's
// audit record names.
func NoteModal(l *i18n.Localizer, slug, accountName, channel, channelName string) slack.ModalViewRequest {
	kinds := make([]*slack.OptionBlockObject, len(NoteKinds))
	for i, k := range NoteKinds {
		kinds[i] = slack.NewOptionBlockObject(k, plain(l.T("note.option."+k, nil)), nil)
	}
	kind := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain(l.T("note.modal.kind_hint", nil)), NoteKindActionID, kinds...)
	kind.InitialOption = kinds[slices.Index(NoteKinds, NoteDefaultKind)]
	text := slack.NewPlainTextInputBlockElement(plain(l.T("note.modal.text_hint", nil)), NoteTextActionID)
	text.Multiline = true
	text.MaxLength = maxNoteText
	account := l.T("note.modal.account", i18n.Data{"Account": "*" + esc(cmp.Or(accountName, slug)) + "*"})
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      NoteCallbackID,
		PrivateMetadata: strings.Join(slices.DeleteFunc([]string{slug, channel, channelName}, func(s string) bool { return s == "" }), " "),
		Title:           plain(l.T("note.modal.title", nil)),
		Submit:          plain(l.T("note.modal.submit", nil)),
		Close:           plain(l.T("note.modal.close", nil)),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewContextBlock("", mrkdwn(clip(account, maxSectionText))),
			slack.NewInputBlock(NoteTextBlockID, plain(l.T("note.modal.text", nil)), nil, text),
			slack.NewInputBlock(NoteKindBlockID, plain(l.T("note.modal.kind", nil)), nil, kind),
		}},
	}
}
