package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/bwmarrin/discordgo"

	"github.com/csbot/csbot/bot"
)

// Register publishes /cs with a subcommand (or group of subcommands) for
// every command of reg: in one server when guildID is set (shown at once),
// else globally (Discord may take up to an hour to show changes). It
// overwrites the application's commands in bulk, so running it again is
// safe. It returns how many csbot commands /cs carries.
func Register(ctx context.Context, cfg Config, reg *bot.Registry, guildID string) (int, error) {
	if cfg.AppID == "" || cfg.BotToken == "" {
		return 0, errors.New("discord register: set DISCORD_APP_ID and DISCORD_BOT_TOKEN (Developer Portal: General Information, Bot)")
	}
	cs, err := newCommandSet(reg)
	if err != nil {
		return 0, err
	}
	c, err := restClient(cfg)
	if err != nil {
		return 0, err
	}
	cmds := []*discordgo.ApplicationCommand{cs.applicationCommand()}
	err = c.call(ctx, "register commands", func(opts ...discordgo.RequestOption) error {
		_, err := c.ApplicationCommandBulkOverwrite(cfg.AppID, guildID, cmds, opts...)
		return err
	})
	if err != nil {
		return 0, err
	}
	return len(cs.cmds), nil
}

// restClient is a one-off REST client for the command-line tools.
func restClient(cfg Config) (*rest, error) {
	client, err := httpClient(cfg.APIURL)
	if err != nil {
		return nil, err
	}
	return &rest{Session: newSession(cfg.BotToken, client), sleep: bot.Sleep, log: slog.Default()}, nil
}

// CheckApplication reads the application the bot token belongs to, for
// csbot doctor: it returns the application's name, or why it cannot be read
// or is not DISCORD_APP_ID.
func CheckApplication(ctx context.Context, cfg Config) (string, error) {
	if cfg.BotToken == "" {
		return "", errors.New("discord: DISCORD_BOT_TOKEN is not set; HTTP interactions work, but slow answers and reminders need it")
	}
	c, err := restClient(cfg)
	if err != nil {
		return "", err
	}
	var app discordgo.Application
	err = c.call(ctx, "read application", func(opts ...discordgo.RequestOption) error {
		body, err := c.Request("GET", discordgo.EndpointOAuth2Application("@me"), nil, opts...)
		if err != nil {
			return err
		}
		return json.Unmarshal(body, &app)
	})
	if err != nil {
		return "", err
	}
	if cfg.AppID != "" && app.ID != cfg.AppID {
		return "", fmt.Errorf("discord: the bot token belongs to application %s (%s), not DISCORD_APP_ID %s", app.ID, app.Name, cfg.AppID)
	}
	return app.Name, nil
}
