package playbooks

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"text/template"
	"time"

	"github.com/csbot/csbot/bot/i18n"
	"github.com/csbot/csbot/internal/healthtext"
	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/health"
)

// Due is one step that has fallen due for one account.
type Due struct {
	Playbook string
	Step     string
	Account  string // slug
	Name     string // the account's display name
	// Owner is the account's owner CSM, from which the sender resolves To.
	Owner string
	To    string // owner, lead or ops
	// DueAt is when the step fell due: last touch + cadence, the anchored
	// day, or for signals the day the signal started when known (the NPS
	// answer, the latest missed milestone) and today otherwise. Senders
	// remember (Playbook, Step, Account, DueAt) to remind only once.
	DueAt time.Time
	Text  string // the rendered message
	// Lang is the language Text is written in, the recipient's.
	Lang  string
	Batch bool
}

// DueSteps returns the steps of every playbook that apply to the account
// (the playbook's and the step's conditions on tier, band and phase) and are
// due at now, in playbook and step order:
//   - cadence steps once now >= last touch + every, due at that time; an
//     account never touched is due now;
//   - anchored steps from the day anchor+offset until GraceDays after it
//     (calendar days, UTC), due on that day; without the anchor date
//     (no renewal, no phase start) they never fall due;
//   - signal steps while the signal is present.
//
// as is the account's assessment at now; its band and risks feed the
// conditions and the signals named after churn-risk rules. lang gives the
// language of the text a step's recipient (its To: owner, lead or ops)
// reads; nil writes every text in English.
func (s *Set) DueSteps(a store.Account, as health.Assessment, now time.Time, lang func(to string) *i18n.Localizer) []Due {
	band := as.Band
	if band == "" {
		band = health.NoData
	}
	var out []Due
	bases := map[string]*Data{} // by language
	today := store.UTCDay(now)
	for pi := range s.Playbooks {
		pb := &s.Playbooks[pi]
		started, isStarted := a.Started(pb.Name)
		if pb.Disabled || !isStarted && (pb.Manual || !pb.When.Matches(a.Tier, band, a.Phase)) {
			continue
		}
		for si := range pb.Steps {
			st := &pb.Steps[si]
			if !st.When.Matches(a.Tier, band, a.Phase) {
				continue
			}
			l := i18n.English
			if lang != nil {
				l = lang(st.To)
			}
			emit := func(at time.Time, offset int, reason string) {
				base := bases[l.Lang()]
				if base == nil {
					base = newData(l, a, as, now)
					bases[l.Lang()] = base
				}
				d := *base
				d.Playbook, d.Step, d.Due, d.Offset = pb.Name, st.Name, store.Day(at), offset
				if st.Signal != "" {
					d.Signal, d.Reason = st.Signal, reason
				}
				out = append(out, Due{
					Playbook: pb.Name, Step: st.Name, Account: a.Slug, Name: d.Account, Owner: a.Owner, To: st.To,
					DueAt: at, Text: st.render(&d, l.Lang()), Lang: l.Lang(), Batch: st.Batch,
				})
			}
			switch st.Timing() {
			case TimingCadence:
				at := weekStart(today) // never touched: remind weekly, not every sweep
				if !a.LastTouch.IsZero() {
					at = a.LastTouch.Add(st.Every)
					if now.Before(at) {
						continue
					}
				}
				emit(at, 0, "")
			case TimingAnchor:
				anchor := a.Renewal
				switch st.Anchor {
				case AnchorPhaseStart:
					anchor = a.PhaseStart
				case AnchorStarted:
					anchor = started
				}
				if anchor.IsZero() {
					continue
				}
				for _, off := range st.Offsets {
					day := store.UTCDay(anchor).AddDate(0, 0, off)
					if late := store.DaysBetween(day, today); late >= 0 && late <= s.Thresholds.GraceDays {
						emit(day, off, "")
					}
				}
			case TimingSignal:
				if at, reason, ok := s.signal(l, st.Signal, a, as, today); ok {
					emit(at, 0, reason)
				}
			}
		}
	}
	return out
}

// weekStart is the Monday of day's week. A signal without a start date of
// its own (usage drop, a churn rule) and a never-touched account are dated
// by week, so while they last the sweep reminds once a week, not on every
// run; Done silences the week's reminder.
func weekStart(day time.Time) time.Time {
	return store.UTCDay(day).AddDate(0, 0, -(int(day.Weekday())+6)%7)
}

