package discord

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/csbot/csbot/bot"
	"github.com/gorilla/websocket"
)

// Run serves the gateway until ctx is done, when a bot token is set, or
// until Discord refuses the token.
// Every gateway connection receives every interaction, so of several
// replicas only the holder of the store lease connects: it renews the
// lease every ttl/3 and disconnects when it loses it or cannot renew it
// in time; the others try again every ttl. Without a bot token Run only
// waits: interactions then come over HTTP.
func (a *Adapter) Run(ctx context.Context) error {
	if a.cfg.BotToken == "" {
		<-ctx.Done()
		return nil
	}
	for {
		held, err := a.Store.AcquireLease(ctx, LeaseName, a.owner, a.ttl, time.Now())
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			a.gw.Store(gwIdle)
			a.Log.Warn("discord: cannot take the gateway lease", "err", err)
		case held:
			err := a.holdGateway(ctx)
			a.gw.Store(gwIdle)
			if tokenRefused(err) {
				return err // trying again cannot help
			}
			if err != nil {
				a.Log.Error("discord gateway", "err", err)
			}
		default:
			a.gw.Store(gwElsewhere)
		}
		if bot.Sleep(ctx, a.ttl) != nil {
			return nil
		}
	}
}

// holdGateway connects while the lease is ours; it closes the connection
// and releases the lease when ctx is done or the lease is lost.
func (a *Adapter) holdGateway(ctx context.Context) error {
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := a.Store.ReleaseLease(rctx, LeaseName, a.owner); err != nil {
			a.Log.Warn("discord: cannot release the gateway lease; another replica takes it when it expires", "err", err)
		}
	}()
	a.gw.Store(gwConnecting)
	s := newSession(a.cfg.BotToken, a.client)
	var connects atomic.Int32
	s.AddHandler(func(*discordgo.Session, *discordgo.Connect) {
		a.gw.Store(gwConnected)
		// The first connect is Open's; discordgo reconnects by itself.
		if connects.Add(1) > 1 && a.OnReconnect != nil {
			a.OnReconnect()
		}
	})
	s.AddHandler(func(*discordgo.Session, *discordgo.Disconnect) { a.gw.Store(gwConnecting) })
	// The raw event, not discordgo's InteractionCreate: the same decoding
	// as the HTTP path, with the channel's name.
	s.AddHandler(func(_ *discordgo.Session, e *discordgo.Event) {
		if e.Type != "INTERACTION_CREATE" {
			return
		}
		i, channelName, err := decodeInteraction(e.RawData)
		if err != nil {
			a.Log.Warn("discord: gateway interaction", "err", err)
			return
		}
		a.work.Go(func() { a.gatewayInteraction(bot.WithChannelName(ctx, channelName), i) })
	})
	if err := s.Open(); err != nil {
		return fmt.Errorf("connect to the Discord gateway: %w (check DISCORD_BOT_TOKEN)", err)
	}
	defer func() {
		if err := s.Close(); err != nil {
			a.Log.Warn("discord: closing the gateway", "err", err)
		}
	}()
	a.gw.Store(gwConnected)
	a.Log.Info("discord gateway connected", "owner", a.owner)
	renewed := time.Now()
	tick := time.NewTicker(a.ttl / 3)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		now := time.Now()
		// A renewal must not outlast the lease: a stalled store would
		// leave this replica connected after another one took over.
		rctx, cancel := context.WithTimeout(ctx, a.ttl/3)
		held, err := a.Store.AcquireLease(rctx, LeaseName, a.owner, a.ttl, now)
		cancel()
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			// Let go while the lease is surely still ours: after it
			// expires another replica may connect too.
			if time.Since(renewed) >= a.ttl/2 {
				return fmt.Errorf("cannot renew the gateway lease, disconnecting before it expires: %w", err)
			}
			a.Log.Warn("discord: cannot renew the gateway lease", "err", err)
		case !held:
			a.Log.Warn("discord: another replica holds the gateway lease; disconnecting")
			return nil
		default:
			renewed = now
		}
	}
}

// gatewayInteraction answers an interaction from the gateway through the
// interaction callback endpoint, with what the HTTP path writes back.
func (a *Adapter) gatewayInteraction(ctx context.Context, i *discordgo.Interaction) {
	defer func() { // a goroutine of its own: a panic here would end csbot
		if p := recover(); p != nil {
			a.Log.Error("discord: interaction panicked", "panic", p)
		}
	}()
	// Two replicas may hold the gateway for a moment around a lease
	// takeover: the claim makes the interaction run once.
	if i.Type != discordgo.InteractionPing && i.Type != discordgo.InteractionApplicationCommandAutocomplete {
		if won, err := a.Store.Claim(ctx, "discord-interaction/"+i.ID, time.Now()); err != nil || !won {
			if err != nil {
				a.Log.Warn("discord: claim interaction", "err", err)
			}
			return
		}
	}
	resp, then, err := a.interact(ctx, i)
	if err != nil {
		a.Log.Warn("discord: unreadable interaction", "err", err)
		return
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), discordgo.InteractionDeadline)
	defer cancel()
	endpoint := discordgo.EndpointInteractionResponse(i.ID, i.Token)
	if _, err := a.rest.RequestWithBucketID(http.MethodPost, endpoint, resp, endpoint, discordgo.WithContext(rctx)); err != nil {
		_ = a.rest.fail("answer interaction", err) // it logs
		return
	}
	if then != nil {
		then()
	}
}

// tokenRefused reports Discord closing the gateway with 4004,
// "Authentication failed": the bot token is wrong or was reset.
func tokenRefused(err error) bool {
	var ce *websocket.CloseError
	return errors.As(err, &ce) && ce.Code == 4004
}
