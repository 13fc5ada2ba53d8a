package main

import (
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/csbot/csbot/bot/console"
	"github.com/csbot/csbot/bot/i18n"
	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/demo"
)

// The same /cs health on console, Slack, Discord and Teams, each through
// its real wire format: the facts (score, band, owner, every risk) must be
// the same in all four renderings.
func TestSameFactsOnEveryPlatform(t *testing.T) {
	ctx := context.Background()
	a := newTestApp(t)
	if _, err := demo.Seed(ctx, a.store, a.engine, a.engine.Now()); err != nil {
		t.Fatal(err)
	}
	aiko, err := a.store.Member(ctx, "aiko")
	if err != nil {
		t.Fatal(err)
	}
	aiko.Identities["discord"] = "100000000000000001"
	aiko.Identities["teams"] = "5f4b2c1e-8a3d-4e6f-9b7a-1c2d3e4f5a6b"
	if err := a.store.SaveMember(ctx, aiko); err != nil {
		t.Fatal(err)
	}
	// An account at risk, so that risks are among the facts compared.
	rows, err := a.store.AccountRows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var acct store.Account
	for _, r := range rows {
		if len(r.Risks) >= 2 && r.Owner != "" {
			if acct, err = a.store.Account(ctx, r.Slug); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	if acct.Slug == "" {
		t.Fatal("the demo has no account with two risks and an owner")
	}
	as := a.engine.Assess(acct)
	owner, err := a.store.Member(ctx, acct.Owner)
	if err != nil {
		t.Fatal(err)
	}
	// Aiko's locale is ja-JP: every platform answers her in Japanese.
	band := i18n.For(aiko.Locale).T("band."+as.Band, nil)
	facts := []string{acct.Name, strconv.Itoa(as.Score) + "/100", band, owner.Name}
	for _, r := range as.Risks {
		facts = append(facts, r.Reason)
	}

	slackAPI := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true,"user":{"id":"U0DEMO01","is_restricted":false}}`)
	}))
	defer slackAPI.Close()
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	teamsKey := base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
	o := optionsFromEnv(testEnv(t, map[string]string{}))
	o.Slack = slackOptions{SigningSecret: "shh", BotToken: "xoxb-test", APIURL: slackAPI.URL + "/api/"}
	o.Discord = discordOptions{PublicKey: hex.EncodeToString(pub), AppID: "A1"}
	o.Teams = teamsOptions{WebhookSecret: teamsKey}
	work, cancel := context.WithCancel(ctx)
	var running sync.WaitGroup
	defer func() { cancel(); running.Wait() }()
	mux := a.httpHandler()
	if _, err := a.platforms(work, work, o, mux, slog.New(slog.DiscardHandler), &running); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")

	post := func(req *http.Request) string {
		t.Helper()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", req.URL.Path, resp.StatusCode, b)
		}
		return flatten(t, b)
	}
	renderings := map[string]string{
		"console": console.Render(a.router.Handle(ctx, "console", "aiko", "health "+acct.Slug)),
		"slack":   post(signedSlashCommand(t, addr, "shh", "health "+acct.Slug, slackAPI.URL+"/respond")),
	}

	body, _ := json.Marshal(map[string]any{
		"id": "1100000000000000001", "application_id": "A1", "type": 2, "token": "tok", "version": 1, "channel_id": "C1", "guild_id": "G1",
		"member": map[string]any{"user": map[string]any{"id": aiko.Identities["discord"], "username": "aiko"}, "roles": []any{}},
		"data": map[string]any{"id": "9", "name": "cs", "type": 1, "options": []any{map[string]any{"name": "health", "type": 1,
			"options": []any{map[string]any{"name": "account", "type": 3, "value": acct.Slug}}}}},
	})
	stamp := strconv.FormatInt(time.Now().Unix(), 10)
	req, _ := http.NewRequest("POST", srv.URL+"/discord/interactions", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Signature-Timestamp", stamp)
	req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(priv, append([]byte(stamp), body...))))
	renderings["discord"] = post(req)

	// Teams answers for the whole channel: this one is marked internal,
	// so the customer figures are there too.
	if err := a.store.SetChannelMark(ctx, "teams", "19:cs-team@thread.tacv2", store.ChannelInternal); err != nil {
		t.Fatal(err)
	}
	body, _ = json.Marshal(map[string]any{"type": "message", "id": "1", "timestamp": time.Now().UTC().Format(time.RFC3339), "text": "<at>csbot</at> health " + acct.Slug,
		"conversation": map[string]any{"id": "19:cs-team@thread.tacv2;messageid=1"},
		"from":         map[string]any{"id": "29:1", "name": "Aiko", "aadObjectId": aiko.Identities["teams"]}, "channelId": "msteams"})
	key, _ := base64.StdEncoding.DecodeString(teamsKey)
	mac := hmac.New(sha256.New, key)
	mac.Write(body)
	req, _ = http.NewRequest("POST", srv.URL+"/teams/messages", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "HMAC "+base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	renderings["teams"] = post(req)

	for platform, text := range renderings {
		text = plain(text)
		for _, f := range facts {
			if !strings.Contains(text, plain(f)) {
				t.Errorf("%s lacks %q:\n%s", platform, f, text)
			}
		}
	}
}

// flatten joins every string of a JSON document, which is where each
// platform's wire format carries the text people see.
func flatten(t *testing.T, b []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("not JSON: %v: %s", err, b)
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			out = append(out, v)
		case []any:
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(v)
	return strings.Join(out, "\n")
}

// plain drops what each platform's markup adds around the same words:
// HTML entities, markdown emphasis and escapes, non-breaking spaces.
func plain(s string) string {
	s = html.UnescapeString(s)
	s = strings.NewReplacer("*", "", "_", "", "`", "", "\\", "", "\u00a0", " ").Replace(s)
	return strings.Join(strings.Fields(s), " ")
}
