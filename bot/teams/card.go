package teams

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/bot/i18n"
)

// Limits of a Teams message and of csbot's cards.
const (
	// MaxMessageBytes is Teams' limit on one message, cards included.
	MaxMessageBytes = 28 * 1024
	// cardBudget is the most JSON one card may take, leaving room in the
	// message for the envelope and the cut notice of an outgoing webhook
	// answer.
	cardBudget = 24 * 1024
	// maxLine bounds one line of text, so any single element fits a card.
	maxLine = 2000
	// maxFact bounds a field's name and value.
	maxFactName, maxFactValue = 200, 1000
)

// CardVersion is the Adaptive Card schema csbot writes: 1.4 renders in every
// Teams client (desktop, web, mobile) and in cards posted by Workflows.
const CardVersion = "1.4"

const (
	cardContentType = "application/vnd.microsoft.card.adaptive"
	cardSchema      = "http://adaptivecards.io/schemas/adaptive-card.json"
)

// Activity is a Bot Framework message activity: what an outgoing webhook
// answers, and what a Workflows webhook takes.
type Activity struct {
	Type        string       `json:"type"`
	TextFormat  string       `json:"textFormat,omitempty"`
	Text        string       `json:"text,omitempty"`
	Summary     string       `json:"summary,omitempty"`
	Attachments []Attachment `json:"attachments,omitempty"`
}

// Attachment carries one card. Workflows' "Post to a channel when a
// webhook request is received" posts each attachment's content.
type Attachment struct {
	ContentType string `json:"contentType"`
	// ContentURL is always null, as in Microsoft's samples.
	ContentURL *string `json:"contentUrl"`
	Content    Card    `json:"content"`
}

// Card is an Adaptive Card.
type Card struct {
	Type    string    `json:"type"`
	Schema  string    `json:"$schema"`
	Version string    `json:"version"`
	Body    []Element `json:"body"`
	MSTeams *MSTeams  `json:"msteams,omitempty"`
	// summary is the plain-text line notifications show.
	summary string
}

// MSTeams holds the Teams-only card properties.
type MSTeams struct {
	// Width "Full" lets aligned columns use the whole message width.
	Width    string    `json:"width,omitempty"`
	Entities []Mention `json:"entities,omitempty"`
}

// Mention makes "<at>Name</at>" in a TextBlock notify a user.
type Mention struct {
	Type      string    `json:"type"`
	Text      string    `json:"text"`
	Mentioned Mentioned `json:"mentioned"`
}

// Mentioned is the user of a mention; ID is their AAD object id.
type Mentioned struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Element is one card element: a TextBlock, a Container of items or a
// FactSet, told apart by Type.
type Element struct {
	Type     string    `json:"type"`
	Text     string    `json:"text,omitempty"`
	Weight   string    `json:"weight,omitempty"`
	Size     string    `json:"size,omitempty"`
	Color    string    `json:"color,omitempty"`
	FontType string    `json:"fontType,omitempty"`
	IsSubtle bool      `json:"isSubtle,omitempty"`
	Spacing  string    `json:"spacing,omitempty"`
	Wrap     bool      `json:"wrap,omitempty"`
	Style    string    `json:"style,omitempty"`
	Bleed    bool      `json:"bleed,omitempty"`
	Items    []Element `json:"items,omitempty"`
	Facts    []Fact    `json:"facts,omitempty"`
}

// Fact is one row of a FactSet.
type Fact struct {
	Title string `json:"title"`
	Value string `json:"value"`
}

// bandStyle colours the title by health band with the container styles
// every Teams theme defines.
var bandStyle = map[string]string{"green": "good", "yellow": "warning", "red": "attention", "none": "emphasis"}

var bandEmoji = map[string]string{"green": "🟢", "yellow": "🟡", "red": "🔴"}

// mention is who a proactive message is for.
type mention struct {
	name, handle string
	// aadID, when known, makes the mention notify them.
	aadID string
}

