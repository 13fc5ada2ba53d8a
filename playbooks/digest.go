package playbooks

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/bot/i18n"
	"github.com/csbot/csbot/internal/healthtext"
	"github.com/csbot/csbot/store"
)

// The daily churn-risk digest: every team lead gets, on workdays at a set
// local time, the team's at-risk accounts by ARR, with the rules that fired
// and what changed since the previous digest.
//
// Bookkeeping lives in store meta, one small document per lead (and team,
// for a lead of several teams):
//
//	digest/<lead>/<YYYY-MM-DD>   the risk set of the digest recorded that day
//	digest/<lead>/last           "<date>\n<set>\n<previous date>\n<previous set>"
//
// A risk set is "slug:rule,rule;slug:rule" sorted by slug. The "last" document
// lets a digest find its baseline (the previous recorded digest: Friday's on
// a Monday, the last one before a holiday) and whether today's is already
// recorded with one _id lookup per lead, however long the gap.

// DigestStore is what digests need of the store. Digests calls it from two
// goroutines at once (the index read overlaps the meta lookups).
type DigestStore interface {
	// AccountRows is one read of the precomputed account index (32 documents).
	AccountRows(ctx context.Context) ([]store.AccountRow, error)
	Members(ctx context.Context) ([]store.Member, error)
	Teams(ctx context.Context) ([]store.Team, error)
	// Meta returns store.ErrNotFound when the key is absent.
	Meta(ctx context.Context, key string) (string, error)
	SetMeta(ctx context.Context, key, value string) error
}

// Digest is one team lead's churn-risk digest for one local date.
type Digest struct {
	Lead store.Member
	Team store.Team
	// Date is YYYY-MM-DD in the lead's time zone.
	Date  string
	Reply bot.Reply
	// AtRisk is today's risk set, "slug:rule,rule" sorted by slug, which
	// RecordDigest keeps for the next digest's comparison.
	AtRisk []string
	// Since is the date of the previous digest this one compares with, ""
	// for a first digest.
	Since string
	// Recorded reports whether a digest for Date is already recorded, i.e.
	// was sent: feed it to DigestDue.
	Recorded bool
	// key is the meta key prefix, "digest/<lead>" or, for a lead of several
	// teams, "digest/<lead>/<team>".
	key string
}

const (
	// digestCap bounds the lines of each section; a last line says how many more.
	digestCap = 25
	// digestLookback bounds the search for a baseline older than the last
	// recorded digest (a dry run for a past date).
	digestLookback = 14
)

// Digests builds the digest of every team lead (a member with role lead
// named as a team's Lead) for the lead's local date at now, from one
// AccountRows read. A lead's time zone is Member.TZ; a lead without one (or
// with an unknown one) uses now's location, so pass now.In(defaultZone).
// A lead of several teams gets one digest per team. onlyLead, when not
// empty, keeps that lead's digests only; it is an error wrapping
// store.ErrNotFound when that member leads no team. A digest is written in
// the lead's language (their locale, else the org's, CSBOT_LOCALE), with
// amounts in the org's currency.
func Digests(ctx context.Context, st DigestStore, now time.Time, org i18n.Org, onlyLead string) ([]Digest, error) {
	return buildDigests(ctx, st, org, onlyLead, dateAt(now), nil)
}

// dateAt gives a lead's local date at now (in now's location when the
// lead has no time zone).
func dateAt(now time.Time) func(store.Member) string {
	fallback := now.Location()
	return func(m store.Member) string {
		return now.In(digestLocation(m.TZ, fallback)).Format(time.DateOnly)
	}
}

// DigestsOn is Digests for a given local date (YYYY-MM-DD) in every lead's
// time zone, for `csbot digest --dry-run --date`. The accounts are the
// current ones; the date picks the title and the baseline compared with.
func DigestsOn(ctx context.Context, st DigestStore, date string, org i18n.Org, onlyLead string) ([]Digest, error) {
	if _, err := time.Parse(time.DateOnly, date); err != nil {
		return nil, fmt.Errorf("digest date %q: want YYYY-MM-DD", date)
	}
	return buildDigests(ctx, st, org, onlyLead, func(store.Member) string { return date }, nil)
}

