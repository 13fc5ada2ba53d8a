package playbooks

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/jp"

	"github.com/csbot/csbot/store"
)

// The business calendar and the times scheduled messages go out. A day is a
// business day in a member's own time zone: Monday to Friday, neither a
// public holiday (Japan's by default, New Year's Day and Golden Week among
// them) nor one of the company's own holidays. Digests go out on business
// days only; everything else the outbox holds waits for the send window of
// the recipient's next business day, so a reminder due on a holiday reaches
// people the next working morning.

// Defaults of the schedule config.
const (
	// DefaultDigestAt is when leads get their churn-risk digest, local time.
	DefaultDigestAt = 9 * time.Hour
	// DefaultSendFrom and DefaultSendUntil bound the local times at which
	// everything but digests is delivered.
	DefaultSendFrom, DefaultSendUntil = 8 * time.Hour, 19 * time.Hour
)

// CalendarConfig is the `calendar` section of csbot's config.
type CalendarConfig struct {
	// PublicHolidays names whose public holidays are days off: "jp" (Japan,
	// the default) or "none".
	PublicHolidays string `yaml:"public_holidays"`
	// Holidays are the company's own days off, YYYY-MM-DD (year-end days,
	// Obon).
	Holidays []string `yaml:"holidays"`
}

// ScheduleConfig is the `schedule` section of csbot's config: the
// organisation's times, and members (by id) who keep other hours. Times
// are local HH:MM in each member's time zone; empty keeps the default.
type ScheduleConfig struct {
	TimesConfig `yaml:",inline"`
	Members     map[string]TimesConfig `yaml:"members"`
}

// TimesConfig is one set of delivery times, HH:MM local.
type TimesConfig struct {
	// DigestAt is when a lead's digest goes out.
	DigestAt string `yaml:"digest_at"`
	// SendFrom and SendUntil bound when everything else goes out; SendUntil
	// may be 24:00.
	SendFrom  string `yaml:"send_from"`
	SendUntil string `yaml:"send_until"`
}

// Times are delivery times as local wall-clock times since midnight.
type Times struct {
	DigestAt, SendFrom, SendUntil time.Duration
}

// Schedule knows when each member may be sent what: their time zone, their
// business days and their times.
type Schedule struct {
	org      Times
	members  map[string]Times
	public   *cal.BusinessCalendar
	company  map[string]bool // YYYY-MM-DD
	fallback *time.Location
}

// NewSchedule checks the config and builds the schedule; fallback is the
// time zone of members without one (nil: UTC). Every problem is reported,
// each naming its key, e.g. schedule.members.aiko.digest_at.
func NewSchedule(c CalendarConfig, sc ScheduleConfig, fallback *time.Location) (*Schedule, error) {
	if fallback == nil {
		fallback = time.UTC
	}
	s := &Schedule{members: map[string]Times{}, company: map[string]bool{}, fallback: fallback,
		public: cal.NewBusinessCalendar()}
	var errs []error
	switch c.PublicHolidays {
	case "", "jp":
		s.public.AddHoliday(jp.Holidays...)
	case "none":
	default:
		errs = append(errs, fmt.Errorf("calendar.public_holidays: %q: use jp (Japan) or none", c.PublicHolidays))
	}
	for i, d := range c.Holidays {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			errs = append(errs, fmt.Errorf("calendar.holidays[%d]: %q is not a date; use YYYY-MM-DD, e.g. 2026-12-29", i, d))
			continue
		}
		s.company[d] = true
	}
	defaults := Times{DigestAt: DefaultDigestAt, SendFrom: DefaultSendFrom, SendUntil: DefaultSendUntil}
	s.org = sc.TimesConfig.times("schedule.", defaults, &errs)
	for _, id := range slices.Sorted(maps.Keys(sc.Members)) {
		s.members[id] = sc.Members[id].times("schedule.members."+id+".", s.org, &errs)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return s, nil
}

// times reads c over def, adding problems to errs under the key prefix.
func (c TimesConfig) times(prefix string, def Times, errs *[]error) Times {
	t := def
	read := func(key, v string, to *time.Duration, max string) {
		if v == "" {
			return
		}
		d, err := time.Parse("15:04", v)
		switch {
		case v == "24:00" && max == v:
			*to = 24 * time.Hour
		case err != nil || len(v) != len("15:04"):
			*errs = append(*errs, fmt.Errorf("%s%s: %q is not a time of day; use HH:MM from 00:00 to %s, e.g. 08:30", prefix, key, v, max))
		default:
			*to = time.Duration(d.Hour())*time.Hour + time.Duration(d.Minute())*time.Minute
		}
	}
	read("digest_at", c.DigestAt, &t.DigestAt, "23:59")
	read("send_from", c.SendFrom, &t.SendFrom, "23:59")
	read("send_until", c.SendUntil, &t.SendUntil, "24:00")
	if t.SendFrom >= t.SendUntil {
		*errs = append(*errs, fmt.Errorf("%ssend_from: %s is not before send_until %s", prefix, hhmm(t.SendFrom), hhmm(t.SendUntil)))
	}
	return t
}

func hhmm(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d.Hours()), int(d.Minutes())%60)
}

// Fallback is the time zone of members without one.
func (s *Schedule) Fallback() *time.Location { return s.fallback }

// TimesOf returns the member's delivery times.
func (s *Schedule) TimesOf(member string) Times {
	if t, ok := s.members[member]; ok {
		return t
	}
	return s.org
}

// Location is the member's time zone: Member.TZ, else the fallback.
func (s *Schedule) Location(m store.Member) *time.Location {
	return digestLocation(m.TZ, s.fallback)
}

// BusinessDay reports whether t's date, in t's location, is a business day.
func (s *Schedule) BusinessDay(t time.Time) bool {
	return s.public.IsWorkday(t) && !s.company[t.Format(time.DateOnly)]
}

// DigestDue reports whether a lead's digest is due at now: a business day
// in the lead's time zone and the local wall-clock time at or after the
// lead's DigestAt (whether it was sent that day is the digest record's to
// say). The wall clock, not the time since midnight, counts, so 09:00
// stays 09:00 on daylight-saving days.
func (s *Schedule) DigestDue(lead store.Member, now time.Time) bool {
	local := now.In(s.Location(lead))
	return s.BusinessDay(local) && wall(local) >= s.TimesOf(lead.ID).DigestAt
}

// NextSend is the first moment from t at which a message may reach the
// member: t itself inside their send window on a business day, else the
// window's start on their next business day (local wall clock, so DST-safe).
func (s *Schedule) NextSend(m store.Member, t time.Time) time.Time {
	times := s.TimesOf(m.ID)
	loc := s.Location(m)
	local := t.In(loc)
	// Company holidays are the only unbounded run of days off.
	for range 400 + len(s.company) {
		y, mo, d := local.Date()
		if s.BusinessDay(local) {
			from := at(y, mo, d, times.SendFrom, loc)
			if local.Before(from) {
				return from
			}
			if wall(local) < times.SendUntil {
				return local
			}
		}
		local = time.Date(y, mo, d+1, 0, 0, 0, 0, loc)
	}
	return local
}

// wall is t's local wall-clock time since midnight.
func wall(t time.Time) time.Duration {
	h, m, sec := t.Clock()
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(sec)*time.Second +
		time.Duration(t.Nanosecond())
}

// at is the wall-clock time clock on the given day in loc.
func at(y int, mo time.Month, d int, clock time.Duration, loc *time.Location) time.Time {
	return time.Date(y, mo, d, int(clock/time.Hour), int(clock%time.Hour/time.Minute), 0, 0, loc)
}
