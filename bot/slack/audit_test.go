package slack_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/csbot/csbot/store"
)

// A change made by a signed slash command is audited with who made it,
// on which platform and in which channel, and `/cs audit` says so.
func TestAuditRecordsPlatformAndChannel(t *testing.T) {
	e := newEnv(t)
	if a := e.commandIn(t, "U0AIKO", "C0SALES", "note acme call with the CTO"); strings.Contains(a.Text, "Refused") {
		t.Fatalf("note refused: %+v", a)
	}
	e.app.Wait()
	if got, want := lastActor(t, e, "acme"), (store.Actor{Name: "aiko", Platform: "slack", Channel: "C0SALES"}); got != want {
		t.Errorf("note recorded by %+v, want %+v", got, want)
	}
	a := e.commandIn(t, "U0HIRO", "C0OPS", "audit acme")
	if got := a.Text + blocksText(a); !strings.Contains(got, "@aiko (slack #C0SALES) account") {
		t.Errorf("/cs audit does not show where the note came from:\n%s", got)
	}

	// With the channel's name, as Slack sends it, the record keeps it and
	// the trail shows it; a direct message's placeholder name is no name.
	for _, tc := range []struct{ channel, name, wantName, shown string }{
		{"C0SALES", "cs-sales", "cs-sales", "@aiko (slack #cs-sales) account"},
		{"D0AIKO", "directmessage", "", "@aiko (slack #D0AIKO) account"},
	} {
		e := newEnv(t) // a note a day changes the account once
		if a := e.commandInNamed(t, "U0AIKO", tc.channel, tc.name, "note acme call about the renewal"); strings.Contains(a.Text, "Refused") {
			t.Fatalf("note refused: %+v", a)
		}
		e.app.Wait()
		if got, want := lastActor(t, e, "acme"), (store.Actor{Name: "aiko", Platform: "slack", Channel: tc.channel, ChannelName: tc.wantName}); got != want {
			t.Errorf("note in %s recorded by %+v, want %+v", tc.name, got, want)
		}
		a := e.commandIn(t, "U0HIRO", "C0OPS", "audit acme")
		if got := a.Text + blocksText(a); !strings.Contains(got, tc.shown) {
			t.Errorf("/cs audit after a note in %s does not show %q:\n%s", tc.name, tc.shown, got)
		}
	}
}

// A note logged from the form of a button in a named channel is audited
// with the channel's name, which the modal keeps for the submission.
func TestNoteFormNamesTheChannel(t *testing.T) {
	e := newEnv(t)
	code, _ := interaction(t, e, `{"type":"block_actions","user":{"id":"U0AIKO"},"channel":{"id":"C0OPS","name":"cs-ops"},"trigger_id":"T125","response_url":"RESPOND","actions":[{"action_id":"note","block_id":"actions","value":"acme","type":"button"}]}`)
	if views := e.slack.called("views.open"); code != 200 || len(views) != 1 || !strings.Contains(fmt.Sprint(views[0].JSON["view"]), "private_metadata:acme C0OPS cs-ops") {
		t.Fatalf("note button in #cs-ops: %d, views.open calls %+v", code, views)
	}
	submit := `{"type":"view_submission","user":{"id":"U0AIKO"},"view":{"callback_id":"note","private_metadata":"acme C0OPS cs-ops","state":{"values":{"note_text":{"text":{"type":"plain_text_input","value":"QBR moved to April"}}}}}}`
	if code, body := interaction(t, e, submit); code != 200 || body != "" {
		t.Fatalf("submission: %d %q", code, body)
	}
	e.app.Wait()
	if got, want := lastActor(t, e, "acme"), (store.Actor{Name: "aiko", Platform: "slack", Channel: "C0OPS", ChannelName: "cs-ops"}); got != want {
		t.Errorf("note from the #cs-ops form recorded by %+v, want %+v", got, want)
	}
}

// lastActor is who made the latest change of an account, by its audit trail.
func lastActor(t *testing.T, e *env, slug string) store.Actor {
	t.Helper()
	recs, err := e.st.Audit(context.Background(), store.AuditAccount, slug, time.Time{})
	if err != nil || len(recs) == 0 {
		t.Fatalf("audit of %s: %d records, %v", slug, len(recs), err)
	}
	return recs[len(recs)-1].Actor
}