// render renders a reply as Adaptive Cards, split so each fits one Teams
// message: the title opens the first card, hints and the footer close the
// last. forWhom, when set, opens the first card with a line naming who the
// message is for. It returns at least one card.
//
// Buttons become hint lines ("Onboarding: `@csbot onboarding acme`"): a
// card's Action.Submit cannot reach an outgoing webhook, and Workflows
// cards would send it to the flow, not to csbot. The Image is left out:
// an outgoing webhook cannot upload it, and Text carries a sparkline of
// the same data. What it writes itself is in l's language.
func render(l *i18n.Localizer, r bot.Reply, botName string, forWhom *mention) []Card {
	var head, body, tail []Element
	var entities []Mention
	if forWhom != nil {
		text := l.T("adapter.for_member", i18n.Data{"Name": forWhom.name + " (@" + forWhom.handle + ")"})
		if forWhom.aadID != "" {
			at := "<at>" + forWhom.name + "</at>"
			text = l.T("adapter.for_member", i18n.Data{"Name": at})
			entities = append(entities, Mention{Type: "mention", Text: at, Mentioned: Mentioned{ID: forWhom.aadID, Name: forWhom.name}})
		}
		head = append(head, Element{Type: "TextBlock", Text: clip(text, maxLine), Wrap: true, IsSubtle: true})
	}
	if r.Title != "" {
		title := r.Title
		if e := bandEmoji[r.Band]; e != "" {
			title = e + " " + title
		}
		style := bandStyle[r.Band]
		if r.Error {
			style = "attention"
		}
		tb := Element{Type: "TextBlock", Text: clip(title, maxLine), Weight: "Bolder", Size: "Medium", Wrap: true}
		if style == "" {
			head = append(head, tb)
		} else {
			head = append(head, Element{Type: "Container", Style: style, Bleed: true, Items: []Element{tb}})
		}
	}
	if r.Text != "" {
		text := r.Text
		if r.Error {
			text = "⚠️ " + text
		}
		lines := textLines(strings.Split(text, "\n"))
		if r.Error {
			for i := range lines {
				lines[i].Color = "Attention"
			}
		}
		body = append(body, lines...)
	}
	body = append(body, factSets(r.Fields)...)
	for _, s := range r.Sections {
		lines := textLines(s.Lines)
		if t := strings.TrimSpace(s.Title); t != "" {
			lines = append([]Element{{Type: "TextBlock", Text: clip(t, maxLine), Weight: "Bolder", Spacing: "Medium", Wrap: true}}, lines...)
		} else if len(lines) > 0 {
			lines[0].Spacing = "Medium"
		}
		body = append(body, lines...)
	}
	for i, h := range hints(l, r.Buttons, botName) {
		e := Element{Type: "TextBlock", Text: clip(h, maxLine), IsSubtle: true, Wrap: true, Spacing: "None"}
		if i == 0 {
			e.Spacing = "Medium"
		}
		tail = append(tail, e)
	}
	if r.Footer != "" {
		tail = append(tail, Element{Type: "TextBlock", Text: clip(r.Footer, maxLine), IsSubtle: true, Size: "Small", Spacing: "Medium", Wrap: true})
	}
	cards := paginate(head, body, tail, entities)
	summary := clip(summaryOf(r), 200)
	for i := range cards {
		cards[i].summary = summary
	}
	return cards
}

// summaryOf is the reply's title, else the first line of its text.
func summaryOf(r bot.Reply) string {
	if r.Title != "" {
		return r.Title
	}
	first, _, _ := strings.Cut(r.Text, "\n")
	return first
}

// hints turns buttons into the lines a user replies with (Button.Typed).
func hints(l *i18n.Localizer, buttons []bot.Button, botName string) []string {
	var out []string
	for _, b := range buttons {
		out = append(out, l.T("adapter.teams.hint", i18n.Data{"Label": cmp.Or(b.Label, b.ID), "Bot": botName, "Command": b.Typed()}))
	}
	return out
}

// textLines makes one TextBlock per line: a single "\n" inside a TextBlock
// does not break the line in every Teams client. Aligned lines (columns
// laid out with runs of spaces) are monospaced, with non-breaking spaces
// so the markdown renderer keeps the runs.
func textLines(lines []string) []Element {
	var out []Element
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		e := Element{Type: "TextBlock", Text: clip(l, maxLine), Wrap: true}
		if len(out) > 0 {
			e.Spacing = "None"
		}
		if bot.Aligned(l) {
			e.FontType = "Monospace"
			e.Text = strings.ReplaceAll(e.Text, " ", "\u00a0")
		}
		out = append(out, e)
	}
	return out
}

