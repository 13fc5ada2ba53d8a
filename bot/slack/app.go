package slack

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/bot/i18n"
	"github.com/csbot/csbot/store"
)

// AckWindow is how long a command may run before csbot acknowledges it and
// delivers the answer later: Slack wants an answer within 3 seconds.
const AckWindow = 2500 * time.Millisecond

// Deps are what the Slack app needs besides the Web API client.
type Deps struct {
	Router *bot.Router
	Client *Client
	// Claims makes an event's handling exactly-once across retries and replicas.
	Claims Claimer
	// Requests, when set, records signed requests instead of Claims (the
	// replay guard): bot.LocalClaims on the embedded store, which serves
	// one process.
	Requests Claimer
	// Store is pinged when a command is slow, to tell an outage from a slow answer.
	Store interface {
		Ping(ctx context.Context) error
		Member(ctx context.Context, id string) (store.Member, error)
		bot.ChannelMarks
	}
	Log *slog.Logger
}

// Claimer records that the work named id was done, telling whether this
// caller was the first.
type Claimer interface {
	Claim(ctx context.Context, id string, at time.Time) (bool, error)
}

// App handles Slack's commands, events and interactions, whichever
// transport (HTTP or Socket Mode) brings them.
type App struct {
	Deps
	// work tracks answers still being delivered, so shutdown can wait.
	work sync.WaitGroup
	// ackWindow is AckWindow outside tests.
	ackWindow time.Duration
}

// NewApp returns the Slack app.
func NewApp(d Deps) *App {
	return &App{Deps: d, ackWindow: AckWindow}
}

// Wait blocks until answers in flight are delivered.
func (a *App) Wait() { a.work.Wait() }

// ackBody is what Slack accepts as a slash command's immediate answer.
type ackBody struct {
	ResponseType string        `json:"response_type,omitempty"`
	Text         string        `json:"text"`
	Blocks       []slack.Block `json:"blocks,omitempty"`
}

func body(m Message, share bool) ackBody {
	b := ackBody{ResponseType: "ephemeral", Text: m.Text, Blocks: m.Blocks}
	if share {
		b.ResponseType = "in_channel"
	}
	return b
}

// lookupWait bounds finding a user's language for an acknowledgement,
// which must reach Slack within its 3 seconds; past it the deployment's
// language is used.
const lookupWait = 100 * time.Millisecond

// localizer writes in the language csbot answers user in: their member
// locale, else their Slack locale (users.info, which handle has usually
// cached already), else the deployment's.
func (a *App) localizer(ctx context.Context, user string) *i18n.Localizer {
	u, err := a.Client.user(ctx, user)
	if err != nil {
		a.Log.Warn("read the Slack user's locale", "err", err)
	}
	return a.Router.Localizer(bot.WithUserLocale(ctx, u.locale), "slack", user)
}

// slackLocalizer writes in user's Slack language, else the deployment's:
// for when csbot's database, and so the member, cannot be read.
func (a *App) slackLocalizer(ctx context.Context, user string) *i18n.Localizer {
	ctx, cancel := context.WithTimeout(ctx, lookupWait)
	defer cancel()
	u, _ := a.Client.user(ctx, user) // without it, the deployment's language
	return a.Router.LocalizerOf(bot.WithUserLocale(ctx, u.locale), store.Member{})
}

// refusal is why csbot answers a user nothing: Slack could not say who
// they are (err), or they are a guest, who is never a member.
func refusal(l *i18n.Localizer, err error) bot.Reply {
	if err != nil {
		return bot.Reply{Error: true, Text: l.T("adapter.check_failed", nil)}
	}
	return bot.Reply{Error: true, Text: l.T("router.not_registered", nil)}
}

// allowed refuses Slack guests (single- and multi-channel guests), who are
// never team members even when someone linked their id by mistake. The
// same users.info answer gives the user's Slack locale, for replies to
// members who chose no language.
func (a *App) allowed(ctx context.Context, user string) (locale string, ok bool, err error) {
	u, err := a.Client.user(ctx, user)
	if err != nil {
		return "", false, fmt.Errorf("check Slack user %s: %w", user, err)
	}
	return u.locale, !u.guest, nil
}

