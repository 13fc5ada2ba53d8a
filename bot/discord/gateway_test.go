package discord_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/bot/discord"
	"github.com/csbot/csbot/store"
)

// waitFor polls cond; the bound is generous because a loaded machine (CI
// runs packages side by side) can take seconds to hand a lease over.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// sendOverGateway dispatches an interaction on the newest gateway
// connection and returns the callback csbot answered it with.
func sendOverGateway(t *testing.T, fd *fakeDiscord, body string) apiCall {
	t.Helper()
	var in map[string]any
	if err := json.Unmarshal([]byte(body), &in); err != nil {
		t.Fatal(err)
	}
	fd.lastGateway().dispatch("INTERACTION_CREATE", in)
	path := fmt.Sprintf("interactions/%s/%s/callback", in["id"], in["token"])
	waitFor(t, "the interaction's callback", func() bool { return len(fd.called(http.MethodPost, path)) == 1 })
	return fd.called(http.MethodPost, path)[0]
}

// Of two replicas only the lease holder connects to the gateway (every
// connection would receive every interaction); when it stops, the other
// takes over.
func TestGatewayIsHeldByOneReplica(t *testing.T) {
	const ttl = 300 * time.Millisecond
	e := newEnv(t, func(c *discord.Config) { c.PublicKey, c.LeaseTTL, c.Owner = "", ttl, "replica-a" })
	log := slog.New(slog.DiscardHandler)
	b, err := discord.New(discord.Config{BotToken: "test-token", AppID: "A1", APIURL: e.discord.apiURL(), LeaseTTL: ttl, Owner: "replica-b"},
		discord.Deps{Router: bot.NewRouter(e.reg, e.st, log), Store: e.st, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Wait)
	if e.ad.Connected() || b.Connected() {
		t.Fatal("ready before connecting")
	}
	replicas := []*discord.Adapter{e.ad, b}
	cancels := make([]context.CancelFunc, 2)
	stopped := make([]chan error, 2)
	for i, a := range replicas {
		ctx, cancel := context.WithCancel(context.Background())
		cancels[i], stopped[i] = cancel, make(chan error, 1)
		go func() { stopped[i] <- a.Run(ctx) }()
		t.Cleanup(cancel)
	}
	waitFor(t, "one replica connected, both ready", func() bool {
		return e.ad.Connected() && b.Connected() && (discord.HoldsGateway(e.ad) || discord.HoldsGateway(b))
	})
	holder, other := 0, 1
	if discord.HoldsGateway(b) {
		holder, other = 1, 0
	}
	if n := e.discord.gatewayCount(); n != 1 || discord.HoldsGateway(replicas[other]) {
		t.Fatalf("%d gateway connections, want exactly one", n)
	}
	if got := e.discord.lastGateway().intents; got != 0 {
		t.Errorf("identified with intents %d; interactions need none", got)
	}
	cb := sendOverGateway(t, e.discord, interaction(2, aiko, slash([]string{"whoami"})))
	if !strings.Contains(fmt.Sprint(cb.JSON), "Aiko Tanaka") || cb.JSON.(map[string]any)["type"] != float64(4) {
		t.Errorf("gateway answer = %+v", cb.JSON)
	}
	// A change over the gateway is audited with the channel's name, as
	// over HTTP.
	note := interaction(2, aiko, slash([]string{"note"}, str("account", "acme"), str("text", "call with the CTO")))
	sendOverGateway(t, e.discord, strings.Replace(note, "{", `{"channel":{"id":"C1","name":"cs-sales","type":0},`, 1))
	replicas[holder].Wait()
	recs, err := e.st.Audit(context.Background(), store.AuditAccount, "acme", time.Time{})
	if err != nil || len(recs) == 0 || recs[len(recs)-1].Actor.ChannelName != "cs-sales" {
		t.Errorf("the note over the gateway audited as %+v, %v; want channel name cs-sales", recs, err)
	}

	first := e.discord.lastGateway()
	cancels[holder]()
	if err := <-stopped[holder]; err != nil {
		t.Errorf("Run = %v", err)
	}
	select {
	case <-first.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the stopped replica left its gateway connection open")
	}
	waitFor(t, "the other replica to take over", func() bool {
		return e.discord.gatewayCount() == 2 && discord.HoldsGateway(replicas[other])
	})
	cb = sendOverGateway(t, e.discord, interaction(2, stranger, slash([]string{"health"}, str("account", "acme"))))
	if !strings.Contains(fmt.Sprint(cb.JSON), "not registered") {
		t.Errorf("gateway answer to a stranger = %+v", cb.JSON)
	}
	cancels[other]()
	<-stopped[other]
	// The lease is released, not left to expire.
	if ok, err := e.st.AcquireLease(context.Background(), discord.LeaseName, "replica-c", ttl, time.Now()); !ok || err != nil {
		t.Errorf("lease after both stopped: %v, %v; want it free", ok, err)
	}
}

// Without a bot token, interactions come over HTTP only: Run just waits.
func TestHTTPOnlyRunWaits(t *testing.T) {
	e := newEnv(t, func(c *discord.Config) { c.BotToken = "" })
	if !e.ad.Connected() {
		t.Error("an HTTP-only adapter is not ready")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.ad.Run(ctx) }()
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v", err)
	}
	if n := e.discord.gatewayCount(); n != 0 {
		t.Errorf("%d gateway connections without a bot token", n)
	}
}

// discordgo reconnects a dropped gateway connection by itself; csbot
// counts it and stays ready.
func TestGatewayReconnectIsCounted(t *testing.T) {
	e := newEnv(t, func(c *discord.Config) { c.PublicKey = "" })
	var reconnects atomic.Int32
	log := slog.New(slog.DiscardHandler)
	a, err := discord.New(discord.Config{BotToken: "test-token", AppID: "A1", APIURL: e.discord.apiURL()},
		discord.Deps{Router: bot.NewRouter(e.reg, e.st, log), Store: e.st, Log: log, OnReconnect: func() { reconnects.Add(1) }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() { cancel(); <-done; a.Wait() }()
	waitFor(t, "the gateway connection", func() bool { return discord.HoldsGateway(a) && e.discord.gatewayCount() == 1 })
	e.discord.lastGateway().ws.Close()
	waitFor(t, "the reconnection", func() bool { return reconnects.Load() == 1 && e.discord.gatewayCount() == 2 && discord.HoldsGateway(a) })
	cb := sendOverGateway(t, e.discord, interaction(2, aiko, slash([]string{"whoami"})))
	if !strings.Contains(fmt.Sprint(cb.JSON), "Aiko Tanaka") {
		t.Errorf("answer after reconnecting = %+v", cb.JSON)
	}
}

// A refused token ends Run with an error saying what to fix, and leaves
// the lease free for a replica that may have the right one.
func TestGatewayRefusedToken(t *testing.T) {
	e := newEnv(t, func(c *discord.Config) { c.PublicKey, c.BotToken = "", "wrong-token" })
	err := e.ad.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "DISCORD_BOT_TOKEN") {
		t.Errorf("Run = %v, want the token refused", err)
	}
	if e.ad.Connected() {
		t.Error("ready with a refused token")
	}
	if ok, err := e.st.AcquireLease(context.Background(), discord.LeaseName, "replica-c", time.Minute, time.Now()); !ok || err != nil {
		t.Errorf("lease after a refused token: %v, %v; want it free", ok, err)
	}
}