// RecordDigest stores today's risk set for the next digest's comparison and
// marks the digest as recorded for its date. Call it after sending.
func RecordDigest(ctx context.Context, st DigestStore, d Digest) error {
	key := d.key
	if key == "" {
		key = "digest/" + d.Lead.ID
	}
	if _, err := time.Parse(time.DateOnly, d.Date); err != nil {
		return fmt.Errorf("record digest of %s: date %q: want YYYY-MM-DD", d.Lead.ID, d.Date)
	}
	set := strings.Join(d.AtRisk, ";")
	last, err := digestReadLast(ctx, st, key)
	if err != nil {
		return err
	}
	if err := st.SetMeta(ctx, key+"/"+d.Date, set); err != nil {
		return fmt.Errorf("record digest of %s: %w", d.Lead.ID, err)
	}
	next := last
	switch {
	case !last.found || d.Date > last.date:
		next = digestLast{date: d.Date, set: set, prevDate: last.date, prevSet: last.set}
	case d.Date == last.date:
		next.set = set
	default:
		return nil // a past date: the pointer stays on the newest digest
	}
	if err := st.SetMeta(ctx, key+"/last", next.String()); err != nil {
		return fmt.Errorf("record digest of %s: %w", d.Lead.ID, err)
	}
	return nil
}

var digestZones sync.Map // time zone name -> *time.Location

// digestLocation loads a time zone by name, once; an empty or unknown name
// gives fallback.
func digestLocation(name string, fallback *time.Location) *time.Location {
	if name == "" {
		return fallback
	}
	if loc, ok := digestZones.Load(name); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return fallback
	}
	digestZones.Store(name, loc)
	return loc
}

// digestTarget is one lead and one team they lead.
type digestTarget struct {
	lead store.Member
	team store.Team
	key  string
}

// buildDigests builds the digests of the leads (onlyLead, when not
// empty) for their dates by dateOf, each in the lead's language (their
// locale, else the org's). due, when not nil, keeps only the digests of
// the leads it accepts that are not recorded yet for their date: the
// scheduler's run every 15 minutes reads the index and renders only when a
// digest is due.
func buildDigests(ctx context.Context, st DigestStore, org i18n.Org, onlyLead string, dateOf func(store.Member) string, due func(lead store.Member) bool) ([]Digest, error) {
	teams, err := st.Teams(ctx)
	if err != nil {
		return nil, err
	}
	members, err := st.Members(ctx)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]store.Member, len(members))
	for _, m := range members {
		byID[m.ID] = m
	}
	teamNames := make(map[string]string, len(teams))
	led := map[string]int{} // lead -> teams led
	for _, t := range teams {
		teamNames[t.ID] = cmp.Or(t.Name, t.ID)
		if m, ok := byID[t.Lead]; ok && m.Has(store.RoleLead) {
			led[t.Lead]++
		}
	}
	slices.SortFunc(teams, func(a, b store.Team) int { return strings.Compare(a.ID, b.ID) })
	var targets []digestTarget
	for _, t := range teams {
		m, ok := byID[t.Lead]
		if !ok || !m.Has(store.RoleLead) || (onlyLead != "" && m.ID != onlyLead) || (due != nil && !due(m)) {
			continue
		}
		key := "digest/" + m.ID
		if led[m.ID] > 1 {
			key += "/" + t.ID
		}
		targets = append(targets, digestTarget{lead: m, team: t, key: key})
	}
	if onlyLead != "" && len(targets) == 0 {
		return nil, fmt.Errorf("no digest for %q: not a member with role lead who leads a team: %w", onlyLead, store.ErrNotFound)
	}
	if len(targets) == 0 {
		return nil, nil
	}
	type rowsRead struct {
		rows []store.AccountRow
		err  error
	}
	var rowsc chan rowsRead
	readRows := func() {
		rowsc = make(chan rowsRead, 1)
		go func() {
			rows, err := st.AccountRows(ctx)
			rowsc <- rowsRead{rows, err}
		}()
	}
	if due == nil {
		// Every target is built: read the index while looking up the
		// leads' baselines, the two together being most of a run's time.
		readRows()
	}
	out := make([]Digest, 0, len(targets))
	bases := make([]digestBase, 0, len(targets))
	for _, t := range targets {
		d := Digest{Lead: t.lead, Team: t.team, Date: dateOf(t.lead), key: t.key}
		base, err := digestBaseline(ctx, st, t.key, d.Date)
		if err != nil {
			return nil, err
		}
		if due != nil && base.recorded {
			continue
		}
		out, bases = append(out, d), append(bases, base)
	}
	if len(out) == 0 {
		return nil, nil
	}
	if rowsc == nil {
		readRows()
	}
	read := <-rowsc
	if read.err != nil {
		return nil, read.err
	}
	rows := read.rows
	want := make(map[string]bool, len(out))
	for _, d := range out {
		want[d.Team.ID] = true
	}
	risky := map[string][]*store.AccountRow{} // team -> its at-risk rows
	bySlug := make(map[string]*store.AccountRow, len(rows))
	for i := range rows {
		r := &rows[i]
		bySlug[r.Slug] = r
		if len(r.Risks) > 0 && want[r.Team] {
			risky[r.Team] = append(risky[r.Team], r)
		}
	}
	for _, rs := range risky {
		slices.SortFunc(rs, digestOrder)
	}
	for i := range out {
		d, base := &out[i], bases[i]
		d.Since, d.Recorded = base.date, base.recorded
		cur := risky[d.Team.ID]
		d.AtRisk = digestSet(cur)
		l := org.For(d.Lead.Locale)
		d.Reply = digestReply(l, *d, cur, base, bySlug, teamNames)
	}
	return out, nil
}

