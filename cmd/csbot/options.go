package main

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/bot/discord"
	"github.com/csbot/csbot/bot/i18n"
	"github.com/csbot/csbot/bot/teams"
	"github.com/csbot/csbot/commands/access"
	"github.com/csbot/csbot/playbooks"
	"github.com/csbot/csbot/store/health"
)

// defaultAddr is where csbot serve listens unless CSBOT_ADDR says otherwise
// (the deploy manifests' ports and probes follow it).
const defaultAddr = ":8080"

// defaultAuditRetentionDays keeps the audit trail a little over a year:
// a yearly review (an SOC 2 period, a renewal) still finds the year's changes.
const defaultAuditRetentionDays = 400

// defaultShutdownGrace bounds how long in-flight work may take after SIGTERM.
const defaultShutdownGrace = 20 * time.Second

// options is csbot's whole configuration. Each setting comes from, in
// rising precedence: its default, the YAML file (--config or CSBOT_CONFIG),
// its environment variable (the contract in docs/contract.md), a command-line flag.
type options struct {
	Addr string `yaml:"addr"`
	// MetricsAddr, when set, serves /metrics there and nowhere else.
	MetricsAddr string `yaml:"metrics_addr"`
	// CommandLimit caps each member's chat commands: "10/10s" or "off".
	CommandLimit string `yaml:"command_limit"`
	MongoURI     string `yaml:"mongodb_uri"`
	DataDir      string `yaml:"data_dir"`
	Database     string `yaml:"database"`
	TZ           string `yaml:"tz"`
	// Locale is the language of replies to members who chose none and
	// whose platform says none: en or ja.
	Locale string `yaml:"locale"`
	// Currency is the ISO 4217 code of the organisation's amounts (ARR),
	// e.g. JPY; empty shows bare numbers.
	Currency string `yaml:"currency"`
	// LogFormat is text or json; empty picks text on a terminal, JSON otherwise.
	LogFormat string `yaml:"log_format"`
	// ShutdownGrace is how long in-flight commands and sends may run after SIGTERM.
	ShutdownGrace time.Duration `yaml:"shutdown_grace"`
	// AuditRetentionDays is how long the audit trail keeps a record; 0
	// keeps every record.
	AuditRetentionDays int `yaml:"audit_retention_days"`
	// PlaybooksDir overrides and adds to the built-in playbooks.
	PlaybooksDir string `yaml:"playbooks_dir"`
	// ChecklistsDir overrides and adds to the built-in checklist templates.
	ChecklistsDir string `yaml:"checklists_dir"`
	// APIToken turns on the ingest API; requests must carry it as a bearer token.
	APIToken string        `yaml:"api_token"`
	Health   health.Config `yaml:"health"`
	// Calendar and Schedule say when reminders and digests reach people:
	// business days, the digest time and the send window (playbooks.NewSchedule).
	Calendar playbooks.CalendarConfig `yaml:"calendar"`
	Schedule playbooks.ScheduleConfig `yaml:"schedule"`
	Slack    slackOptions             `yaml:"slack"`
	Discord  discordOptions           `yaml:"discord"`
	Teams    teamsOptions             `yaml:"teams"`
	// Access overrides cells of the access table (docs/access.md).
	Access access.Policy `yaml:"access"`

	ConfigFile string `yaml:"-"`
	// errs are problems met while reading the file and the environment.
	errs []error
}

// slackOptions turn on Slack: the signing secret serves the HTTP endpoints,
// the app token Socket Mode; either needs the bot token to answer.
type slackOptions struct {
	SigningSecret string `yaml:"signing_secret"`
	BotToken      string `yaml:"bot_token"`
	AppToken      string `yaml:"app_token"`
	APIURL        string `yaml:"api_url"`
}

func (s slackOptions) enabled() bool { return s.SigningSecret != "" || s.AppToken != "" }

// discordOptions turn on Discord: the public key serves HTTP interactions,
// the bot token the gateway and outgoing messages.
type discordOptions struct {
	PublicKey string `yaml:"public_key"`
	BotToken  string `yaml:"bot_token"`
	AppID     string `yaml:"app_id"`
	APIURL    string `yaml:"api_url"`
}

func (d discordOptions) enabled() bool { return d.PublicKey != "" || d.BotToken != "" }

func (d discordOptions) config() discord.Config {
	return discord.Config{PublicKey: d.PublicKey, BotToken: d.BotToken, AppID: d.AppID, APIURL: d.APIURL}
}

// teamsOptions turn on the Microsoft Teams outgoing webhook. Each Teams team
// that adds it gets a token of its own: the secret may list several,
// separated by commas.
type teamsOptions struct {
	WebhookSecret string `yaml:"webhook_secret"`
}

func (t teamsOptions) enabled() bool { return t.WebhookSecret != "" }

// setting binds an environment variable to its option.
type setting struct {
	env string
	to  *string
}

