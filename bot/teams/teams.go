// Package teams connects csbot to Microsoft Teams without a registered bot:
// an outgoing webhook brings @csbot messages to POST /teams/messages (HMAC
// signed) and is answered in the same HTTP exchange, and digests, reminders
// and answers too slow for that exchange are posted as Adaptive Cards
// through a team's Workflows webhook ("When a Teams webhook request is
// received"), which replaces the retired Office 365 incoming webhooks.
package teams

import (
	"cmp"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/bot/i18n"
	"github.com/csbot/csbot/store"
)

// Platform is the adapter's name and the identity platform of members'
// Teams accounts: Member.Identities["teams"] holds their AAD object id.
const Platform = "teams"

// MinSecretBytes is the shortest HMAC key accepted. Teams issues 256-bit
// keys (32 bytes, 44 characters of base64) for outgoing webhooks.
const MinSecretBytes = 32

// DefaultBotName is the name people @mention when the config has none.
const DefaultBotName = "csbot"

// Config configures the adapter.
type Config struct {
	// Secret is the outgoing webhook's security token as Teams shows it
	// (base64): TEAMS_WEBHOOK_SECRET. Every Teams team that adds csbot gets
	// a token of its own: give them all, separated by commas.
	Secret string
	// BotName is the outgoing webhook's name, which people @mention. It picks
	// the mention to cut the command after and is used in reply hints.
	// Empty means DefaultBotName.
	BotName string
}

// ParseSecrets decodes TEAMS_WEBHOOK_SECRET: one outgoing webhook security
// token or several separated by commas. Doctor calls it to check the
// variable without starting anything.
func ParseSecrets(s string) ([][]byte, error) {
	if strings.TrimSpace(s) == "" {
		return nil, errors.New("teams: TEAMS_WEBHOOK_SECRET is empty: paste the security token Teams showed when the outgoing webhook was created")
	}
	var keys [][]byte
	for i, tok := range strings.Split(s, ",") {
		key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(tok))
		if err != nil {
			return nil, fmt.Errorf("teams: TEAMS_WEBHOOK_SECRET token %d is not base64 (%w): paste the security token exactly as Teams showed it", i+1, err)
		}
		if len(key) < MinSecretBytes {
			return nil, fmt.Errorf("teams: TEAMS_WEBHOOK_SECRET token %d decodes to %d bytes, want at least %d: it is not a Teams outgoing webhook token", i+1, len(key), MinSecretBytes)
		}
		keys = append(keys, key)
	}
	return keys, nil
}

// Store is what the adapter reads: who asks, and where a team's cards go.
type Store interface {
	Member(ctx context.Context, id string) (store.Member, error)
	MemberByIdentity(ctx context.Context, platform, userID string) (store.Member, error)
	Team(ctx context.Context, id string) (store.Team, error)
	// Claim records an activity as handled; false when it was already.
	Claim(ctx context.Context, id string, at time.Time) (bool, error)
	// ChannelMark says whether an admin marked a channel internal.
	bot.ChannelMarks
}

// Deps are the adapter's collaborators.
type Deps struct {
	Router *bot.Router
	Store  Store
	// HTTPClient posts to Workflows webhooks; nil means a client with a
	// 30-second timeout.
	HTTPClient *http.Client
	Log        *slog.Logger
}

// AnswerWindow is how long a command may run before the outgoing webhook is
// answered "still working": Teams drops the exchange after 5 seconds, and
// finding the team's webhook, or the asker's language and the channel's
// mark for an answer in time, takes up to lookupTimeout more.
const AnswerWindow = 3500 * time.Millisecond

// lookupTimeout bounds the reads after the answer window: where a slow
// answer can go, or how to word and guard one that came in time.
const lookupTimeout = 500 * time.Millisecond

// Adapter is csbot's Microsoft Teams adapter.
type Adapter struct {
	keys    [][]byte
	botName string
	router  *bot.Router
	store   Store
	log     *slog.Logger
	hooks   *workflows
	// window is AnswerWindow outside tests.
	window time.Duration
	// work tracks commands still running and answers still being posted.
	work sync.WaitGroup
}

