package main

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/csbot/csbot/store/mongostore"
	"github.com/csbot/csbot/store/mongostore/embedded"
	"github.com/csbot/csbot/store/storetest"
)

// doctor's embedded line: how the store can be reached, and whether its
// folder keeps other users out.
func TestEmbeddedCheck(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("folder modes are Unix's")
	}
	dir := t.TempDir()
	folder := func(name string, mode fs.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.Mkdir(p, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil { // past the umask
			t.Fatal(err)
		}
		return p
	}
	private, open := folder("private", 0o700), folder("open", 0o755)
	tests := []struct {
		name             string
		o                options
		detail, err, fix string
	}{
		{name: "MongoDB", o: options{MongoURI: "mongodb://db.example:27017", DataDir: open},
			detail: "not used: MONGODB_URI points csbot at MongoDB"},
		{name: "private folder", o: options{DataDir: private},
			detail: "listens on the Unix socket " + filepath.Join(private, "ferretdb.sock") + " only, no TCP port; data folder mode 0700"},
		{name: "no folder yet", o: options{DataDir: filepath.Join(dir, "new")},
			detail: "the data folder will be created with mode 0700"},
		{name: "folder open to others", o: options{DataDir: open},
			err: "data folder " + open + " has mode 0755", fix: "chmod 700 " + open},
		{name: "socket path too long", o: options{DataDir: filepath.Join(dir, strings.Repeat("d", 100))},
			err: "over the system's limit", fix: "shorter path"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := embeddedCheck(tc.o)
			if tc.err == "" {
				if c.err != nil || !strings.Contains(c.detail, tc.detail) {
					t.Errorf("embedded check = %q, %v; want ok with %q", c.detail, c.err, tc.detail)
				}
				return
			}
			if c.err == nil || !strings.Contains(c.err.Error(), tc.err) || !strings.Contains(c.fix, tc.fix) {
				t.Errorf("embedded check = %v (fix: %s); want %q (fix: %s)", c.err, c.fix, tc.err, tc.fix)
			}
		})
	}
}

// While `csbot serve` holds the data folder, every other command stops with
// a message naming it and saying what to do, not a usage error.
func TestCommandsRefuseAHeldDataFolder(t *testing.T) {
	if os.Getenv("MONGODB_URI") != "" {
		t.Skip("embedded store only")
	}
	dir := t.TempDir()
	storetest.OpenConfig(t, mongostore.Config{DataDir: dir, Logger: slog.New(slog.DiscardHandler)})
	getenv := testEnv(t, map[string]string{"CSBOT_DATA_DIR": dir})
	accounts := filepath.Join(t.TempDir(), "accounts.csv")
	if err := os.WriteFile(accounts, []byte("slug,name\nacme,Acme\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	holder := fmt.Sprintf("held by csbot (pid %d", os.Getpid())
	for _, args := range [][]string{
		{"console"}, {"seed", "demo"}, {"import", "accounts", accounts},
		{"digest", "--dry-run"}, {"remind", "--dry-run"}, {"teams", "webhook", "cs", "https://example.com/hook"},
	} {
		out, err := runCmd(t, getenv, "", args...)
		var ue usageError
		if !errors.Is(err, embedded.ErrInUse) || errors.As(err, &ue) {
			t.Errorf("csbot %s: %v, want ErrInUse\n%s", strings.Join(args, " "), err, out)
			continue
		}
		for _, want := range []string{dir, holder, "stop that process first", "MONGODB_URI"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("csbot %s: %q lacks %q", strings.Join(args, " "), err, want)
			}
		}
	}

	out, err := runCmd(t, getenv, "", "doctor")
	for _, want := range []string{"ok   embedded", "FAIL store", holder, "fix: the embedded store serves one csbot process at a time"} {
		if err == nil || !strings.Contains(out, want) {
			t.Errorf("doctor while the folder is held: %v, output lacks %q:\n%s", err, want, out)
		}
	}
}