// digestOrder sorts at-risk rows by ARR at risk, largest first, then by
// more rules fired, lower score, slug.
func digestOrder(a, b *store.AccountRow) int {
	return cmp.Or(
		cmp.Compare(b.ARR, a.ARR),
		cmp.Compare(len(b.Risks), len(a.Risks)),
		cmp.Compare(a.Score, b.Score),
		strings.Compare(a.Slug, b.Slug),
	)
}

// digestSet encodes rows as "slug:rule,rule" sorted by slug.
func digestSet(rows []*store.AccountRow) []string {
	out := make([]string, 0, len(rows))
	for _, r := range rows {
		rules := make([]string, len(r.Risks))
		for i, k := range r.Risks {
			rules[i] = k.Rule
		}
		out = append(out, r.Slug+":"+strings.Join(rules, ","))
	}
	slices.Sort(out)
	return out
}

// digestParseSet decodes a risk set into slug -> rules.
func digestParseSet(s string) map[string][]string {
	set := map[string][]string{}
	for entry := range strings.SplitSeq(s, ";") {
		slug, rules, _ := strings.Cut(entry, ":")
		if slug == "" {
			continue
		}
		set[slug] = nil
		if rules != "" {
			set[slug] = strings.Split(rules, ",")
		}
	}
	return set
}

// digestLast is the "last" meta document of a lead.
type digestLast struct {
	found                        bool
	date, set, prevDate, prevSet string
}

func (l digestLast) String() string {
	return l.date + "\n" + l.set + "\n" + l.prevDate + "\n" + l.prevSet
}

func digestReadLast(ctx context.Context, st DigestStore, key string) (digestLast, error) {
	v, err := st.Meta(ctx, key+"/last")
	if errors.Is(err, store.ErrNotFound) {
		return digestLast{}, nil
	}
	if err != nil {
		return digestLast{}, err
	}
	parts := strings.SplitN(v, "\n", 4)
	parts = append(parts, "", "", "", "")[:4]
	return digestLast{found: true, date: parts[0], set: parts[1], prevDate: parts[2], prevSet: parts[3]}, nil
}

// digestBase is what a digest compares with.
type digestBase struct {
	date     string // "" when there is no previous digest
	set      map[string][]string
	recorded bool // a digest for the date itself is recorded
}

// digestBaseline finds the newest digest recorded before date, and whether
// one is recorded for date: one lookup unless date lies before the newest
// recorded digest.
func digestBaseline(ctx context.Context, st DigestStore, key, date string) (digestBase, error) {
	last, err := digestReadLast(ctx, st, key)
	if err != nil {
		return digestBase{}, err
	}
	switch {
	case !last.found:
		return digestBase{}, nil
	case last.date < date:
		return digestBase{date: last.date, set: digestParseSet(last.set)}, nil
	case last.date == date:
		if last.prevDate == "" {
			return digestBase{recorded: true}, nil
		}
		return digestBase{date: last.prevDate, set: digestParseSet(last.prevSet), recorded: true}, nil
	}
	// A date before the newest digest: look back day by day.
	var base digestBase
	if _, err := st.Meta(ctx, key+"/"+date); err == nil {
		base.recorded = true
	} else if !errors.Is(err, store.ErrNotFound) {
		return digestBase{}, err
	}
	day, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return base, nil
	}
	for i := 1; i <= digestLookback; i++ {
		prev := day.AddDate(0, 0, -i).Format(time.DateOnly)
		v, err := st.Meta(ctx, key+"/"+prev)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return digestBase{}, err
		}
		base.date, base.set = prev, digestParseSet(v)
		break
	}
	return base, nil
}

