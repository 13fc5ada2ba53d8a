package embedded

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

var quiet = slog.New(slog.DiscardHandler)

func start(t *testing.T, dir string) *Server {
	t.Helper()
	s, err := Start(t.Context(), dir, quiet)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The store is reachable only through a socket in a folder private to its
// user: no TCP port, whatever the folder's mode was before.
func TestStartListensOnPrivateSocketOnly(t *testing.T) {
	for _, tc := range []struct {
		name     string
		existing fs.FileMode // 0: the folder does not exist yet
	}{
		{"new folder", 0},
		{"folder open to all", 0o755},
		{"private folder", 0o700},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			if tc.existing != 0 {
				if err := os.Mkdir(dir, tc.existing); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(dir, tc.existing); err != nil { // past the umask
					t.Fatal(err)
				}
			}
			var logs bytes.Buffer
			before := tcpListeners(t)
			s, err := Start(t.Context(), dir, slog.New(slog.NewTextHandler(&logs, nil)))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Stop()
			if after := tcpListeners(t); after != before {
				t.Errorf("TCP listening sockets of this process: %d before Start, %d after", before, after)
			}

			info, err := os.Stat(dir)
			if err != nil {
				t.Fatal(err)
			}
			if got := info.Mode().Perm(); got != 0o700 {
				t.Errorf("data folder mode = %04o, want 0700", got)
			}
			if got, want := strings.Contains(logs.String(), "made private"), tc.existing == 0o755; got != want {
				t.Errorf("logged the narrowing = %v, want %v:\n%s", got, want, logs.String())
			}

			sock := filepath.Join(dir, socketFile)
			if info, err := os.Stat(sock); err != nil || info.Mode().Type() != fs.ModeSocket {
				t.Errorf("%s: %v, mode %v; want a Unix socket", sock, err, info)
			}
			host, ok := strings.CutPrefix(s.URI(), "mongodb://")
			host, _, _ = strings.Cut(host, "/")
			if got, err := url.PathUnescape(host); !ok || err != nil || got != sock {
				t.Errorf("URI = %q, want mongodb:// and the escaped socket path %s", s.URI(), sock)
			}
			ping(t, s.URI())
		})
	}
}

func ping(t *testing.T, uri string) {
	t.Helper()
	c := connect(t, uri)
	defer c.Disconnect(t.Context()) // before the server stops
	if err := c.Ping(t.Context(), nil); err != nil {
		t.Errorf("ping %s: %v", uri, err)
	}
}

// connect is a driver client of the server at uri; disconnect it before
// the server stops.
func connect(t *testing.T, uri string) *mongo.Client {
	t.Helper()
	c, err := mongo.Connect(options.Client().ApplyURI(uri).SetServerSelectionTimeout(30 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// tcpListeners counts the listening TCP sockets among this process's open
// files, from /proc: a socket's inode ties its /proc/net row to an fd.
func tcpListeners(t *testing.T) int {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("needs Linux's /proc: %v", err)
	}
	ours := map[string]bool{}
	for _, fd := range fds {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name()))
		if inode, ok := strings.CutPrefix(target, "socket:["); err == nil && ok {
			ours[strings.TrimSuffix(inode, "]")] = true
		}
	}
	n := 0
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(table)
		if errors.Is(err, fs.ErrNotExist) {
			continue // no IPv6
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range strings.Split(string(b), "\n")[1:] {
			// sl local_address rem_address st ... inode: st 0A is LISTEN.
			if f := strings.Fields(row); len(f) > 9 && f[3] == "0A" && ours[f[9]] {
				n++
			}
		}
	}
	return n
}

func TestPathsRefusesTooLongSocketPath(t *testing.T) {
	dir := "/" + strings.Repeat("d", maxSocketPath)
	_, _, err := Paths(dir)
	if err == nil || !strings.Contains(err.Error(), "CSBOT_DATA_DIR") {
		t.Fatalf("Paths(%d-byte folder) = %v, want an error pointing at CSBOT_DATA_DIR", len(dir), err)
	}
	if _, err := Start(t.Context(), dir, quiet); err == nil {
		t.Fatal("Start accepted it")
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Start created %s: %v", dir, err)
	}
	dir = t.TempDir()
	if _, sock, err := Paths(dir); err != nil || sock != filepath.Join(dir, socketFile) {
		t.Errorf("Paths(%s) = %s, %v; test folders must fit", dir, sock, err)
	}
}

