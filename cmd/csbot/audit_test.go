package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/csbot/csbot/store"
)

// `csbot import` is audited as the import's, by file, and `csbot audit
// export` prints the trail as JSON lines.
func TestImportAuditedAndExported(t *testing.T) {
	dir := t.TempDir()
	getenv := testEnv(t, map[string]string{"CSBOT_DATA_DIR": filepath.Join(dir, "data")})
	file := filepath.Join(dir, "accounts.csv")
	if err := os.WriteFile(file, []byte("slug,name,tier,phase\nacme,Acme,high,adoption\nglobex,Globex,low,adoption\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := runCmd(t, getenv, "", "import", "--quiet", "accounts", file); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	today := time.Now().UTC().Format(time.DateOnly)
	out, err := runCmd(t, getenv, "", "audit", "export", "--since", today)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	subjects := map[string]bool{}
	for _, l := range lines {
		var r store.AuditRecord
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("line %q is not a JSON record: %v", l, err)
		}
		if r.Kind == store.AuditAccount {
			subjects[r.Subject] = true
			if r.Actor != (store.Actor{Name: "import", Channel: file}) || r.ID != "account/"+r.Subject+"/1" {
				t.Errorf("record %+v", r)
			}
		}
	}
	if !subjects["acme"] || !subjects["globex"] {
		t.Errorf("exported records of %v, want acme and globex:\n%s", subjects, out)
	}
	// Nothing before tomorrow's records: none.
	tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	if out, err := runCmd(t, getenv, "", "audit", "export", "--since", tomorrow); err != nil || strings.TrimSpace(out) != "" {
		t.Errorf("export since tomorrow: %q, %v", out, err)
	}
	if _, err := runCmd(t, getenv, "", "audit", "export", "--since", "yesterday"); err == nil || !strings.Contains(err.Error(), "use YYYY-MM-DD") {
		t.Errorf("bad --since: %v", err)
	}
}
