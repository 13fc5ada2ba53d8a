package embedded

import (
	"errors"
	"io/fs"
	"math"
	"os"

	"golang.org/x/sys/windows"
)

// maxSocketPath is UNIX_PATH_MAX (afunix.h) less the terminating NUL.
const maxSocketPath = 107

// tryLock locks a byte range far past the holder record, so that others
// can still read the record while the lock is held.
func tryLock(f *os.File) (held bool, err error) {
	ol := windows.Overlapped{Offset: math.MaxUint32, OffsetHigh: math.MaxInt32}
	err = windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &ol)
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
		return true, nil
	}
	return false, err
}

// Private is always true on Windows: its ACLs, not mode bits, decide who
// may enter the folder, and Go reports every folder as 0777 there.
func Private(fs.FileMode) bool { return true }