// One Server at a time per folder, in this process too; Stop frees it.
func TestSecondStartInProcessIsRefused(t *testing.T) {
	dir := t.TempDir()
	s := start(t, dir)
	_, err := Start(t.Context(), dir, quiet)
	if !errors.Is(err, ErrInUse) {
		t.Fatalf("second Start: %v, want ErrInUse", err)
	}
	for _, want := range []string{dir, fmt.Sprintf("pid %d", os.Getpid()), command(os.Args), "MONGODB_URI"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	ping(t, s.URI()) // the refused Start left the first one serving
	s.Stop()
	start(t, dir).Stop()
}

const (
	helperMode = "CSBOT_TEST_EMBEDDED_HELPER" // "try" or "hold"
	helperDir  = "CSBOT_TEST_EMBEDDED_DIR"
	exitInUse  = 3
)

// TestHelperProcess is the other process of TestOtherProcess: it starts the
// store in a folder and either stops at once ("try") or holds it until its
// stdin closes ("hold").
func TestHelperProcess(t *testing.T) {
	mode := os.Getenv(helperMode)
	if mode == "" {
		t.Skip("run by TestOtherProcess")
	}
	s, err := Start(context.Background(), os.Getenv(helperDir), quiet)
	if err != nil {
		fmt.Println(err)
		if errors.Is(err, ErrInUse) {
			os.Exit(exitInUse)
		}
		os.Exit(1)
	}
	if mode == "hold" {
		fmt.Println("holding")
		_, _ = io.Copy(io.Discard, os.Stdin)
	}
	s.Stop()
}

func helper(ctx context.Context, mode, dir string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), helperMode+"="+mode, helperDir+"="+dir)
	return cmd
}

// The lock holds across processes, and a holder killed with SIGKILL leaves
// its lock file and socket behind without blocking the next Start.
func TestOtherProcess(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute) // a guard, not a measure
	defer cancel()
	dir := t.TempDir()

	t.Run("refused while this process holds the folder", func(t *testing.T) {
		s := start(t, dir)
		defer s.Stop()
		out, err := helper(ctx, "try", dir).CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != exitInUse {
			t.Fatalf("other process: %v, want exit %d (ErrInUse)\n%s", err, exitInUse, out)
		}
		if want := fmt.Sprintf("pid %d", os.Getpid()); !bytes.Contains(out, []byte(want)) {
			t.Errorf("other process said %q, want it to name the holder (%s)", out, want)
		}
	})

	t.Run("free once the holder is killed", func(t *testing.T) {
		cmd := helper(ctx, "hold", dir)
		stdin, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		defer stdin.Close()
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := bufio.NewScanner(stdout)
		if !lines.Scan() || lines.Text() != "holding" {
			_ = cmd.Process.Kill()
			t.Fatalf("holder did not start: %q, %v", lines.Text(), cmd.Wait())
		}
		_, err = Start(t.Context(), dir, quiet)
		if !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), fmt.Sprintf("pid %d", cmd.Process.Pid)) {
			t.Errorf("Start while another process holds the folder: %v, want ErrInUse naming pid %d", err, cmd.Process.Pid)
		}

		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait() // killed: an error by design
		for _, left := range []string{lockFile, socketFile} {
			if _, err := os.Stat(filepath.Join(dir, left)); err != nil {
				t.Errorf("the killed holder's %s: %v; want it left behind", left, err)
			}
		}
		s := start(t, dir)
		if !s.Unclean() {
			t.Error("Start after the holder was killed: Unclean() = false, want true")
		}
		ping(t, s.URI())
		s.Stop()
		s = start(t, dir)
		if s.Unclean() {
			t.Error("Start after a Stop: Unclean() = true, want false")
		}
		s.Stop()
	})
}

