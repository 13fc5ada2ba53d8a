package discord

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf16"

	"github.com/bwmarrin/discordgo"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/bot/i18n"
)

// Discord's message limits, from its public docs. Lengths count UTF-16
// code units, as Discord's JavaScript clients do.
const (
	maxEmbeds      = 10   // embeds per message
	maxMessageText = 6000 // over all embeds of a message
	maxTitle       = 256
	maxDescription = 4096
	maxFields      = 25 // per embed
	maxFieldName   = 256
	maxFieldValue  = 1024
	// maxFooter is below Discord's 2,048 so that any embed (at most
	// maxEmbedText) still fits in a message with the footer.
	maxFooter    = 1024
	maxEmbedText = maxMessageText - maxFooter
	maxRowItems  = 5 // buttons per action row
	maxRows      = 5 // action rows per message
	maxLabel     = 80
	maxCustomID  = 100
	// maxNoteText keeps a note from the modal inside the router's 4 KiB
	// limit even in three-byte scripts (Japanese), with room for the command.
	maxNoteText = 1200
	// inlineField is the longest field value shown in a column.
	inlineField = 40
)

// Colours of the embed's side bar by health band.
var bandColour = map[string]int{
	"green":  0x57F287,
	"yellow": 0xFEE75C,
	"red":    0xED4245,
	"none":   0x99AAB5,
}

// errorColour marks refusals and failures without a band.
const errorColour = 0xFAA61A

// Custom id kinds of buttons and the note modal.
const (
	kindRun  = "run"  // the value is a command line
	kindNote = "note" // the value is an account slug
)

// Message is one Discord message: embeds, buttons and the chart file.
type Message struct {
	Embeds     []*discordgo.MessageEmbed    `json:"embeds"`
	Components []discordgo.MessageComponent `json:"components,omitempty"`
	// Refs are button values too long for a custom_id, by the key the
	// custom_id carries; they are saved before the message is sent.
	Refs map[string]string `json:"refs,omitempty"`
	// Image is the file the first embed shows.
	Image *bot.Image `json:"-"`
}

// Render turns a reply into one or more Discord messages within Discord's
// limits: the title and fields open the first, text and sections follow,
// the footer and buttons close the last. It returns at least one message.
// What it writes itself (a message of more buttons) is in l's language.
func Render(l *i18n.Localizer, r bot.Reply) []Message {
	colour := bandColour[r.Band]
	if colour == 0 && r.Error {
		colour = errorColour
	}
	e := &embedder{colour: colour}
	e.cur = e.newEmbed()
	e.cur.Title = clipText(esc(r.Title), maxTitle)
	e.size = size(e.cur.Title)
	if r.Text != "" {
		text := r.Text
		if r.Error {
			text = "⚠️ " + text
		}
		for _, line := range strings.Split(text, "\n") {
			e.addLine(bot.Line{Text: esc(line)})
		}
	}
	for _, f := range r.Fields {
		e.addField(f)
	}
	for _, s := range r.Sections {
		if t := strings.TrimSpace(s.Title); t != "" {
			e.addLine(bot.Line{Text: "**" + esc(t) + "**", Gap: true})
		}
		for i, line := range s.Lines {
			code := bot.Aligned(line)
			text := line
			if !code {
				text = esc(line)
			}
			e.addLine(bot.Line{Text: text, Code: code, Gap: i == 0 && strings.TrimSpace(s.Title) == ""})
		}
	}
	e.flush()
	msgs := pack(e.embeds, clipText(strings.TrimSpace(r.Footer), maxFooter))
	if r.Image != nil && len(r.Image.PNG) > 0 {
		msgs[0].Image = r.Image
		msgs[0].Embeds[0].Image = &discordgo.MessageEmbedImage{URL: "attachment://" + r.Image.Name}
	}
	return addButtons(l, msgs, r.Buttons)
}

// embedder fills embeds in order, starting a new one when the next piece
// does not fit: a description line after fields (Discord shows the
// description first), a 26th field, or a size over the limits.
type embedder struct {
	colour int
	embeds []*discordgo.MessageEmbed
	cur    *discordgo.MessageEmbed
	lines  []bot.Line
	// size is cur's text so far, descSize its description's share.
	size, descSize int
}