// New returns the adapter; it fails on a malformed secret or missing deps.
func New(cfg Config, d Deps) (*Adapter, error) {
	keys, err := ParseSecrets(cfg.Secret)
	if err != nil {
		return nil, err
	}
	if d.Router == nil || d.Store == nil {
		return nil, errors.New("teams: a router and a store are required")
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.HTTPClient == nil {
		d.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	name := strings.TrimSpace(cfg.BotName)
	if name == "" {
		name = DefaultBotName
	}
	return &Adapter{
		keys: keys, botName: name, router: d.Router, store: d.Store, log: d.Log,
		hooks:  newWorkflows(d.HTTPClient, d.Log),
		window: AnswerWindow,
	}, nil
}

var _ bot.Adapter = (*Adapter)(nil)

// Name implements bot.Adapter.
func (a *Adapter) Name() string { return Platform }

// Wait blocks until commands still running and answers still being posted
// are done, for shutdown.
func (a *Adapter) Wait() { a.work.Wait() }

// Send implements bot.Adapter: it posts r through a team's Workflows
// webhook. A member's message goes to their team's channel, opening with a
// mention of them; a channel destination is a csbot team id. Failures are
// returned so the outbox tries again.
func (a *Adapter) Send(ctx context.Context, to bot.Destination, r bot.Reply) error {
	var (
		teamID  string
		mention *mention
		// A member reads their language; a team's channel the deployment's.
		member store.Member
	)
	switch {
	case to.Channel != "":
		teamID = to.Channel
	case to.Member != "":
		m, err := a.store.Member(ctx, to.Member)
		if err != nil {
			return fmt.Errorf("send to @%s on Teams: %w", to.Member, err)
		}
		if m.Team == "" {
			return fmt.Errorf("send to @%s on Teams: @%s is in no team, and csbot posts to a team's channel (`/cs team member %s team:...`)", m.ID, m.ID, m.ID)
		}
		teamID, mention, member = m.Team, memberMention(m), m
	default:
		return errors.New("send on Teams: no member or team to send to")
	}
	t, err := a.webhook(ctx, teamID)
	if err != nil {
		return fmt.Errorf("send to %s on Teams: %w", cmp.Or(to.Member, "team "+teamID), err)
	}
	l := a.router.LocalizerOf(ctx, member)
	return a.post(ctx, t.TeamsWebhook, teamID, render(l, a.inWorkflows(ctx, l, t, r), a.botName, mention), to.Outbox)
}

// webhook returns a team with its Workflows webhook URL.
func (a *Adapter) webhook(ctx context.Context, teamID string) (store.Team, error) {
	t, err := a.store.Team(ctx, teamID)
	if errors.Is(err, store.ErrNotFound) {
		return t, fmt.Errorf("there is no team %q: %w", teamID, err)
	}
	if err != nil {
		return t, err
	}
	if t.TeamsWebhook == "" {
		return t, fmt.Errorf("%w: team %s has none; create one in Teams and set it with `csbot teams webhook %s URL`", ErrNoWebhook, teamID, teamID)
	}
	return t, nil
}

// inWorkflows is r as the channel of t's Workflows webhook sees it: the
// rule of direct answers (visible) for the channel the admin named with
// the webhook; customer figures stay out when none was named, as csbot
// cannot tell which channel the webhook posts into.
func (a *Adapter) inWorkflows(ctx context.Context, l *i18n.Localizer, t store.Team, r bot.Reply) bot.Reply {
	if t.TeamsChannel == "" {
		return r.Redact(l)
	}
	return a.visible(ctx, l, t.TeamsChannel, r)
}

// ErrNoWebhook is wrapped when a team has no Workflows webhook.
var ErrNoWebhook = errors.New("teams: no Workflows webhook")

// post sends cards in order, one message each, skipping those an earlier
// attempt of an outbox message posted. A Workflows webhook has no way to
// deduplicate or look up a post, so a card whose post had an unknown
// outcome is posted again: on Teams delivery is at-least-once.
func (a *Adapter) post(ctx context.Context, url, teamID string, cards []Card, o *bot.Outbox) error {
	return o.Each(ctx, len(cards), func(ctx context.Context, i int, _ time.Time) error {
		if err := a.hooks.post(ctx, url, teamID, message(cards[i])); err != nil {
			if len(cards) > 1 {
				return fmt.Errorf("part %d of %d: %w", i+1, len(cards), err)
			}
			return err
		}
		return nil
	})
}

// memberMention mentions a member with a Teams identity for real, so
// Teams notifies them; others are named in plain text.
func memberMention(m store.Member) *mention {
	return &mention{name: cmp.Or(m.Name, m.ID), handle: m.ID, aadID: m.Identities[Platform]}
}