// signal reports whether a signal is present, since when and why, in l's
// language.
func (s *Set) signal(l *i18n.Localizer, name string, a store.Account, as health.Assessment, today time.Time) (time.Time, string, bool) {
	switch name {
	case SignalUsageDrop:
		if a.Seats <= 0 {
			return time.Time{}, "", false
		}
		util := float64(a.ActiveUsers) / float64(a.Seats)
		if util >= s.Thresholds.UsageBelow {
			return time.Time{}, "", false
		}
		return weekStart(today), l.T("remind.usage_drop", i18n.Data{"Active": a.ActiveUsers, "Seats": a.Seats, "Pct": percent(util)}), true
	case SignalDetractor:
		if a.NPS != nil && *a.NPS <= s.Thresholds.DetractorMax && !a.NPSDate.IsZero() &&
			store.DaysBetween(a.NPSDate, today) <= s.Thresholds.DetractorDays {
			return store.UTCDay(a.NPSDate), l.T("remind.detractor", i18n.Data{"NPS": *a.NPS, "Day": l.Date(a.NPSDate)}), true
		}
	case SignalStepMissed:
		var missed []string
		var latest time.Time
		for _, m := range a.Milestones {
			if m.Done != nil || m.Due.IsZero() || store.DaysBetween(m.Due, today) < 1 {
				continue
			}
			missed = append(missed, l.T("remind.missed", i18n.Data{"Milestone": m.Name, "Day": l.Date(m.Due)}))
			if m.Due.After(latest) {
				latest = m.Due
			}
		}
		if len(missed) == 0 {
			return time.Time{}, "", false
		}
		return store.UTCDay(latest).AddDate(0, 0, 1), l.T("remind.not_done", i18n.Data{"Milestones": l.Join(missed)}), true
	case SignalAnyRisk:
		if len(as.Risks) == 0 {
			return time.Time{}, "", false
		}
		return weekStart(today), strings.Join(healthtext.Reasons(l, as.Risks), l.T("digest.reason_sep", nil)), true
	}
	// A churn-risk rule (nps-detractor too, when the health config decided).
	for _, r := range as.Risks {
		if r.Rule == name {
			return weekStart(today), healthtext.Reason(l, r), true
		}
	}
	return time.Time{}, "", false
}

// newData fills the account's part of a template's data, its words in l's
// language.
func newData(l *i18n.Localizer, a store.Account, as health.Assessment, now time.Time) *Data {
	d := &Data{
		Account: a.Name, Slug: a.Slug, Tier: string(a.Tier), Phase: string(a.Phase), Owner: a.Owner,
		Region: a.Region, Segment: a.Segment, ARR: a.ARR,
		Score: as.Score, Band: as.Band,
		DaysSinceTouch: -1, LastTouchAgo: l.T("remind.never", nil),
		Seats: a.Seats, ActiveUsers: a.ActiveUsers, Utilisation: -1, NPS: -1,
	}
	if d.Band == "" {
		d.Score, d.Band = -1, health.NoData
	}
	if d.Account == "" {
		d.Account = a.Slug
	}
	d.Risks = healthtext.Reasons(l, as.Risks)
	if !a.LastTouch.IsZero() {
		d.LastTouch = store.Day(a.LastTouch)
		d.DaysSinceTouch = store.DaysBetween(a.LastTouch, now)
		d.LastTouchAgo = healthtext.Ago(l, d.DaysSinceTouch)
	}
	if !a.Renewal.IsZero() {
		d.Renewal = store.Day(a.Renewal)
		d.DaysToRenewal = store.DaysBetween(now, a.Renewal)
	}
	if !a.PhaseStart.IsZero() {
		d.PhaseStart = store.Day(a.PhaseStart)
		d.DaysInPhase = store.DaysBetween(a.PhaseStart, now)
	}
	if a.Seats > 0 {
		d.Utilisation = percent(float64(a.ActiveUsers) / float64(a.Seats))
	}
	if a.NPS != nil {
		d.NPS = *a.NPS
	}
	for _, m := range a.Milestones {
		if m.Done != nil {
			continue
		}
		if d.NextMilestone == "" {
			d.NextMilestone = m.Name
		}
		if !m.Due.IsZero() && store.DaysBetween(m.Due, now) >= 1 {
			d.Overdue = append(d.Overdue, m.Name)
		}
	}
	return d
}

// render writes the step's message in lang, or in the playbook's language
// when it has none in lang; a template that fails at run time (Parse checks
// them, so only hand-built steps should) still yields a line.
func (st *Step) render(d *Data, lang string) string {
	t := st.templates(lang).message
	if t == nil {
		var err error
		if t, err = template.New(st.Name).Funcs(funcs).Option("missingkey=error").Parse(st.Message); err != nil {
			return fmt.Sprintf("%s is due for %s (message template: %v)", st.Name, d.Account, err)
		}
	}
	var b strings.Builder
	if err := t.Execute(&b, d); err != nil {
		return fmt.Sprintf("%s is due for %s (message template: %v)", st.Name, d.Account, err)
	}
	return strings.TrimSpace(b.String())
}

// Message is what one recipient is sent: one due step, or for a batch step
// the accounts due for it.
type Message struct {
	Recipient string
	To        string
	Playbook  string
	Step      string
	Batch     bool
	// Dues are the due step, or a batch's first BatchLines accounts by name.
	Dues []Due
	// Count is how many accounts are due: len(Dues) but in a batch cut
	// at BatchLines.
	Count int
	Text  string
	// Lang is the language of Text, the recipient's.
	Lang string
}