// handle runs one command line for a Slack user, refusing guests.
func (a *App) handle(ctx context.Context, user, channel, text string) bot.Reply {
	locale, ok, err := a.allowed(ctx, user)
	ctx = bot.WithUserLocale(ctx, locale)
	if err != nil {
		a.Log.Warn("guest check failed", "err", err)
	}
	if err != nil || !ok {
		return refusal(a.Router.Localizer(ctx, "slack", user), err)
	}
	return a.route(ctx, user, channel, text)
}

// route runs one command line typed in channel ("" for none) and keeps
// its answer private where it may not be shared.
func (a *App) route(ctx context.Context, user, channel, text string) bot.Reply {
	return a.guard(ctx, user, channel, a.Router.Handle(bot.WithChannel(ctx, channel), "slack", user, text))
}

// guard turns a shared answer private in a channel people of other
// organisations read: one an admin marked external, or a Slack Connect
// channel. When that cannot be checked, the answer stays private too. The
// reason is written in the asker's language (ctx carries their Slack locale).
func (a *App) guard(ctx context.Context, user, channel string, r bot.Reply) bot.Reply {
	if !r.Share || channel == "" {
		return r
	}
	reason, err := a.outsiders(ctx, a.Router.Localizer(ctx, "slack", user), channel)
	if err != nil {
		a.Log.Warn("check who reads a Slack channel", "channel", channel, "err", err)
	}
	if reason != "" {
		return r.Privately(reason)
	}
	return r
}

// outsiders says why people of other organisations may read channel (an
// admin marked it external, or it is a Slack Connect channel); "" when
// neither, in l's language. When that cannot be checked it says so, with
// the error.
func (a *App) outsiders(ctx context.Context, l *i18n.Localizer, channel string) (string, error) {
	mark, err := a.Store.ChannelMark(ctx, "slack", channel)
	if reason := bot.MarkRefusal(l, mark, err); reason != "" {
		return reason, err
	}
	ext, err := a.Client.ExternallyShared(ctx, channel)
	switch {
	case err != nil:
		return l.T("adapter.not_shared.unchecked", nil), fmt.Errorf("check whether the channel is shared with another organisation: %w", err)
	case ext:
		return l.T("adapter.not_shared.connect", nil), nil
	}
	return "", nil
}

// Command answers a slash command. Answers ready within the ack window go
// back at once; slow commands are acknowledged and answered through the
// response_url when done. A database outage is told within the window.
func (a *App) Command(ctx context.Context, sc slack.SlashCommand) ackBody {
	ctx = bot.WithChannelName(ctx, channelName(sc.ChannelName))
	r, pending := a.race().Run(ctx, sc.Text, func(ctx context.Context) bot.Reply { return a.handle(ctx, sc.UserID, sc.ChannelID, sc.Text) })
	if pending == nil {
		r = a.noteDM(ctx, sc.UserID, r)
		msgs := Render(r)
		if len(msgs) > 1 || r.Image != nil {
			// The rest, and the image, follow the answer, which goes back at once.
			a.work.Go(func() {
				time.Sleep(100 * time.Millisecond)
				a.later(sc, r, msgs[1:])
			})
		}
		return body(msgs[0], r.Share)
	}
	if pending.Waited > 0 {
		pctx, pcancel := context.WithTimeout(ctx, 300*time.Millisecond)
		err := a.Store.Ping(pctx)
		pcancel()
		if err != nil {
			pending.Cancel()
			a.Log.Warn("store unreachable during a slash command", "err", err)
			return body(Render(bot.Unavailable(a.slackLocalizer(ctx, sc.UserID)))[0], false)
		}
	}
	a.work.Go(func() {
		r := pending.Reply()
		lctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		r = a.noteDM(lctx, sc.UserID, r)
		a.later(sc, r, Render(r))
	})
	return a.working(ctx, sc.UserID)
}

// working acknowledges a command whose answer follows, in the asker's
// language.
func (a *App) working(ctx context.Context, user string) ackBody {
	lctx, cancel := context.WithTimeout(ctx, lookupWait)
	defer cancel()
	return ackBody{ResponseType: "ephemeral", Text: a.localizer(lctx, user).T("adapter.working", nil)}
}

