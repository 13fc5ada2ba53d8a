// Package golden compares what a test rendered with a file under testdata,
// and rewrites the file instead when the tests run with -update, so that a
// change of rendering is reviewed as a diff of the golden files.
package golden

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// Assert compares got with testdata/<file>, writing got there first under
// -update, and reports whether they matched.
func Assert(tb testing.TB, file string, got []byte) bool {
	tb.Helper()
	path := filepath.Join("testdata", file)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		tb.Errorf("%s differs (-want +got; run with -update to accept):\n%s", path, diff)
		return false
	}
	return true
}