func (e *embedder) newEmbed() *discordgo.MessageEmbed {
	return &discordgo.MessageEmbed{Type: discordgo.EmbedTypeRich, Color: e.colour}
}

func (e *embedder) flush() {
	e.cur.Description = bot.JoinLines(e.lines)
	if e.cur.Title != "" || e.cur.Description != "" || len(e.cur.Fields) > 0 || len(e.embeds) == 0 {
		e.embeds = append(e.embeds, e.cur)
	}
	e.cur, e.lines, e.size, e.descSize = e.newEmbed(), nil, 0, 0
}

func (e *embedder) addLine(l bot.Line) {
	limit := maxDescription
	if l.Code {
		limit -= bot.FenceCost
	}
	for _, piece := range splitText(l.Text, limit) {
		p := bot.Line{Text: piece, Code: l.Code, Gap: l.Gap}
		c := p.Cost(e.lines, size)
		if len(e.cur.Fields) > 0 || e.descSize+c > maxDescription || e.size+c > maxEmbedText {
			e.flush()
			c = p.Cost(e.lines, size)
		}
		e.lines = append(e.lines, p)
		e.size, e.descSize = e.size+c, e.descSize+c
		l.Gap = false
	}
}

func (e *embedder) addField(f bot.Field) {
	name := clipText(esc(strings.TrimSpace(f.Name)), maxFieldName)
	value := clipText(esc(strings.TrimSpace(f.Value)), maxFieldValue)
	if name == "" {
		name = "\u200b" // Discord refuses empty names and values
	}
	if value == "" {
		value = "—"
	}
	c := size(name) + size(value)
	if len(e.cur.Fields) == maxFields || e.size+c > maxEmbedText {
		e.flush()
	}
	e.cur.Fields = append(e.cur.Fields, &discordgo.MessageEmbedField{
		Name: name, Value: value, Inline: size(value) <= inlineField && !strings.Contains(value, "\n"),
	})
	e.size += c
}

// pack puts embeds into messages of at most maxEmbeds and maxMessageText,
// the footer on the last embed. It returns at least one message.
func pack(embeds []*discordgo.MessageEmbed, footer string) []Message {
	var msgs []Message
	total := 0
	for _, em := range embeds {
		n := embedSize(em)
		if len(msgs) == 0 || len(msgs[len(msgs)-1].Embeds) == maxEmbeds || total+n > maxMessageText {
			msgs = append(msgs, Message{})
			total = 0
		}
		last := &msgs[len(msgs)-1]
		last.Embeds = append(last.Embeds, em)
		total += n
	}
	if footer != "" {
		last := &msgs[len(msgs)-1]
		if total+size(footer) > maxMessageText {
			// The last embed moves on; alone it fits with the footer.
			em := last.Embeds[len(last.Embeds)-1]
			last.Embeds = last.Embeds[:len(last.Embeds)-1]
			msgs = append(msgs, Message{Embeds: []*discordgo.MessageEmbed{em}})
			last = &msgs[len(msgs)-1]
		}
		last.Embeds[len(last.Embeds)-1].Footer = &discordgo.MessageEmbedFooter{Text: footer}
	}
	return msgs
}

func embedSize(em *discordgo.MessageEmbed) int {
	n := size(em.Title) + size(em.Description)
	for _, f := range em.Fields {
		n += size(f.Name) + size(f.Value)
	}
	if em.Footer != nil {
		n += size(em.Footer.Text)
	}
	return n
}