// BatchLines is how many accounts a batch message lists; past it the
// message says how many more are due. A tech-touch book of 100,000 can have
// tens of thousands due at once, which no one reads in a chat message (and
// which a sweep would otherwise hold in memory whole).
const BatchLines = 30

// Collate turns due steps into messages. resolve names who a due step goes
// to (a member id or a channel), typically from its To and Owner; when it
// is nil the recipient is To, qualified by the owner for owner and lead.
// Batch steps become one message per (recipient, playbook, step): the
// step's header, then one line per account, sorted by account name, at
// most BatchLines of them. Messages come sorted by recipient, playbook,
// step and account.
func (s *Set) Collate(dues []Due, resolve func(Due) string) []Message {
	c := s.collator(resolve)
	for _, d := range dues {
		c.add(d)
	}
	return c.messages()
}

// collator is Collate fed one due step at a time: it holds the single
// steps' messages and, per batch, only the first BatchLines accounts and a
// count, so a sweep's memory grows with the messages sent, not with the
// accounts due.
type collator struct {
	set     *Set
	resolve func(Due) string
	out     []Message
	batches map[batchKey]int // index in out
}

type batchKey struct{ recipient, playbook, step string }

func (s *Set) collator(resolve func(Due) string) *collator {
	if resolve == nil {
		resolve = func(d Due) string {
			if d.To == ToOps {
				return d.To
			}
			return d.To + ":" + d.Owner
		}
	}
	return &collator{set: s, resolve: resolve, batches: map[batchKey]int{}}
}

func byName(a, b Due) int {
	return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.Account, b.Account), a.DueAt.Compare(b.DueAt))
}

func (c *collator) add(d Due) {
	r := c.resolve(d)
	if !d.Batch {
		c.out = append(c.out, Message{Recipient: r, To: d.To, Playbook: d.Playbook, Step: d.Step, Dues: []Due{d}, Count: 1, Text: d.Text, Lang: d.Lang})
		return
	}
	k := batchKey{r, d.Playbook, d.Step}
	i, ok := c.batches[k]
	if !ok {
		i = len(c.out)
		c.batches[k] = i
		c.out = append(c.out, Message{Recipient: r, To: d.To, Playbook: d.Playbook, Step: d.Step, Batch: true, Lang: d.Lang})
	}
	m := &c.out[i]
	m.Count++
	m.Dues = append(m.Dues, d)
	if len(m.Dues) == 2*BatchLines {
		// Keep the first BatchLines by name: sorting at twice the bound
		// keeps the cost per account constant, and the array is reused.
		slices.SortFunc(m.Dues, byName)
		m.Dues = m.Dues[:BatchLines]
	}
}

func (c *collator) messages() []Message {
	for i := range c.out {
		m := &c.out[i]
		if !m.Batch {
			continue
		}
		slices.SortFunc(m.Dues, byName)
		m.Dues = m.Dues[:min(len(m.Dues), BatchLines)]
		var b strings.Builder
		b.WriteString(c.set.header(m))
		for _, d := range m.Dues {
			b.WriteString("\n• ")
			b.WriteString(strings.ReplaceAll(d.Text, "\n", "\n  "))
		}
		if more := m.Count - len(m.Dues); more > 0 {
			b.WriteString("\n")
			b.WriteString(i18n.For(m.Lang).N("remind.batch_more", more, nil))
		}
		m.Text = b.String()
	}
	slices.SortStableFunc(c.out, func(a, b Message) int {
		return cmp.Or(strings.Compare(a.Recipient, b.Recipient), strings.Compare(a.Playbook, b.Playbook),
			strings.Compare(a.Step, b.Step), strings.Compare(a.Dues[0].Account, b.Dues[0].Account))
	})
	return c.out
}

// header renders a batch's first line.
func (s *Set) header(m *Message) string {
	data := BatchData{Playbook: m.Playbook, Step: m.Step, Count: m.Count}
	for _, d := range m.Dues {
		data.Accounts = append(data.Accounts, d.Name)
	}
	l := i18n.For(m.Lang)
	fallback := l.T("remind.batch", i18n.Data{"Step": m.Step, "Playbook": m.Playbook, "Accounts": l.N("digest.accounts", m.Count, nil)})
	pb, ok := s.Lookup(m.Playbook)
	if !ok {
		return fallback
	}
	for _, st := range pb.Steps {
		h := st.templates(m.Lang).header
		if st.Name != m.Step || h == nil {
			continue
		}
		var b strings.Builder
		if err := h.Execute(&b, data); err != nil {
			return fallback
		}
		return strings.TrimSpace(b.String())
	}
	return fallback
}

func percent(f float64) int { return int(math.Round(100 * f)) }
