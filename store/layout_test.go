package store_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The domain and its consumers stay apart from the database: the chat
// runtime, the commands and the KPIs link no FerretDB, SQLite or pgx (the
// embedded store's parts), which live below store/mongostore.
func TestConsumersLinkNoDatabaseEngine(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool on PATH")
	}
	out, err := exec.Command(goTool, "list", "-deps", "../bot/...", "../commands/...", "../playbooks/...", "./kpi", "./ingest", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		for _, banned := range []string{"FerretDB", "modernc.org/sqlite", "jackc/pgx", "csbot/store/mongostore"} {
			if strings.Contains(pkg, banned) {
				t.Errorf("%s is linked by bot, commands, kpi or store", pkg)
			}
		}
	}
}
