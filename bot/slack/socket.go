package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/csbot/csbot/bot"
)

// maxSocketAck keeps an ack payload under Socket Mode's 20 KB limit.
const maxSocketAck = 15000

// SocketStatus tells readiness checks and metrics about the Socket Mode
// connection. The zero value is ready to use.
type SocketStatus struct {
	connected atomic.Bool
	// seen is set once the first connection is up, so that later ones count
	// as reconnects.
	seen atomic.Bool
	// OnReconnect, when set before RunSocket, is called on every reconnect.
	OnReconnect func()
}

// Connected reports whether the Socket Mode connection is up.
func (s *SocketStatus) Connected() bool { return s.connected.Load() }

// RunSocket serves the app over Socket Mode until ctx is done. The
// socketmode client reconnects by itself, with backoff, whenever the
// connection drops; it only gives up on a bad token. status may be nil.
func (a *App) RunSocket(ctx context.Context, appToken, botToken, apiURL string, status *SocketStatus) error {
	if status == nil {
		status = &SocketStatus{}
	}
	api := slack.New(botToken, slack.OptionAppLevelToken(appToken), slack.OptionAPIURL(apiBase(apiURL)))
	sm := socketmode.New(api)
	// The events channel is never closed: stop reading it when the client
	// gives up (a revoked token), not only at shutdown.
	serveCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.serveSocket(serveCtx, sm, status)
	}()
	err := sm.RunContext(ctx)
	stop()
	<-done
	if ctx.Err() != nil {
		return nil
	}
	return fmt.Errorf("slack socket mode: %w (check SLACK_APP_TOKEN)", err)
}

func (a *App) serveSocket(ctx context.Context, sm *socketmode.Client, status *SocketStatus) {
	for {
		select {
		case <-ctx.Done():
			return
		case evt, ok := <-sm.Events:
			if !ok {
				return
			}
			a.socketEvent(ctx, sm, evt, status)
		}
	}
}

// socketEvent hands one envelope to the same code the HTTP endpoints use;
// the ack carries what the HTTP response would.
func (a *App) socketEvent(ctx context.Context, sm *socketmode.Client, evt socketmode.Event, status *SocketStatus) {
	log := a.Log.With("transport", "socket")
	switch evt.Type {
	case socketmode.EventTypeConnected:
		log.Info("connected")
		status.connected.Store(true)
		if status.seen.Swap(true) && status.OnReconnect != nil {
			status.OnReconnect()
		}
	case socketmode.EventTypeConnectionError, socketmode.EventTypeDisconnect:
		status.connected.Store(false)
		log.Warn("connection lost, reconnecting")
	case socketmode.EventTypeSlashCommand:
		sc, ok := evt.Data.(slack.SlashCommand)
		if !ok || evt.Request == nil {
			return
		}
		a.work.Go(func() {
			body := a.Command(ctx, sc)
			// Socket Mode refuses acks of 20 KB or more: a big answer goes
			// through the response_url instead.
			if b, err := json.Marshal(body); err == nil && len(b) > maxSocketAck {
				a.ack(sm, evt.Request, a.working(ctx, sc.UserID))
				a.later(sc, bot.Reply{Share: body.ResponseType == "in_channel"}, []Message{{Text: body.Text, Blocks: body.Blocks}})
				return
			}
			a.ack(sm, evt.Request, body)
		})
	case socketmode.EventTypeEventsAPI:
		ev, ok := evt.Data.(slackevents.EventsAPIEvent)
		if !ok || evt.Request == nil {
			return
		}
		a.ack(sm, evt.Request, nil)
		if cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent); ok && cb.EventID != "" {
			a.work.Go(func() { a.Event(context.WithoutCancel(ctx), cb.EventID, ev.InnerEvent) })
		}
	case socketmode.EventTypeInteractive:
		ic, ok := evt.Data.(slack.InteractionCallback)
		if !ok || evt.Request == nil {
			return
		}
		a.work.Go(func() {
			ack, err := a.Interaction(ctx, ic)
			if err != nil {
				log.Warn("unreadable interaction", "err", err)
			}
			a.ack(sm, evt.Request, ack)
		})
	}
}

func (a *App) ack(sm *socketmode.Client, req *socketmode.Request, payload any) {
	// Bounded: once the socket is gone an ack would wait forever.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := sm.AckCtx(ctx, req.EnvelopeID, payload)
	if err != nil {
		a.Log.Warn("socket mode ack failed", "err", err)
	}
}