// digestReply renders a digest in l's language. cur is the team's at-risk
// rows in digest order; bySlug finds the current row of a resolved account.
func digestReply(l *i18n.Localizer, d Digest, cur []*store.AccountRow, base digestBase, bySlug map[string]*store.AccountRow, teamNames map[string]string) bot.Reply {
	team := cmp.Or(d.Team.Name, d.Team.ID)
	r := bot.Reply{Title: l.T("digest.title", i18n.Data{"Team": team, "Day": digestDay(l, d.Date)})}
	first := base.date == ""
	compared := l.T("digest.first", nil)
	if !first {
		compared = l.T("digest.compared", i18n.Data{"Day": digestDay(l, base.date)})
	}
	r.Footer = l.T("digest.footer", i18n.Data{"Date": l.DateOf(d.Date), "Compared": compared})

	// The *Public lines leave out ARR and risk reasons, for channels outside the team.
	var newLines, newPublic, stillLines, stillPublic, resolvedLines []string
	now := make(map[string]bool, len(cur))
	var arr int64
	for _, row := range cur {
		now[row.Slug] = true
		arr = store.AddARR(arr, row.ARR)
		prev, seen := base.set[row.Slug]
		if first || !seen {
			newLines = append(newLines, digestNewLine(l, row, true))
			newPublic = append(newPublic, digestNewLine(l, row, false))
			continue
		}
		stillLines = append(stillLines, digestStillLine(l, row, prev, true))
		stillPublic = append(stillPublic, digestStillLine(l, row, prev, false))
	}
	if !first {
		var gone []string
		for slug := range base.set {
			if !now[slug] {
				gone = append(gone, slug)
			}
		}
		slices.SortFunc(gone, func(a, b string) int {
			var arrA, arrB int64
			if r := bySlug[a]; r != nil {
				arrA = r.ARR
			}
			if r := bySlug[b]; r != nil {
				arrB = r.ARR
			}
			return cmp.Or(cmp.Compare(arrB, arrA), strings.Compare(a, b))
		})
		for _, slug := range gone {
			resolvedLines = append(resolvedLines, digestResolvedLine(l, slug, base.set[slug], bySlug[slug], d.Team.ID, teamNames))
		}
	}

	since := digestSince(l, d.Date, base.date)
	resolved := l.T("digest.resolved", nil)
	if len(cur) == 0 {
		r.Band = "green"
		r.Text = l.T("digest.no_risks", i18n.Data{"Team": team})
		if len(resolvedLines) > 0 {
			r.Fields = []bot.Field{{Name: l.T("digest.resolved_since", i18n.Data{"Since": since}), Value: strconv.Itoa(len(resolvedLines))}}
			r.Sections = []bot.Section{digestSection(l, resolved, resolvedLines, nil)}
		}
		return r
	}
	r.Band = "red"
	atRisk := l.T("digest.at_risk", nil)
	r.Fields = []bot.Field{
		{Name: atRisk, Value: l.N("digest.accounts", len(cur), nil)},
		{Name: l.T("digest.arr_at_risk", nil), Value: l.Amount(arr), Sensitive: true},
	}
	if first {
		r.Sections = []bot.Section{digestSection(l, atRisk, newLines, newPublic)}
		return r
	}
	r.Fields = append(r.Fields,
		bot.Field{Name: l.T("digest.new_since", i18n.Data{"Since": since}), Value: strconv.Itoa(len(newLines))},
		bot.Field{Name: l.T("digest.resolved_since", i18n.Data{"Since": since}), Value: strconv.Itoa(len(resolvedLines))},
	)
	for _, s := range []bot.Section{
		digestSection(l, l.T("digest.new", nil), newLines, newPublic),
		digestSection(l, l.T("digest.still", nil), stillLines, stillPublic),
		digestSection(l, resolved, resolvedLines, nil),
	} {
		if len(s.Lines) > 0 {
			r.Sections = append(r.Sections, s)
		}
	}
	return r
}

// digestSection caps a section at digestCap lines plus a "… and N more"
// line. public, when set, is the same lines without customer figures: the
// section is then sensitive.
func digestSection(l *i18n.Localizer, title string, lines, public []string) bot.Section {
	s := bot.Section{Title: title, Lines: digestCapped(l, lines), Sensitive: public != nil}
	if public != nil {
		s.Redacted = digestCapped(l, public)
	}
	return s
}

func digestCapped(l *i18n.Localizer, lines []string) []string {
	if len(lines) > digestCap {
		return append(lines[:digestCap:digestCap], l.T("digest.more", i18n.Data{"Count": len(lines) - digestCap}))
	}
	return lines
}

func digestOwner(l *i18n.Localizer, owner string) string {
	if owner == "" {
		return l.T("digest.no_owner", nil)
	}
	return "@" + owner
}

