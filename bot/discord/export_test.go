package discord

import (
	"context"
	"time"
)

// SetSleep replaces the waits between REST tries, so tests record them
// instead of waiting.
func SetSleep(a *Adapter, sleep func(context.Context, time.Duration) error) { a.rest.sleep = sleep }

// HoldsGateway reports whether the adapter has the gateway connection.
func HoldsGateway(a *Adapter) bool { return a.gw.Load() == gwConnected }