// race is a slash command's race against Slack's 3 seconds. The answer
// may outlive the request: it is delivered by response_url.
func (a *App) race() bot.Ack {
	return bot.Ack{Window: a.ackWindow, Timeout: 2 * time.Minute, Registry: a.Router.Registry(), Work: &a.work}
}

// later delivers the rest of a slash command's answer through its
// response_url, then its image, which a response_url cannot carry.
func (a *App) later(sc slack.SlashCommand, r bot.Reply, msgs []Message) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, m := range msgs {
		if err := a.Client.Respond(ctx, sc.ResponseURL, m, r.Share); err != nil {
			a.Log.Error("deliver slash command answer", "command", firstWord(sc.Text), "err", err)
			return
		}
	}
	a.sendImage(ctx, r, sharedIn(r, sc.ChannelID), "", sc.UserID)
}

// noteDM tells the asker, in their language, where the image of an answer
// only they see went: Slack cannot show a file to one person in a channel,
// so sendImage puts it in their DM.
func (a *App) noteDM(ctx context.Context, user string, r bot.Reply) bot.Reply {
	if r.Image != nil && !r.Share {
		r.Text = strings.TrimSpace(r.Text + "\n" + a.localizer(ctx, user).T("adapter.chart_in_dm", nil))
	}
	return r
}

// sharedIn is the channel a shared answer's image goes to; "" (the
// asker's DM) for an answer only the asker sees.
func sharedIn(r bot.Reply, channel string) string {
	if r.Share {
		return channel
	}
	return ""
}

// sendImage shares a reply's image after its text: in channel (in thread
// when set), else in user's DM; when the channel refuses it (csbot is not a
// member there) it goes to user's DM instead. The text carries a sparkline
// of the same data, so a failure is logged and nothing more.
func (a *App) sendImage(ctx context.Context, r bot.Reply, channel, thread, user string) {
	if r.Image == nil {
		return
	}
	if channel != "" {
		err := a.Client.Upload(ctx, channel, thread, *r.Image, r.Title)
		if err == nil {
			return
		}
		if user == "" {
			a.Log.Error("share chart", "channel", channel, "err", err)
			return
		}
		a.Log.Warn("share chart in the channel failed, sending it by DM", "channel", channel, "err", err)
	}
	if err := a.Client.UploadDM(ctx, user, *r.Image, r.Title); err != nil {
		a.Log.Error("send chart by DM", "err", err)
	}
}

func firstWord(text string) string {
	w, _, _ := bot.CutWord(text)
	return w
}

var mention = regexp.MustCompile(`^\s*<@[A-Z0-9]+(\|[^>]*)?>\s*`)

// unescape undoes the three escapes Slack applies to message text.
var unescape = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace

// Event handles one Events API event; the transport has acknowledged it
// already. Slack redelivers unacknowledged or failed deliveries, so the
// event id is claimed first and a second delivery does nothing.
func (a *App) Event(ctx context.Context, eventID string, ev slackevents.EventsAPIInnerEvent) {
	q, ok := question(ev)
	if !ok {
		return
	}
	user, text, channel, thread := q.user, q.text, q.channel, q.thread
	won, err := a.Claims.Claim(ctx, "slack-event/"+eventID, time.Now())
	if err != nil {
		a.Log.Error("claim Slack event", "event", eventID, "err", err)
		return
	}
	if !won {
		a.Log.Info("duplicate Slack event ignored", "event", eventID)
		return
	}
	r := a.handle(ctx, user, channel, text)
	if thread != "" {
		r = a.noteDM(ctx, user, r)
	}
	for _, m := range Render(r) {
		var err error
		switch {
		case thread == "": // a direct message: the conversation is private
			_, err = a.Client.Post(ctx, channel, m)
		case r.Share:
			_, err = a.Client.PostThread(ctx, channel, thread, m)
		default:
			// A channel may hold guests and people csbot does not know:
			// only the asker sees the answer unless they say share.
			err = a.Client.PostEphemeral(ctx, channel, user, thread, m)
		}
		if err != nil {
			a.Log.Error("answer Slack event", "event", eventID, "err", err)
			return
		}
	}
	switch {
	case thread == "": // the DM the question came from
		a.sendImage(ctx, r, channel, "", "")
	case r.Share:
		a.sendImage(ctx, r, channel, thread, user)
	default:
		a.sendImage(ctx, r, "", "", user)
	}
}