// factSets turns fields into FactSets, each small enough for a card.
func factSets(fields []bot.Field) []Element {
	var out []Element
	var cur []Fact
	size := 0
	base := len(mustJSON(Element{Type: "FactSet", Facts: []Fact{}}))
	for _, f := range fields {
		fact := Fact{Title: clip(strings.TrimSpace(f.Name), maxFactName), Value: clip(f.Value, maxFactValue)}
		n := len(mustJSON(fact)) + 1
		// Half a card, so a fact set shares its card with the title.
		if len(cur) > 0 && base+size+n > cardBudget/2 {
			out = append(out, Element{Type: "FactSet", Facts: cur})
			cur, size = nil, 0
		}
		cur = append(cur, fact)
		size += n
	}
	if len(cur) > 0 {
		out = append(out, Element{Type: "FactSet", Facts: cur})
	}
	return out
}

// paginate packs elements into cards of at most cardBudget bytes of JSON,
// keeping head and tail whole unless one alone is over the budget.
func paginate(head, body, tail []Element, entities []Mention) []Card {
	newCard := func(withEntities bool) Card {
		c := Card{Type: "AdaptiveCard", Schema: cardSchema, Version: CardVersion, Body: []Element{}, MSTeams: &MSTeams{Width: "Full"}}
		if withEntities && len(entities) > 0 {
			c.MSTeams.Entities = entities
		}
		return c
	}
	groups := [][]Element{head}
	for _, e := range body {
		groups = append(groups, []Element{e})
	}
	groups = append(groups, tail)
	var cards []Card
	cur := newCard(true)
	size := len(mustJSON(cur))
	flush := func() {
		cards = append(cards, cur)
		cur = newCard(false)
		size = len(mustJSON(cur))
	}
	for _, g := range groups {
		sizes := make([]int, len(g))
		gsize := 0
		for i, e := range g {
			sizes[i] = len(mustJSON(e)) + 1 // and a comma
			gsize += sizes[i]
		}
		if len(cur.Body) > 0 && size+gsize > cardBudget {
			flush()
		}
		for i, e := range g {
			if len(cur.Body) > 0 && size+sizes[i] > cardBudget {
				flush()
			}
			cur.Body = append(cur.Body, e)
			size += sizes[i]
		}
	}
	if len(cur.Body) > 0 || len(cards) == 0 {
		cards = append(cards, cur)
	}
	return cards
}

// message wraps a card in the activity Teams and Workflows take.
func message(c Card) Activity {
	return Activity{Type: "message", Summary: c.summary, Attachments: []Attachment{{ContentType: cardContentType, Content: c}}}
}

// textOnly reports whether a reply is one markdown paragraph or a few:
// such replies are answered as a plain message, which reads better in a
// thread and in notifications than a card.
func textOnly(r bot.Reply) bool {
	return r.Title == "" && len(r.Fields) == 0 && len(r.Sections) == 0 && len(r.Buttons) == 0 && r.Footer == ""
}

var mdEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// markdown renders a text-only reply as a Teams message text: Teams reads
// "<at>" and other tags in it as markup, so they are escaped, and a single
// newline does not break the line, so lines become paragraphs.
func markdown(r bot.Reply) string {
	text := r.Text
	if r.Error {
		text = "⚠️ " + text
	}
	var paras []string
	for _, l := range strings.Split(text, "\n") {
		if strings.TrimSpace(l) != "" {
			paras = append(paras, mdEscaper.Replace(clip(l, maxLine)))
		}
	}
	return strings.Join(paras, "\n\n")
}

// answer is the outgoing webhook's answer to a reply: a markdown message
// for text, else the first card. A reply too long for one message is cut
// there, saying so (in l's language): an outgoing webhook gets a single
// answer.
func answer(l *i18n.Localizer, r bot.Reply, botName string) Activity {
	if textOnly(r) {
		return Activity{Type: "message", TextFormat: "markdown", Text: markdown(r)}
	}
	cards := render(l, r, botName, nil)
	first := cards[0]
	if n := len(cards) - 1; n > 0 {
		first.Body = append(first.Body, Element{Type: "TextBlock", Color: "Warning", Spacing: "Medium", Wrap: true,
			Text: l.N("adapter.teams.too_long", n, nil)})
	}
	return message(first)
}

// clip shortens s to at most n runes, ending it with "…" when cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// mustJSON encodes v as it goes on the wire: without HTML escapes, which
// Teams does not need and which would make "<at>" six bytes longer.
func mustJSON(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(fmt.Sprintf("teams: encode %T: %v", v, err)) // only plain structs of strings are encoded
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}
