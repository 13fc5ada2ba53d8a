package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/csbot/csbot/store/health"
)

// options is csbot's whole configuration: environment variables (the
// contract in DESIGN.md), overridden by command-line flags.
type options struct {
	Addr       string
	MongoURI   string
	DataDir    string
	Database   string
	TZ         string
	ConfigFile string
	// LogFormat is text or json; empty picks text on a terminal, JSON otherwise.
	LogFormat string
	// envErrs are problems met while reading the environment.
	envErrs []error
	// PlaybooksDir overrides and adds to the built-in playbooks.
	PlaybooksDir string
	// ChecklistsDir overrides and adds to the built-in checklist templates.
	ChecklistsDir string
	Health        health.Config
	Slack         slackOptions
}

// slackOptions turn on Slack: the signing secret serves the HTTP endpoints,
// the app token Socket Mode; either needs the bot token to answer.
type slackOptions struct {
	SigningSecret, BotToken, AppToken, APIURL string
}

func (s slackOptions) enabled() bool { return s.SigningSecret != "" || s.AppToken != "" }

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

func optionsFromEnv(getenv func(string) string) options {
	var fileErrs []error
	getenv = withSecretFiles(getenv, &fileErrs)
	o := options{
		LogFormat:     getenv("CSBOT_LOG_FORMAT"),
		Addr:          getenv("CSBOT_ADDR"),
		MongoURI:      getenv("MONGODB_URI"),
		DataDir:       getenv("CSBOT_DATA_DIR"),
		Database:      getenv("CSBOT_DB"),
		TZ:            getenv("CSBOT_TZ"),
		PlaybooksDir:  getenv("CSBOT_PLAYBOOKS_DIR"),
		ChecklistsDir: getenv("CSBOT_CHECKLISTS_DIR"),
		Health:        health.DefaultConfig(),
		Slack: slackOptions{
			SigningSecret: getenv("SLACK_SIGNING_SECRET"),
			BotToken:      getenv("SLACK_BOT_TOKEN"),
			AppToken:      getenv("SLACK_APP_TOKEN"),
			APIURL:        getenv("SLACK_API_URL"),
		},
	}
	setDefault(&o.Addr, ":8080")
	setDefault(&o.DataDir, "./data")
	setDefault(&o.Database, "csbot")
	setDefault(&o.TZ, "UTC")
	o.envErrs = fileErrs // appended to while reading the variables above
	return o
}

func setDefault(v *string, def string) {
	if *v == "" {
		*v = def
	}
}

// fileConfig is the optional YAML file given with --config.
type fileConfig struct {
	Health *health.Config `yaml:"health"`
}

// loadFile applies the YAML file's settings; unknown keys are errors that
// name the line, so a typo never silently falls back to a default.
func (o *options) loadFile() error {
	if o.ConfigFile == "" {
		return nil
	}
	data, err := os.ReadFile(o.ConfigFile)
	if err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	fc := fileConfig{Health: &o.Health}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&fc); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("config %s: %w", o.ConfigFile, err)
	}
	return nil
}

// Validate reports every invalid setting at once.
func (o options) Validate() error {
	errs := slices.Clone(o.envErrs)
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
	if o.Slack.enabled() && o.Slack.BotToken == "" {
		errs = append(errs, errors.New("SLACK_BOT_TOKEN: needed to answer in Slack (the xoxb- token of the app's Bot User)"))
	}
	if o.Slack.AppToken != "" && !strings.HasPrefix(o.Slack.AppToken, "xapp-") {
		errs = append(errs, errors.New("SLACK_APP_TOKEN: an app-level token starts with xapp- (Basic Information > App-Level Tokens)"))
	}
	if err := o.Health.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