// asked is a command someone typed: in a mention, answered in thread,
// or in a direct message (no thread).
type asked struct {
	user, text, channel, thread string
}

// question reads the command in a mention of csbot or a direct message to
// it; other events, and messages from bots, ask nothing.
func question(ev slackevents.EventsAPIInnerEvent) (asked, bool) {
	switch e := ev.Data.(type) {
	case *slackevents.AppMentionEvent:
		if e == nil || e.BotID != "" {
			return asked{}, false
		}
		q := asked{user: e.User, text: unescape(mention.ReplaceAllString(e.Text, "")), channel: e.Channel, thread: cmp.Or(e.ThreadTimeStamp, e.TimeStamp)}
		return q, true
	case *slackevents.MessageEvent:
		if e == nil || e.ChannelType != "im" || e.BotID != "" || e.SubType != "" {
			return asked{}, false
		}
		return asked{user: e.User, text: unescape(e.Text), channel: e.Channel}, true
	}
	return asked{}, false
}

// errBadPayload marks an interaction csbot cannot read.
var errBadPayload = errors.New("slack: unreadable interaction")

// Interaction handles a button press or modal submission and returns the
// body to acknowledge it with (nil for an empty 200).
func (a *App) Interaction(ctx context.Context, ic slack.InteractionCallback) (any, error) {
	switch ic.Type {
	case slack.InteractionTypeBlockActions:
		if len(ic.ActionCallback.BlockActions) == 0 {
			return nil, fmt.Errorf("%w: block_actions without an action", errBadPayload)
		}
		act := ic.ActionCallback.BlockActions[0]
		locale, ok, err := a.allowed(ctx, ic.User.ID)
		if err != nil || !ok {
			r := refusal(a.Router.Localizer(bot.WithUserLocale(ctx, locale), "slack", ic.User.ID), err)
			a.work.Go(func() { a.reply(ic, r) })
			return nil, nil
		}
		if (bot.Button{ID: act.ActionID}).OpensNote() {
			// trigger_id expires in 3 s: open the modal before acknowledging.
			l := a.Router.Localizer(bot.WithUserLocale(ctx, locale), "slack", ic.User.ID)
			if err := a.Client.OpenView(ctx, ic.TriggerID, NoteModal(l, act.Value, act.Value, ic.Channel.ID, channelName(ic.Channel.Name))); err != nil {
				a.Log.Error("open note modal", "err", err)
			}
			return nil, nil
		}
		// Every other button carries the command it runs.
		a.work.Add(1)
		go func() {
			defer a.work.Done()
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
			defer cancel()
			rctx = bot.WithChannelName(bot.WithUserLocale(rctx, locale), channelName(ic.Channel.Name))
			a.reply(ic, a.route(rctx, ic.User.ID, ic.Channel.ID, act.Value))
		}()
		return nil, nil
	case slack.InteractionTypeViewSubmission:
		if ic.View.CallbackID != NoteCallbackID {
			return nil, fmt.Errorf("%w: unknown view %q", errBadPayload, ic.View.CallbackID)
		}
		text, kind, err := noteInput(ic.View)
		if err != nil {
			return nil, err
		}
		if text == "" {
			l := a.localizer(ctx, ic.User.ID)
			return map[string]any{"response_action": "errors", "errors": map[string]string{NoteTextBlockID: l.T("note.modal.empty", nil)}}, nil
		}
		slug, channel, name := noteTarget(ic.View.PrivateMetadata)
		a.work.Add(1)
		go func() {
			defer a.work.Done()
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
			defer cancel()
			// The confirmation goes to the author's DM; the channel is
			// for the audit record.
			r := a.handle(bot.WithChannelName(rctx, name), ic.User.ID, channel, bot.NoteLine(slug, kind, text))
			for _, m := range Render(r) {
				if err := a.Client.DM(rctx, ic.User.ID, m); err != nil {
					a.Log.Error("confirm note", "err", err)
					return
				}
			}
		}()
		return nil, nil
	}
	return nil, fmt.Errorf("%w: type %q", errBadPayload, ic.Type)
}

