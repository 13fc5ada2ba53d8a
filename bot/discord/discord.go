// Package discord connects csbot to Discord: the `/cs` application command
// with real subcommands and options derived from the command registry,
// interactions over HTTP (Ed25519 signed) or the gateway (one replica holds
// it, by a lease in the store), embeds and buttons rendered from the
// neutral bot.Reply, and rate-limited delivery of reminders and digests.
// It uses github.com/bwmarrin/discordgo.
package discord

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/store"
)

// DefaultAPIURL is Discord's REST API as discordgo calls it; DISCORD_API_URL
// replaces it (tests point it at a fake server).
var DefaultAPIURL = discordgo.EndpointAPI

// AckWindow is how long a command may run before csbot defers its answer:
// Discord wants the first response within 3 seconds.
const AckWindow = 2500 * time.Millisecond

// DefaultLeaseTTL is how long the gateway lease lasts without renewal: a
// crashed holder's replacement connects at most this long after.
const DefaultLeaseTTL = 30 * time.Second

// LeaseName names the store lease of the gateway connection.
const LeaseName = "discord-gateway"

// Config is Discord's part of the environment (docs/contract.md).
type Config struct {
	// PublicKey is the application's Ed25519 public key in hex
	// (DISCORD_PUBLIC_KEY); it turns on POST /discord/interactions.
	PublicKey string
	// BotToken (DISCORD_BOT_TOKEN) turns on the gateway and Send.
	BotToken string
	// AppID (DISCORD_APP_ID) is needed to register the commands.
	AppID string
	// APIURL (DISCORD_API_URL) replaces DefaultAPIURL when set.
	APIURL string
	// LeaseTTL is the gateway lease's time to live; zero means DefaultLeaseTTL.
	LeaseTTL time.Duration
	// Owner names this replica in the lease; empty: host, process and a
	// random part.
	Owner string
}

// Store is what the adapter needs of the store.
type Store interface {
	MemberByIdentity(ctx context.Context, platform, userID string) (store.Member, error)
	Member(ctx context.Context, id string) (store.Member, error)
	// AccountRows and Members back autocomplete.
	AccountRows(ctx context.Context) ([]store.AccountRow, error)
	Members(ctx context.Context) ([]store.Member, error)
	// Claim makes an HTTP interaction run once, whichever replica gets it.
	Claim(ctx context.Context, id string, at time.Time) (bool, error)
	// Meta and SetMeta keep commands of buttons too long for a custom_id.
	Meta(ctx context.Context, key string) (string, error)
	SetMeta(ctx context.Context, key, value string) error
	AcquireLease(ctx context.Context, name, owner string, ttl time.Duration, now time.Time) (bool, error)
	ReleaseLease(ctx context.Context, name, owner string) error
	// ChannelMark says whether an admin marked a channel external.
	bot.ChannelMarks
}

// Deps are what the adapter works with.
type Deps struct {
	Router *bot.Router
	Store  Store
	Log    *slog.Logger
	// OnReconnect, when set, is told of every gateway reconnection, for
	// metrics.
	OnReconnect func()
}

// Gateway states, for Connected.
const (
	gwIdle int32 = iota
	gwConnecting
	gwConnected
	// gwElsewhere: another replica holds the lease.
	gwElsewhere
)

// Adapter is csbot on Discord. It implements bot.Adapter.
type Adapter struct {
	Deps
	cfg    Config
	key    ed25519.PublicKey
	owner  string
	ttl    time.Duration
	rest   *rest
	client *http.Client
	cmds   *commandSet

	// work tracks answers still being delivered, so shutdown can wait.
	work sync.WaitGroup
	gw   atomic.Int32
	// dms caches the DM channel of each Discord user.
	dmMu sync.Mutex
	dms  map[string]string

	// ackWindow is AckWindow outside tests.
	ackWindow time.Duration
}

var _ bot.Adapter = (*Adapter)(nil)

// New returns the Discord adapter. Its commands are those of the router's
// registry, as Register publishes them.
func New(cfg Config, d Deps) (*Adapter, error) {
	if d.Router == nil || d.Store == nil {
		return nil, errors.New("discord: a router and a store are required")
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	a := &Adapter{Deps: d, cfg: cfg, ttl: cfg.LeaseTTL, owner: cfg.Owner, dms: map[string]string{}, ackWindow: AckWindow}
	if a.ttl <= 0 {
		a.ttl = DefaultLeaseTTL
	}
	if a.owner == "" {
		host, _ := os.Hostname()
		a.owner = fmt.Sprintf("%s/%d/%s", host, os.Getpid(), rand.Text()[:6])
	}
	if cfg.PublicKey != "" {
		k, err := hex.DecodeString(strings.TrimSpace(cfg.PublicKey))
		if err != nil || len(k) != ed25519.PublicKeySize {
			return nil, errors.New("discord: DISCORD_PUBLIC_KEY must be the application's public key, 64 hex digits (Developer Portal, General Information)")
		}
		a.key = k
	}
	client, err := httpClient(cfg.APIURL)
	if err != nil {
		return nil, err
	}
	a.client = client
	a.rest = &rest{Session: newSession(cfg.BotToken, client), sleep: bot.Sleep, log: d.Log}
	cmds, err := newCommandSet(d.Router.Registry())
	if err != nil {
		return nil, err
	}
	a.cmds = cmds
	return a, nil
}

// Name implements bot.Adapter.
func (a *Adapter) Name() string { return "discord" }

// Wait blocks until answers in flight are delivered.
func (a *Adapter) Wait() { a.work.Wait() }

// Connected reports readiness: the HTTP endpoint is configured, or the
// gateway is connected here, or another replica holds it.
func (a *Adapter) Connected() bool {
	if a.key != nil {
		return true
	}
	switch a.gw.Load() {
	case gwConnected, gwElsewhere:
		return true
	}
	return false
}

// newSession returns a discordgo session for REST calls (and, opened, the
// gateway) that leaves retries to csbot: call waits out rate limits with
// the caller's context, which discordgo's own retry cannot.
func newSession(token string, client *http.Client) *discordgo.Session {
	if token != "" {
		token = "Bot " + token
	}
	s, _ := discordgo.New(token) // New fails on nothing
	s.Client = client
	s.ShouldRetryOnRateLimit = false
	s.MaxRestRetries = 0
	s.StateEnabled = false
	// Interactions reach the gateway whatever the intents.
	s.Identify.Intents = discordgo.IntentsNone
	return s
}

// httpClient returns the REST client: requests go to apiURL instead of
// DefaultAPIURL when set. discordgo builds most endpoint URLs once, when
// the package loads, so the transport rewrites them.
func httpClient(apiURL string) (*http.Client, error) {
	c := &http.Client{Timeout: 30 * time.Second}
	if apiURL == "" || apiURL == DefaultAPIURL {
		return c, nil
	}
	base := strings.TrimSuffix(apiURL, "/") + "/"
	if u, err := url.Parse(base); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("discord: DISCORD_API_URL %q is not an http(s) URL", apiURL)
	}
	c.Transport = rebase{base: base, next: http.DefaultTransport}
	return c, nil
}

type rebase struct {
	base string
	next http.RoundTripper
}

func (t rebase) RoundTrip(r *http.Request) (*http.Response, error) {
	path, ok := strings.CutPrefix(r.URL.String(), DefaultAPIURL)
	if !ok {
		return t.next.RoundTrip(r)
	}
	u, err := url.Parse(t.base + path)
	if err != nil {
		return nil, err
	}
	r2 := r.Clone(r.Context())
	r2.URL, r2.Host = u, u.Host
	return t.next.RoundTrip(r2)
}
