package playbooks_test

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/playbooks"
	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/storetest"
)

func newSchedule(t testing.TB, c playbooks.CalendarConfig, sc playbooks.ScheduleConfig, fallback *time.Location) *playbooks.Schedule {
	t.Helper()
	s, err := playbooks.NewSchedule(c, sc, fallback)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// A message due on a day off (weekend, Japanese public holiday, company
// holiday) goes out at the start of the recipient's next business day;
// inside the window on a business day it goes at once.
func TestNextSend(t *testing.T) {
	yearEnd := playbooks.CalendarConfig{Holidays: []string{"2026-12-29", "2026-12-30", "2026-12-31"}}
	late := playbooks.ScheduleConfig{Members: map[string]playbooks.TimesConfig{"aiko": {SendFrom: "10:00", SendUntil: "18:00"}}}
	tests := []struct {
		name   string
		cal    playbooks.CalendarConfig
		sc     playbooks.ScheduleConfig
		member store.Member
		due    string // local time in the member's zone
		want   string
	}{
		{"business day, in the window", playbooks.CalendarConfig{}, playbooks.ScheduleConfig{}, tokyoCSM, "2026-11-25 10:00", "2026-11-25 10:00"},
		{"before the window", playbooks.CalendarConfig{}, playbooks.ScheduleConfig{}, tokyoCSM, "2026-11-25 07:59", "2026-11-25 08:00"},
		{"after the window", playbooks.CalendarConfig{}, playbooks.ScheduleConfig{}, tokyoCSM, "2026-11-25 19:00", "2026-11-26 08:00"},
		{"Saturday", playbooks.CalendarConfig{}, playbooks.ScheduleConfig{}, tokyoCSM, "2026-11-28 10:00", "2026-11-30 08:00"},
		{"New Year's Day (Friday)", playbooks.CalendarConfig{}, playbooks.ScheduleConfig{}, tokyoCSM, "2027-01-01 10:00", "2027-01-04 08:00"},
		{"Golden Week: Constitution Day", playbooks.CalendarConfig{}, playbooks.ScheduleConfig{}, tokyoCSM, "2027-05-03 09:00", "2027-05-06 08:00"},
		{"Golden Week: Children's Day evening", playbooks.CalendarConfig{}, playbooks.ScheduleConfig{}, tokyoCSM, "2027-05-05 20:00", "2027-05-06 08:00"},
		{"substitute holiday (equinox on a Sunday)", playbooks.CalendarConfig{}, playbooks.ScheduleConfig{}, tokyoCSM, "2027-03-22 09:00", "2027-03-23 08:00"},
		{"company holiday", yearEnd, playbooks.ScheduleConfig{}, tokyoCSM, "2026-12-29 10:00", "2027-01-04 08:00"},
		{"no company holiday configured", playbooks.CalendarConfig{}, playbooks.ScheduleConfig{}, tokyoCSM, "2026-12-29 10:00", "2026-12-29 10:00"},
		{"public holidays off", playbooks.CalendarConfig{PublicHolidays: "none"}, playbooks.ScheduleConfig{}, tokyoCSM, "2027-05-03 09:00", "2027-05-03 09:00"},
		{"a member's own window", playbooks.CalendarConfig{}, late, tokyoCSM, "2026-11-25 09:00", "2026-11-25 10:00"},
		{"a member's own window closes", playbooks.CalendarConfig{}, late, tokyoCSM, "2026-11-25 18:00", "2026-11-26 10:00"},
		{"another member keeps the org's", playbooks.CalendarConfig{}, late, store.Member{ID: "ken", TZ: "Asia/Tokyo"}, "2026-11-25 09:00", "2026-11-25 09:00"},
		// Over the weekends the clocks change: 08:00 stays 08:00 local.
		{"DST starts (New York)", playbooks.CalendarConfig{}, playbooks.ScheduleConfig{}, newYorker, "2026-03-07 20:00", "2026-03-09 08:00"},
		{"DST ends (New York)", playbooks.CalendarConfig{}, playbooks.ScheduleConfig{}, newYorker, "2026-10-31 20:00", "2026-11-02 08:00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			loc := mustZone(t, tc.member.TZ)
			due, _ := time.ParseInLocation("2006-01-02 15:04", tc.due, loc)
			want, _ := time.ParseInLocation("2006-01-02 15:04", tc.want, loc)
			s := newSchedule(t, tc.cal, tc.sc, time.UTC)
			if got := s.NextSend(tc.member, due.UTC()); !got.Equal(want) {
				t.Errorf("NextSend(%s) = %s, want %s", tc.due, got.In(loc).Format("2006-01-02 15:04 MST"), want.Format("2006-01-02 15:04 MST"))
			}
		})
	}
}