// noteTarget reads the note modal's private_metadata: the account's slug,
// the channel its button was in and the channel's name ("" for what a
// modal opened before csbot recorded it, or Slack sent no name, lacks).
// None of the three holds a space.
func noteTarget(meta string) (slug, channel, name string) {
	f := append(strings.Fields(meta), "", "", "")
	return f[0], f[1], f[2]
}

// noteInput reads the note modal's text and kind ("note" when none was
// picked) from a submission; one without the modal's state is unreadable.
func noteInput(v slack.View) (text, kind string, err error) {
	if v.State == nil {
		return "", "", fmt.Errorf("%w: view_submission without a state", errBadPayload)
	}
	values := v.State.Values
	text = strings.TrimSpace(values[NoteTextBlockID][NoteTextActionID].Value)
	kind = cmp.Or(values[NoteKindBlockID][NoteKindActionID].SelectedOption.Value, "note")
	return text, kind, nil
}

// reply answers an interaction through its response_url.
func (a *App) reply(ic slack.InteractionCallback, r bot.Reply) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r = a.noteDM(ctx, ic.User.ID, r)
	for _, m := range Render(r) {
		if err := a.Client.Respond(ctx, ic.ResponseURL, m, r.Share); err != nil {
			a.Log.Error("answer interaction", "err", err)
			return
		}
	}
	a.sendImage(ctx, r, sharedIn(r, ic.Channel.ID), "", ic.User.ID)
}

var _ bot.Adapter = (*App)(nil)

// Name implements bot.Adapter.
func (a *App) Name() string { return "slack" }

// Send implements bot.Adapter: an unsolicited message (reminder, digest) to
// a member's Slack DM or to a channel. An outbox message's parts carry its
// Tag, and those an earlier attempt posted are skipped (bot.Outbox.Each).
//
// A channel people of other organisations read (marked external, or Slack
// Connect) gets the message without customer figures (bot.Reply.Redact):
// the rest still reaches the team. A channel csbot cannot check gets
// nothing yet: the error sends the message back to the outbox.
func (a *App) Send(ctx context.Context, to bot.Destination, r bot.Reply) error {
	if to.Channel != "" {
		// A channel's readers have no one language: the deployment's.
		l := a.Router.LocalizerOf(ctx, store.Member{})
		reason, err := a.outsiders(ctx, l, to.Channel)
		if err != nil {
			return fmt.Errorf("send to Slack channel %s: csbot cannot tell who reads it: %w", to.Channel, err)
		}
		if reason != "" {
			a.Log.Info("customer figures left out of a post to a channel other organisations read", "channel", to.Channel, "reason", reason)
			r = r.Redact(l)
		}
	}
	msgs := Render(r)
	post := func(ctx context.Context, m Message) error {
		_, err := a.Client.Post(ctx, to.Channel, m)
		return err
	}
	user := ""
	if to.Channel == "" {
		m, err := a.Store.Member(ctx, to.Member)
		if err != nil {
			return fmt.Errorf("send to @%s on Slack: %w", to.Member, err)
		}
		if user = m.Identities["slack"]; user == "" {
			return fmt.Errorf("send to @%s on Slack: no Slack account linked (`/cs team member %s slack:U...`)", to.Member, to.Member)
		}
		post = func(ctx context.Context, m Message) error { return a.Client.DM(ctx, user, m) }
	}
	err := to.Outbox.Each(ctx, len(msgs), func(ctx context.Context, part int, unsure time.Time) error {
		m := msgs[part]
		if to.Outbox != nil {
			m.Tag = &Tag{Outbox: to.Outbox.ID, Part: part + 1, Unsure: unsure}
		}
		return post(ctx, m)
	})
	if err != nil {
		return err
	}
	a.sendImage(ctx, r, to.Channel, "", user)
	return nil
}

// channelName is a channel's name as Slack sends it with a command or a
// button, "" for a direct message or a private channel it does not name
// ("directmessage", "privategroup").
func channelName(name string) string {
	if name == "directmessage" || name == "privategroup" {
		return ""
	}
	return name
}
