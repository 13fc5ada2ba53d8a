//go:build unix

package embedded

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// maxSocketPath is the longest socket path the kernel accepts: sun_path
// less its terminating NUL (107 bytes on Linux, 103 on macOS).
const maxSocketPath = len(syscall.RawSockaddrUnix{}.Path) - 1

// tryLock takes an exclusive flock on f without waiting. flock belongs to
// the open file, not the process, so a second open in this process is
// refused too, and the kernel drops it when the holder dies.
func tryLock(f *os.File) (held bool, err error) {
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return true, nil
	}
	return false, err
}

// Private reports whether a data folder of this mode keeps other users out.
func Private(mode fs.FileMode) bool { return mode.Perm() == 0o700 }