// settings lists every string option's environment variable.
func (o *options) settings() []setting {
	return []setting{
		{"CSBOT_ADDR", &o.Addr}, {"CSBOT_METRICS_ADDR", &o.MetricsAddr}, {"CSBOT_COMMAND_LIMIT", &o.CommandLimit}, {"MONGODB_URI", &o.MongoURI}, {"CSBOT_DATA_DIR", &o.DataDir},
		{"CSBOT_DB", &o.Database}, {"CSBOT_TZ", &o.TZ}, {"CSBOT_LOCALE", &o.Locale}, {"CSBOT_CURRENCY", &o.Currency}, {"CSBOT_LOG_FORMAT", &o.LogFormat},
		{"CSBOT_PLAYBOOKS_DIR", &o.PlaybooksDir}, {"CSBOT_CHECKLISTS_DIR", &o.ChecklistsDir},
		{"CSBOT_API_TOKEN", &o.APIToken},
		{"SLACK_SIGNING_SECRET", &o.Slack.SigningSecret}, {"SLACK_BOT_TOKEN", &o.Slack.BotToken},
		{"SLACK_APP_TOKEN", &o.Slack.AppToken}, {"SLACK_API_URL", &o.Slack.APIURL},
		{"DISCORD_PUBLIC_KEY", &o.Discord.PublicKey}, {"DISCORD_BOT_TOKEN", &o.Discord.BotToken},
		{"DISCORD_APP_ID", &o.Discord.AppID}, {"DISCORD_API_URL", &o.Discord.APIURL},
		{"TEAMS_WEBHOOK_SECRET", &o.Teams.WebhookSecret},
	}
}

// secretVars may also come from a file named by <VAR>_FILE (Docker and
// Kubernetes secrets mounted as files).
var secretVars = []string{"MONGODB_URI", "SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN",
	"CSBOT_API_TOKEN", "DISCORD_PUBLIC_KEY", "DISCORD_BOT_TOKEN", "TEAMS_WEBHOOK_SECRET"}

// withSecretFiles reads <VAR>_FILE for the secret variables that are unset;
// a file that cannot be read is recorded in errs for Validate to report.
func withSecretFiles(getenv func(string) string, errs *[]error) func(string) string {
	return func(name string) string {
		v := getenv(name)
		path := getenv(name + "_FILE")
		if v != "" || path == "" || !slices.Contains(secretVars, name) {
			return v
		}
		data, err := os.ReadFile(path)
		if err != nil {
			*errs = append(*errs, fmt.Errorf("%s_FILE: %w", name, err))
			return ""
		}
		return strings.TrimSpace(string(data))
	}
}

// overrides are settings given on the command line; empty means not given.
type overrides struct {
	ConfigFile, DataDir, MongoURI string
}

// loadOptions reads the configuration in precedence order. Problems are
// kept in the options for Validate, so doctor can list them all.
func loadOptions(getenv func(string) string, cli overrides) options {
	o := options{
		Addr: defaultAddr, CommandLimit: bot.DefaultLimit.String(), DataDir: "./data", Database: "csbot", TZ: "UTC", Locale: i18n.Default,
		ShutdownGrace: defaultShutdownGrace, AuditRetentionDays: defaultAuditRetentionDays, Health: health.DefaultConfig(), Access: *access.Default(),
	}
	o.ConfigFile = cmpOr(cli.ConfigFile, getenv("CSBOT_CONFIG"))
	if err := o.loadFile(); err != nil {
		o.errs = append(o.errs, err)
	}
	getenv = withSecretFiles(getenv, &o.errs)
	for _, s := range o.settings() {
		if v := getenv(s.env); v != "" {
			*s.to = v
		}
	}
	if v := getenv("CSBOT_SHUTDOWN_GRACE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			o.errs = append(o.errs, fmt.Errorf("CSBOT_SHUTDOWN_GRACE: %q is not a duration (use e.g. 20s or 1m)", v))
		}
		o.ShutdownGrace = d
	}
	if v := getenv("CSBOT_AUDIT_RETENTION_DAYS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			o.errs = append(o.errs, fmt.Errorf("CSBOT_AUDIT_RETENTION_DAYS: %q is not a number of days (use e.g. 400, or 0 to keep every record)", v))
		}
		o.AuditRetentionDays = n
	}
	o.DataDir = cmpOr(cli.DataDir, o.DataDir)
	o.MongoURI = cmpOr(cli.MongoURI, o.MongoURI)
	return o
}

func cmpOr(v, def string) string {
	if v != "" {
		return v
	}
	return def
}

// yamlUnknown rewrites yaml.v3's "field x not found in type main.options"
// into words that name the key and not Go's types.
var yamlUnknown = regexp.MustCompile(`field (\S+) not found in type \S+`)