var (
	tokyoCSM  = store.Member{ID: "aiko", TZ: "Asia/Tokyo"}
	newYorker = store.Member{ID: "ken", TZ: "America/New_York"}
)

// Reminders queued for New Year's Day, Golden Week and a company holiday
// wait in the outbox and go out when the recipient's next business day
// opens, not before.
func TestDeliveryMovesRemindersToTheNextBusinessDay(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	if err := st.SaveMember(ctx, store.Member{ID: "aiko", Name: "Aiko", Roles: []store.Role{store.RoleCSM}, TZ: "Asia/Tokyo"}); err != nil {
		t.Fatal(err)
	}
	tokyo := mustZone(t, "Asia/Tokyo")
	jst := func(s string) time.Time {
		at, err := time.ParseInLocation("2006-01-02 15:04", s, tokyo)
		if err != nil {
			t.Fatal(err)
		}
		return at
	}
	var sent []string
	send := func(_ context.Context, to bot.Destination, r bot.Reply) (string, error) {
		sent = append(sent, r.Text)
		return "test", nil
	}
	d := &playbooks.Delivery{Store: st, Send: send, Owner: "r1", Log: slog.New(slog.DiscardHandler),
		Schedule: newSchedule(t, playbooks.CalendarConfig{Holidays: []string{"2026-12-29", "2026-12-30", "2026-12-31"}}, playbooks.ScheduleConfig{}, time.UTC)}
	// Each run first queues the reminder that falls due then, as the sweep
	// would, then delivers.
	for _, run := range []struct {
		at, queue string
		want      []string
	}{
		{"2026-12-29 10:00", "company", nil}, // company holidays
		{"2026-12-31 18:00", "", nil},
		{"2027-01-01 09:00", "new-year", nil}, // New Year's Day, then the weekend
		{"2027-01-03 12:00", "", nil},
		{"2027-01-04 07:59", "", nil},
		{"2027-01-04 08:00", "", []string{"Check in with company", "Check in with new-year"}},
		{"2027-05-03 09:00", "golden-week", nil}, // Golden Week
		{"2027-05-05 18:00", "", nil},
		{"2027-05-06 08:15", "", []string{"Check in with golden-week"}},
	} {
		now := jst(run.at)
		if run.queue != "" {
			msg := playbooks.Message{Recipient: "aiko", Playbook: "high-touch", Step: "weekly-check-in",
				Dues: []playbooks.Due{{Account: run.queue, DueAt: now}}, Text: "Check in with " + run.queue}
			if _, err := playbooks.Queue(ctx, st, []playbooks.Message{msg}, now); err != nil {
				t.Fatal(err)
			}
		}
		sent = nil
		if _, err := d.Run(ctx, now.UTC()); err != nil {
			t.Fatal(err)
		}
		slices.Sort(sent)
		if !slices.Equal(sent, run.want) {
			t.Errorf("at %s sent %q, want %q", run.at, sent, run.want)
		}
	}
}