func digestScore(l *i18n.Localizer, r *store.AccountRow) string {
	if r.Score < 0 {
		return l.T("digest.no_score", nil)
	}
	return l.T("digest.score", i18n.Data{"Score": r.Score, "Band": l.T("band."+r.Band, nil)})
}

func digestRules(r *store.AccountRow) []string {
	rules := make([]string, len(r.Risks))
	for i, k := range r.Risks {
		rules[i] = k.Rule
	}
	return rules
}

// digestNewLine: name (slug) · ARR · @owner · rule: reason; rule: reason,
// or without figures: name (slug) · @owner · rule, rule
func digestNewLine(l *i18n.Localizer, r *store.AccountRow, figures bool) string {
	if !figures {
		return fmt.Sprintf("%s (%s) · %s · %s", r.Name, r.Slug, digestOwner(l, r.Owner), strings.Join(digestRules(r), ", "))
	}
	reasons := make([]string, len(r.Risks))
	for i, k := range r.Risks {
		reasons[i] = k.Rule + ": " + healthtext.Reason(l, k)
	}
	return fmt.Sprintf("%s (%s) · ARR %s · %s · %s",
		r.Name, r.Slug, l.Amount(r.ARR), digestOwner(l, r.Owner), strings.Join(reasons, l.T("digest.reason_sep", nil)))
}

// digestStillLine: name (slug) · ARR · score band · @owner · rules, with the
// rules that started or stopped firing since the baseline; figures false
// leaves the ARR out.
func digestStillLine(l *i18n.Localizer, r *store.AccountRow, prev []string, figures bool) string {
	rules := digestRules(r)
	arr := ""
	if figures {
		arr = " · ARR " + l.Amount(r.ARR)
	}
	line := fmt.Sprintf("%s (%s)%s · %s · %s · %s",
		r.Name, r.Slug, arr, digestScore(l, r), digestOwner(l, r.Owner), strings.Join(rules, ", "))
	var added, cleared []string
	for _, k := range rules {
		if !slices.Contains(prev, k) {
			added = append(added, k)
		}
	}
	for _, k := range prev {
		if !slices.Contains(rules, k) {
			cleared = append(cleared, k)
		}
	}
	var change []string
	if len(added) > 0 {
		change = append(change, l.T("digest.change_new", i18n.Data{"Rules": strings.Join(added, ", ")}))
	}
	if len(cleared) > 0 {
		change = append(change, l.T("digest.change_cleared", i18n.Data{"Rules": strings.Join(cleared, ", ")}))
	}
	if len(change) > 0 {
		line += l.T("digest.changes", i18n.Data{"Changes": strings.Join(change, l.T("digest.reason_sep", nil))})
	}
	return line
}

// digestResolvedLine says why an account left the team's risk list: its
// rules stopped firing, it moved to another team, or it is gone.
func digestResolvedLine(l *i18n.Localizer, slug string, prev []string, r *store.AccountRow, team string, teamNames map[string]string) string {
	was := strings.Join(prev, ", ")
	switch {
	case r == nil:
		return l.T("digest.gone", i18n.Data{"Slug": slug, "Was": was})
	case r.Team != team:
		to := l.T("digest.no_team", nil)
		if r.Team != "" {
			to = l.T("digest.team", i18n.Data{"Team": cmp.Or(teamNames[r.Team], r.Team)})
		}
		return l.T("digest.moved", i18n.Data{"Name": r.Name, "Slug": slug, "To": to, "Was": was})
	}
	return l.T("digest.cleared", i18n.Data{"Name": r.Name, "Slug": slug, "Was": was, "Score": digestScore(l, r)})
}

// digestDay writes a date with its weekday: "Tue 2026-03-10",
// "2026年3月10日（火）".
func digestDay(l *i18n.Localizer, date string) string {
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return date
	}
	return l.T("digest.day", i18n.Data{"Weekday": l.T("weekday.short."+t.Weekday().String(), nil), "Date": l.Date(t)})
}

// digestSince names the baseline in field names: "yesterday", a weekday
// within the last week ("Friday" on a Monday), else the date.
func digestSince(l *i18n.Localizer, date, base string) string {
	d, err1 := time.Parse(time.DateOnly, date)
	b, err2 := time.Parse(time.DateOnly, base)
	if err1 != nil || err2 != nil {
		return base
	}
	switch days := int(d.Sub(b).Hours() / 24); {
	case days == 1:
		return l.T("ago.yesterday", nil)
	case days > 1 && days < 7:
		return l.T("weekday."+b.Weekday().String(), nil)
	}
	return l.Date(b)
}
