package discord_test

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/gorilla/websocket"
)

// fakeDiscord speaks Discord's REST API (v10 paths) and gateway wire
// formats and records every REST call.
type fakeDiscord struct {
	srv *httptest.Server
	mu  sync.Mutex
	// calls are the REST calls, in order.
	calls []apiCall
	// limited makes the next channel message posts answer 429.
	limited int
	// refuse, when set, answers channel message posts with this Discord
	// error code and 403.
	refuse int
	// broken makes the next channel message posts answer 502 and 503 in
	// turn.
	broken int
	// gateways are the gateway connections ever made; interact sends an
	// INTERACTION_CREATE on the newest.
	gateways []*gatewayConn
}

type apiCall struct {
	Method, Path string
	// JSON is the JSON body, or a multipart body's payload_json.
	JSON any
	// Files are the names of uploaded files.
	Files []string
	Auth  string
}

type gatewayConn struct {
	mu      sync.Mutex
	ws      *websocket.Conn
	seq     int
	intents int
	// done is closed when the connection ends.
	done chan struct{}
}

func newFakeDiscord(t testing.TB) *fakeDiscord {
	f := &fakeDiscord{}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// apiURL is what DISCORD_API_URL is set to.
func (f *fakeDiscord) apiURL() string { return f.srv.URL + "/api/v10/" }

func (f *fakeDiscord) serve(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/gateway-ws") {
		f.gateway(w, r)
		return
	}
	c := apiCall{Method: r.Method, Path: strings.TrimPrefix(r.URL.Path, "/api/v10/"), Auth: r.Header.Get("Authorization")}
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "multipart/form-data" {
		mr := multipart.NewReader(r.Body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			b, _ := io.ReadAll(p)
			if p.FormName() == "payload_json" {
				_ = json.Unmarshal(b, &c.JSON)
			} else {
				c.Files = append(c.Files, p.FileName())
			}
		}
	} else {
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &c.JSON)
	}
	f.mu.Lock()
	f.calls = append(f.calls, c)
	limited := f.limited > 0 && strings.HasPrefix(c.Path, "channels/")
	if limited {
		f.limited--
	}
	broken := !limited && f.broken > 0 && strings.HasPrefix(c.Path, "channels/")
	status := http.StatusBadGateway
	if broken {
		f.broken--
		if f.broken%2 == 1 {
			status = http.StatusServiceUnavailable
		}
	}
	refuse := f.refuse
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	parts := strings.Split(c.Path, "/")
	switch {
	case limited:
		w.Header().Set("X-RateLimit-Limit", "5")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset-After", "0.05")
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, `{"message":"You are being rate limited.","retry_after":0.05,"global":false}`)
	case broken:
		w.WriteHeader(status)
		io.WriteString(w, `{"message":"upstream trouble","code":0}`)
	case refuse != 0 && strings.HasPrefix(c.Path, "channels/"):
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, `{"message":"Cannot send messages to this user","code":%d}`, refuse)
	case r.Method == http.MethodGet && c.Path == "gateway":
		fmt.Fprintf(w, `{"url":"ws://%s/gateway-ws"}`, r.Host)
	case r.Method == http.MethodPost && parts[0] == "interactions":
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodDelete:
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodPost && c.Path == "users/@me/channels":
		var body struct {
			Recipient string `json:"recipient_id"`
		}
		b, _ := json.Marshal(c.JSON)
		_ = json.Unmarshal(b, &body)
		fmt.Fprintf(w, `{"id":"D%s","type":1}`, body.Recipient)
	case parts[0] == "channels" || parts[0] == "webhooks":
		fmt.Fprintf(w, `{"id":"M%d","channel_id":"C1","type":0,"content":""}`, len(f.calls))
	case r.Method == http.MethodGet && c.Path == "oauth2/applications/@me":
		if c.Auth != "Bot test-token" {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"message":"401: Unauthorized","code":0}`)
			return
		}
		io.WriteString(w, `{"id":"A1","name":"csbot"}`)
	case r.Method == http.MethodPut && parts[0] == "applications":
		b, _ := json.Marshal(c.JSON)
		w.Write(b)
	default:
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"message":"404: Not Found","code":0}`)
	}
}

// called returns the calls whose method and path start as given.
func (f *fakeDiscord) called(method, pathPrefix string) []apiCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []apiCall
	for _, c := range f.calls {
		if c.Method == method && strings.HasPrefix(c.Path, pathPrefix) {
			out = append(out, c)
		}
	}
	return out
}

func (f *fakeDiscord) allCalls() []apiCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]apiCall(nil), f.calls...)
}

var upgrader = websocket.Upgrader{}

// gateway speaks the gateway protocol as far as a bot that only takes
// interactions needs: HELLO, IDENTIFY, READY, heartbeats, dispatches.
func (f *fakeDiscord) gateway(w http.ResponseWriter, r *http.Request) {
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	g := &gatewayConn{ws: ws, done: make(chan struct{})}
	defer close(g.done)
	defer ws.Close()
	g.send(map[string]any{"op": 10, "d": map[string]any{"heartbeat_interval": 45000}})
	var identify struct {
		Op int `json:"op"`
		D  struct {
			Token   string `json:"token"`
			Intents int    `json:"intents"`
		} `json:"d"`
	}
	if err := ws.ReadJSON(&identify); err != nil {
		return
	}
	if identify.D.Token != "Bot test-token" {
		_ = ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4004, "Authentication failed."))
		return
	}
	switch identify.Op {
	case 2:
		g.intents = identify.D.Intents
		g.dispatch("READY", map[string]any{
			"v": 10, "session_id": "S1", "resume_gateway_url": "ws://" + r.Host + "/gateway-ws",
			"user": map[string]any{"id": "B1", "username": "csbot", "bot": true}, "guilds": []any{}, "application": map[string]any{"id": "A1"},
		})
	case 6: // resume after a dropped connection
		g.dispatch("RESUMED", map[string]any{})
	default:
		return
	}
	f.mu.Lock()
	f.gateways = append(f.gateways, g)
	f.mu.Unlock()
	for {
		var m struct {
			Op int `json:"op"`
		}
		if err := ws.ReadJSON(&m); err != nil {
			return
		}
		if m.Op == 1 {
			g.send(map[string]any{"op": 11})
		}
	}
}

func (g *gatewayConn) send(v any) {
	g.mu.Lock()
	defer g.mu.Unlock()
	_ = g.ws.WriteJSON(v)
}

func (g *gatewayConn) dispatch(event string, d any) {
	g.mu.Lock()
	g.seq++
	seq := g.seq
	g.mu.Unlock()
	g.send(map[string]any{"op": 0, "s": seq, "t": event, "d": d})
}

func (f *fakeDiscord) gatewayCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.gateways)
}

func (f *fakeDiscord) lastGateway() *gatewayConn {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.gateways[len(f.gateways)-1]
}