// Digests go out on business days at each lead's digest time: the org's
// 09:00, or 08:30 for a lead configured so, also across a DST change.
func TestDigestTimes(t *testing.T) {
	s := newSchedule(t, playbooks.CalendarConfig{Holidays: []string{"2026-12-29"}},
		playbooks.ScheduleConfig{Members: map[string]playbooks.TimesConfig{"hana": {DigestAt: "08:30"}, "lena": {DigestAt: "08:30"}}}, time.UTC)
	hana := store.Member{ID: "hana", TZ: "Asia/Tokyo"}
	ken := store.Member{ID: "ken", TZ: "Asia/Tokyo"}
	lena := store.Member{ID: "lena", TZ: "Europe/Berlin"}
	tests := []struct {
		lead store.Member
		day  string
		want string // first local quarter hour at which it is due; "" not at all
	}{
		{hana, "2026-11-25", "08:30"},
		{ken, "2026-11-25", "09:00"},
		{hana, "2027-01-01", ""}, // New Year's Day
		{hana, "2027-05-04", ""}, // Golden Week
		{hana, "2026-12-29", ""}, // company holiday
		{hana, "2026-11-28", ""}, // Saturday
		{lena, "2026-03-27", "08:30"},
		{lena, "2026-03-30", "08:30"}, // CEST since Sunday
		{lena, "2026-10-26", "08:30"}, // CET since Sunday
	}
	for _, tc := range tests {
		t.Run(tc.lead.ID+"/"+tc.day, func(t *testing.T) {
			loc := mustZone(t, tc.lead.TZ)
			day, _ := time.ParseInLocation(time.DateOnly, tc.day, loc)
			got := ""
			for now := day; now.Before(day.AddDate(0, 0, 1)); now = now.Add(15 * time.Minute) {
				if s.DigestDue(tc.lead, now.UTC()) {
					got = now.In(loc).Format("15:04")
					break
				}
			}
			if got != tc.want {
				t.Errorf("due from %q, want %q", got, tc.want)
			}
		})
	}
}

// A bad schedule or calendar is refused with every key at fault named.
func TestNewScheduleRefusesBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cal  playbooks.CalendarConfig
		sc   playbooks.ScheduleConfig
		want []string
	}{
		{"digest time", playbooks.CalendarConfig{}, playbooks.ScheduleConfig{TimesConfig: playbooks.TimesConfig{DigestAt: "8.30"}}, []string{`schedule.digest_at: "8.30" is not a time of day`}},
		{"no leading zero", playbooks.CalendarConfig{}, playbooks.ScheduleConfig{TimesConfig: playbooks.TimesConfig{DigestAt: "8:30"}}, []string{`schedule.digest_at: "8:30"`}},
		{"24:00 starts nothing", playbooks.CalendarConfig{}, playbooks.ScheduleConfig{TimesConfig: playbooks.TimesConfig{DigestAt: "24:00"}}, []string{`schedule.digest_at: "24:00"`}},
		{"a member's window", playbooks.CalendarConfig{}, playbooks.ScheduleConfig{Members: map[string]playbooks.TimesConfig{"aiko": {SendUntil: "25:00"}}},
			[]string{`schedule.members.aiko.send_until: "25:00"`}},
		{"empty window", playbooks.CalendarConfig{}, playbooks.ScheduleConfig{TimesConfig: playbooks.TimesConfig{SendFrom: "20:00"}}, []string{"schedule.send_from: 20:00 is not before send_until 19:00"}},
		{"holiday", playbooks.CalendarConfig{Holidays: []string{"2026-12-29", "2026-13-01"}}, playbooks.ScheduleConfig{}, []string{`calendar.holidays[1]: "2026-13-01" is not a date`}},
		{"country", playbooks.CalendarConfig{PublicHolidays: "us"}, playbooks.ScheduleConfig{}, []string{`calendar.public_holidays: "us"`}},
		{"all at once", playbooks.CalendarConfig{PublicHolidays: "xx", Holidays: []string{"tomorrow"}},
			playbooks.ScheduleConfig{TimesConfig: playbooks.TimesConfig{SendUntil: "7pm"}},
			[]string{"calendar.public_holidays", "calendar.holidays[0]", "schedule.send_until"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := playbooks.NewSchedule(tc.cal, tc.sc, nil)
			if err == nil {
				t.Fatalf("accepted: %+v", s)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
	// The edges are fine.
	if _, err := playbooks.NewSchedule(playbooks.CalendarConfig{PublicHolidays: "jp"},
		playbooks.ScheduleConfig{TimesConfig: playbooks.TimesConfig{DigestAt: "00:00", SendFrom: "00:00", SendUntil: "24:00"}}, nil); err != nil {
		t.Errorf("00:00-24:00 refused: %v", err)
	}
}
