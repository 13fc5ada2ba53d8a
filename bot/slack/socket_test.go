package slack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	csslack "github.com/csbot/csbot/bot/slack"
)

// The fake Socket Mode server sends one slash command per connection, reads
// the ack, then drops the connection; the bot must reconnect and keep
// answering.
func TestSocketModeSurvivesDroppedConnection(t *testing.T) {
	e := newEnv(t)
	acks := make(chan map[string]any, 4)
	var conns atomic.Int32
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	e.slack.ws = func(w http.ResponseWriter, r *http.Request) {
		conn, err := up.Upgrade(w, r, nil)
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		n := conns.Add(1)
		hello := `{"type":"hello","num_connections":1,"debug_info":{"host":"fake"},"connection_info":{"app_id":"A1"}}`
		if err := conn.WriteMessage(websocket.TextMessage, []byte(hello)); err != nil {
			return
		}
		env := fmt.Sprintf(`{"envelope_id":"env-%d","type":"slash_commands","accepts_response_payload":true,"payload":{"command":"/cs","text":"health acme","user_id":"U0AIKO","channel_id":"C1","team_id":"T1","response_url":"%s/respond/%d"}}`, n, e.slack.srv.URL, n)
		if err := conn.WriteMessage(websocket.TextMessage, []byte(env)); err != nil {
			return
		}
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, msg, err := conn.ReadMessage()
		if err != nil {
			if n <= 2 { // later connections may be cut by the test's end
				t.Errorf("connection %d: no ack: %v", n, err)
			}
			return
		}
		var ack map[string]any
		_ = json.Unmarshal(msg, &ack)
		acks <- ack
		// Returning closes the socket without a goodbye, like a network drop.
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var reconnects atomic.Int32
	status := &csslack.SocketStatus{OnReconnect: func() { reconnects.Add(1) }}
	go func() { done <- e.app.RunSocket(ctx, "xapp-test", "xoxb-test", e.slack.srv.URL+"/api", status) }()
	for i := 1; i <= 2; i++ {
		select {
		case ack := <-acks:
			if ack["envelope_id"] != fmt.Sprintf("env-%d", i) || !strings.Contains(fmt.Sprint(ack["payload"]), "Acme Corp") {
				t.Errorf("ack %d = %v", i, ack)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("no ack on connection %d", i)
		}
	}
	if reconnects.Load() < 1 {
		t.Errorf("reconnects counted %d, want at least 1", reconnects.Load())
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("RunSocket after cancel: %v", err)
	}
	if opens := len(e.slack.called("apps.connections.open")); opens < 2 {
		t.Errorf("apps.connections.open called %d times, want a reconnect", opens)
	}
}

// A revoked or wrong app token ends RunSocket with an error instead of
// leaving it waiting for events forever.
func TestSocketModeBadTokenReturns(t *testing.T) {
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":false,"error":"invalid_auth"}`)
	}))
	defer bad.Close()
	e := newEnv(t)
	done := make(chan error, 1)
	go func() {
		done <- e.app.RunSocket(context.Background(), "xapp-revoked", "xoxb-test", bad.URL+"/api", nil)
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "invalid_auth") {
			t.Errorf("RunSocket = %v, want the invalid_auth error", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("RunSocket did not return on invalid_auth")
	}
}