// loadFile applies the YAML file's settings; unknown keys are errors that
// name the key and line, so a typo never silently falls back to a default.
func (o *options) loadFile() error {
	if o.ConfigFile == "" {
		return nil
	}
	data, err := os.ReadFile(o.ConfigFile)
	if err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(o); err != nil && !errors.Is(err, io.EOF) {
		msg := yamlUnknown.ReplaceAllString(err.Error(), `unknown key "$1"`)
		return fmt.Errorf("config %s: %s", o.ConfigFile, strings.TrimPrefix(msg, "yaml: "))
	}
	return nil
}

// Validate reports every invalid setting at once, each naming its variable.
func (o options) Validate() error {
	errs := slices.Clone(o.errs)
	if o.LogFormat != "" && o.LogFormat != "text" && o.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("CSBOT_LOG_FORMAT: %q: use text or json", o.LogFormat))
	}
	if o.MongoURI == "" && o.DataDir == "" {
		errs = append(errs, errors.New("CSBOT_DATA_DIR: empty; the embedded store needs a folder"))
	}
	if o.Database == "" {
		errs = append(errs, errors.New("CSBOT_DB: empty database name"))
	}
	if _, err := time.LoadLocation(o.TZ); err != nil {
		errs = append(errs, fmt.Errorf("CSBOT_TZ: %q is not a time zone (use e.g. Asia/Tokyo)", o.TZ))
	}
	if _, ok := i18n.Match(o.Locale); !ok {
		errs = append(errs, fmt.Errorf("CSBOT_LOCALE: %q: csbot speaks %s", o.Locale, strings.Join(i18n.Supported(), " and ")))
	}
	if o.Currency != "" {
		if err := i18n.ValidCurrency(o.Currency); err != nil {
			errs = append(errs, fmt.Errorf("CSBOT_CURRENCY: %w", err))
		}
	}
	if o.ShutdownGrace <= 0 || o.ShutdownGrace > 10*time.Minute {
		errs = append(errs, fmt.Errorf("CSBOT_SHUTDOWN_GRACE: %v must be between 1s and 10m", o.ShutdownGrace))
	}
	if o.AuditRetentionDays < 0 {
		errs = append(errs, fmt.Errorf("CSBOT_AUDIT_RETENTION_DAYS: %d: give a number of days, or 0 to keep every record", o.AuditRetentionDays))
	}
	if _, err := bot.ParseLimit(o.CommandLimit); err != nil {
		errs = append(errs, fmt.Errorf("CSBOT_COMMAND_LIMIT: %q: %w", o.CommandLimit, err))
	}
	if o.MetricsAddr != "" && o.MetricsAddr == o.Addr {
		errs = append(errs, errors.New("CSBOT_METRICS_ADDR: the same as CSBOT_ADDR; give another address, or leave it unset to serve /metrics on CSBOT_ADDR"))
	}
	if o.APIToken != "" && len(o.APIToken) < 16 {
		errs = append(errs, errors.New("CSBOT_API_TOKEN: too short to be a secret; use at least 16 random characters (openssl rand -hex 32)"))
	}
	if o.Slack.enabled() && o.Slack.BotToken == "" {
		errs = append(errs, errors.New("SLACK_BOT_TOKEN: needed to answer in Slack (the xoxb- token of the app's Bot User)"))
	}
	if o.Slack.AppToken != "" && !strings.HasPrefix(o.Slack.AppToken, "xapp-") {
		errs = append(errs, errors.New("SLACK_APP_TOKEN: an app-level token starts with xapp- (Basic Information > App-Level Tokens)"))
	}
	if k := o.Discord.PublicKey; k != "" {
		if b, err := hex.DecodeString(k); err != nil || len(b) != ed25519.PublicKeySize {
			errs = append(errs, errors.New("DISCORD_PUBLIC_KEY: not a public key; copy the 64 hex characters of General Information > Public Key"))
		}
	}
	if o.Discord.enabled() && o.Discord.AppID == "" {
		errs = append(errs, errors.New("DISCORD_APP_ID: needed with Discord (General Information > Application ID)"))
	}
	if o.Discord.PublicKey != "" && o.Discord.BotToken == "" {
		errs = append(errs, errors.New("DISCORD_BOT_TOKEN: needed to answer slow commands and send reminders (Bot > Reset Token)"))
	}
	if o.Teams.enabled() {
		if _, err := teams.ParseSecrets(o.Teams.WebhookSecret); err != nil {
			errs = append(errs, err)
		}
	}
	if err := o.Health.Validate(); err != nil {
		errs = append(errs, err)
	}
	if _, err := o.schedule(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// schedule is when scheduled messages reach people, from the calendar and
// schedule sections; members without a time zone live in CSBOT_TZ.
func (o options) schedule() (*playbooks.Schedule, error) {
	loc, err := time.LoadLocation(o.TZ)
	if err != nil {
		loc = time.UTC // Validate reports CSBOT_TZ itself
	}
	return playbooks.NewSchedule(o.Calendar, o.Schedule, loc)
}