// A process that leaves records it could not write asks the next Start to
// recover as after a crash.
func TestRecoverNextStart(t *testing.T) {
	dir := t.TempDir()
	s := start(t, dir)
	if s.Unclean() {
		t.Error("first Start in a new folder: Unclean() = true")
	}
	s.RecoverNextStart()
	s.Stop()
	s = start(t, dir)
	defer s.Stop()
	if !s.Unclean() {
		t.Error("Start after RecoverNextStart: Unclean() = false, want true")
	}
}

// A folder name with characters that mean something in a MongoDB URI (a
// comma separates hosts, + is a space when unescaped) still connects.
func TestFolderNameWithURICharacters(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a,b+c d%")
	e := start(t, dir)
	ping(t, e.URI())
}

// FerretDB's log reaches the user only when it says something they can act
// on: the console prints it into the conversation.
func TestFerretDBLogKeepsOnlyWhatMatters(t *testing.T) {
	for _, tc := range []struct {
		name  string
		level slog.Level
		msg   string
		err   string
		kept  bool
	}{
		{"a connection at info", slog.LevelInfo, "Connection started", "", false},
		{"a wire dump at warning", slog.LevelWarn, "Request header: ...", "", false},
		{"this process resetting its socket", slog.LevelWarn, "Connection stopped", "read unix ferretdb.sock->@: read: connection reset by peer", false},
		{"a reply to a socket already closed", slog.LevelWarn, "Connection stopped", "write unix ferretdb.sock->@: write: broken pipe", false},
		{"a connection stopped by anything else", slog.LevelWarn, "Connection stopped", "wire.ReadMessage: message too large", true},
		{"another warning", slog.LevelWarn, "Failed to create connection", "", true},
		{"an error", slog.LevelError, "Failed to open database", "disk I/O error", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			log := slog.New(minLevel{base: slog.NewTextHandler(&buf, nil), level: slog.LevelWarn}).
				With("component", "ferretdb").WithGroup("conn").With("id", 7)
			var args []any
			if tc.err != "" {
				args = append(args, "error", tc.err)
			}
			log.Log(t.Context(), tc.level, tc.msg, args...)
			if kept := buf.Len() > 0; kept != tc.kept {
				t.Errorf("kept = %v, want %v: %q", kept, tc.kept, buf.String())
			}
			// What is kept carries what the loggers it came through added,
			// in their order.
			if tc.kept && !strings.Contains(buf.String(), "component=ferretdb conn.id=7") {
				t.Errorf("the derived attributes are lost: %q", buf.String())
			}
		})
	}
}

// The write-ahead log is cut back to walLimit when it starts over, rather
// than keeping on disk the largest size a burst of writes gave it.
func TestLogCutBackAfterABurst(t *testing.T) {
	defer func(was int64) { walLimit = was }(walLimit)
	walLimit = 256 << 10
	dir := t.TempDir()
	s := start(t, dir)
	defer s.Stop()
	c := connect(t, s.URI())
	defer c.Disconnect(t.Context())
	coll := c.Database("wal").Collection("docs")
	pad := strings.Repeat("x", 10<<10)
	insert := func(i int) {
		t.Helper()
		if _, err := coll.InsertOne(t.Context(), map[string]any{"_id": fmt.Sprint(i), "pad": pad}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 600 { // 6 MB: past SQLite's checkpoint at 1,000 pages
		insert(i)
	}
	wal := filepath.Join(dir, "wal.sqlite-wal")
	db, err := s.SQLite("wal")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// The log starts over at the next write once a checkpoint has copied
	// all of it (FerretDB's own, at its commits, may still be running).
	for try := 0; ; try++ {
		var busy, frames, copied int
		if err := db.QueryRowContext(t.Context(), "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied); err != nil {
			t.Fatal(err)
		}
		if busy == 0 && copied == frames {
			break
		}
		if try == 50 {
			t.Fatalf("no whole checkpoint: busy %d, %d of %d frames copied", busy, copied, frames)
		}
		time.Sleep(20 * time.Millisecond)
	}
	insert(600) // starts the log over
	info, err := os.Stat(wal)
	if err != nil {
		t.Fatal(err)
	}
	if info.Size() > 2*walLimit {
		t.Errorf("the log is %d bytes after the burst, want at most about %d", info.Size(), walLimit)
	}
}