// addButtons puts the buttons on the last message, 5 to a row and 5 rows
// to a message; more go on messages of their own.
func addButtons(l *i18n.Localizer, msgs []Message, buttons []bot.Button) []Message {
	var ids []string
	refs := map[string]string{}
	var btns []discordgo.MessageComponent
	for _, b := range buttons {
		kind, value := kindRun, b.Value
		if b.OpensNote() {
			kind = kindNote
		}
		id, key := customID(kind, value, ids)
		ids = append(ids, id)
		if key != "" {
			refs[key] = value
		}
		btns = append(btns, discordgo.Button{Label: clipText(cmp.Or(b.Label, b.ID), maxLabel), Style: discordgo.SecondaryButton, CustomID: id})
	}
	for i, chunk := range slices.Collect(slices.Chunk(btns, maxRowItems*maxRows)) {
		if i > 0 {
			msgs = append(msgs, Message{Embeds: []*discordgo.MessageEmbed{{Type: discordgo.EmbedTypeRich, Description: l.T("adapter.more_actions", nil)}}})
		}
		m := &msgs[len(msgs)-1]
		for row := range slices.Chunk(chunk, maxRowItems) {
			m.Components = append(m.Components, discordgo.ActionsRow{Components: row})
		}
		for _, c := range chunk {
			id := c.(discordgo.Button).CustomID
			if key := refKey(id); key != "" {
				if m.Refs == nil {
					m.Refs = map[string]string{}
				}
				m.Refs[key] = refs[key]
			}
		}
	}
	return msgs
}

// customID encodes a button as "<kind>:<value>". A value too long for
// Discord's 100 characters is replaced by "<kind>#<key>", key being a
// hash of the value saved in the store. A repeated id gets a number after
// its kind ("run2:..."), as custom ids must differ within a message.
func customID(kind, value string, taken []string) (id, key string) {
	for n := 1; ; n++ {
		k := kind
		if n > 1 {
			k = fmt.Sprintf("%s%d", kind, n)
		}
		id = k + ":" + value
		key = ""
		if len(id) > maxCustomID {
			sum := sha256.Sum256([]byte(value))
			key = hex.EncodeToString(sum[:16])
			id = k + "#" + key
		}
		if !slices.Contains(taken, id) {
			return id, key
		}
	}
}

// parseCustomID splits a custom id into its kind, and its value or the
// key of the value saved in the store.
func parseCustomID(id string) (kind, value, key string, ok bool) {
	i := strings.IndexAny(id, ":#")
	if i < 0 {
		return "", "", "", false
	}
	kind = strings.TrimRightFunc(id[:i], unicode.IsDigit)
	if id[i] == '#' {
		return kind, "", id[i+1:], true
	}
	return kind, id[i+1:], "", true
}

func refKey(id string) string {
	_, _, key, _ := parseCustomID(id)
	return key
}

// esc escapes Discord markdown in text outside `code` spans and links, so
// names such as "foo_bar_baz" show as written; backticks stay markup.
func esc(s string) string {
	var b strings.Builder
	inCode := false
	lineStart := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '`':
			inCode = !inCode
		case inCode:
		case !inCode && (strings.HasPrefix(s[i:], "http://") || strings.HasPrefix(s[i:], "https://")):
			end := strings.IndexFunc(s[i:], unicode.IsSpace)
			if end < 0 {
				end = len(s) - i
			}
			b.WriteString(s[i : i+end])
			i += end - 1
			lineStart = false
			continue
		case strings.IndexByte(`\*_~|`, c) >= 0, lineStart && (c == '>' || c == '#'):
			b.WriteByte('\\')
		}
		b.WriteByte(c)
		lineStart = c == '\n'
	}
	return b.String()
}

// size is the length of s as Discord counts it: UTF-16 code units.
func size(s string) int {
	n := 0
	for _, r := range s {
		n += max(utf16.RuneLen(r), 1)
	}
	return n
}

// clipText shortens s to at most n units, ending it with "…" when cut.
func clipText(s string, n int) string {
	if size(s) <= n {
		return s
	}
	return splitText(s, n-1)[0] + "…"
}

// splitText cuts s into pieces of at most n units, between runes (a
// rune wider than n goes whole).
func splitText(s string, n int) []string {
	var pieces []string
	start, used := 0, 0
	for i, r := range s {
		l := max(utf16.RuneLen(r), 1)
		if used+l > n && i > start {
			pieces = append(pieces, s[start:i])
			start, used = i, 0
		}
		used += l
	}
	return append(pieces, s[start:])
}
