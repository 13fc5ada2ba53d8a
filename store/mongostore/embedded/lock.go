package embedded

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ErrInUse means another csbot process, or another store in this one,
// holds the data folder.
var ErrInUse = errors.New("embedded store in use")

// lockFile is the file inside the data folder whose flock marks the holder.
// Only the flock counts: a file left behind by a killed process holds
// nothing, since the kernel drops the flock with the process.
const lockFile = "csbot.lock"

// holder is what the lock file records, so that a refused process can say
// whom to stop.
type holder struct {
	PID     int       `json:"pid"`
	Command string    `json:"command"`
	Since   time.Time `json:"since"`
}

func (h holder) String() string {
	if h.PID == 0 {
		return "another process"
	}
	return fmt.Sprintf("csbot (pid %d, %q, since %s)", h.PID, h.Command, h.Since.UTC().Format("2006-01-02 15:04 UTC"))
}

// lock takes the data folder for this process, or fails with ErrInUse
// naming the holder. Closing the file releases it. unclean is true when
// the file still holds a previous holder's record: that process ended
// without Stop (a crash, kill -9, power loss), which empties the file.
func lock(dir string) (f *os.File, unclean bool, err error) {
	path := filepath.Join(dir, lockFile)
	f, err = os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, false, fmt.Errorf("embedded store: open %s: %w (check that the data folder is writable by this user)", path, err)
	}
	held, err := tryLock(f)
	if err != nil {
		f.Close()
		return nil, false, fmt.Errorf("embedded store: lock %s: %w", path, err)
	}
	if held {
		// The holder may not have written its record yet: it then reads
		// as "another process".
		var h holder
		if b, err := io.ReadAll(f); err == nil {
			_ = json.Unmarshal(b, &h)
		}
		f.Close()
		return nil, false, fmt.Errorf("%w: %s is held by %s: stop that process first, or run both against MongoDB by setting MONGODB_URI", ErrInUse, dir, h)
	}
	if st, err := f.Stat(); err == nil && st.Size() > 0 {
		unclean = true
	}
	rec, _ := json.Marshal(holder{PID: os.Getpid(), Command: command(os.Args), Since: time.Now().UTC()}) // plain fields: cannot fail
	err = f.Truncate(0)
	if err == nil {
		_, err = f.WriteAt(rec, 0)
	}
	if err != nil {
		f.Close()
		return nil, false, fmt.Errorf("embedded store: write %s: %w (check free space in the data folder)", path, err)
	}
	return f, unclean, nil
}

// unlock empties the holder record, the mark of a clean stop (see lock),
// and releases the folder.
func unlock(f *os.File) {
	_ = f.Truncate(0)
	f.Close()
}

// command names the program and its subcommand ("csbot serve"), leaving out
// the other arguments, which may hold secrets.
func command(args []string) string {
	if len(args) == 0 {
		return "?"
	}
	name := filepath.Base(args[0])
	if len(args) > 1 && !strings.HasPrefix(args[1], "-") {
		name += " " + args[1]
	}
	return name
}
