package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/japanese"
)

// `csbot import nps FILE`: a dry run writes nothing, the import applies the
// good rows and reports the bad one by line, a re-import changes nothing.
func TestImportNPS(t *testing.T) {
	dir := t.TempDir()
	getenv := testEnv(t, map[string]string{"CSBOT_DATA_DIR": filepath.Join(dir, "data")})
	if out, err := runCmd(t, getenv, "", "seed", "demo"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	today := time.Now().UTC().Format(time.DateOnly)
	file := filepath.Join(dir, "nps.csv")
	body := "id,account,score,at\n" +
		"nps-1,tenjin-retail-group,2," + today + "\n" +
		"nps-2,tenjin-retail-grup,9," + today + "\n"
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	nps := func() string {
		a, err := openApp(context.Background(), optionsFromEnv(getenv), slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		acct, err := a.store.Account(context.Background(), "tenjin-retail-group")
		if err != nil || acct.NPS == nil {
			return "none"
		}
		return acct.NPSDate.Format(time.DateOnly) + " " + strconv.Itoa(*acct.NPS)
	}
	before := nps()

	steps := []struct {
		args    []string
		wantErr bool
		want    []string
		nps     string
	}{
		{[]string{"import", "--dry-run", "nps", file}, true, []string{`line 3 (nps-2): account: no account "tenjin-retail-grup" (did you mean tenjin-retail-group?)`, "dry run: 1 valid, 1 refused; nothing was written"}, before},
		{[]string{"import", "nps", file}, true, []string{"line 3 (nps-2)", "1 applied, 0 unchanged; 1 refused and skipped"}, today + " 2"},
		{[]string{"import", "nps", file, "--dry-run=false"}, true, []string{"0 applied, 1 unchanged; 1 refused"}, today + " 2"},
	}
	for _, st := range steps {
		out, err := runCmd(t, getenv, "", st.args...)
		if (err != nil) != st.wantErr || err != nil && !strings.Contains(err.Error(), "1 rows rejected") {
			t.Errorf("csbot %v: err = %v", st.args, err)
		}
		for _, w := range st.want {
			if !strings.Contains(out, w) {
				t.Errorf("csbot %v: output lacks %q:\n%s", st.args, w, out)
			}
		}
		if got := nps(); got != st.nps {
			t.Errorf("after csbot %v: tenjin NPS %q, want %q", st.args, got, st.nps)
		}
	}
	if _, err := runCmd(t, getenv, "", "import", "sales", file); err == nil || !strings.Contains(err.Error(), `unknown kind "sales"`) {
		t.Errorf("import sales: err = %v, want an unknown kind", err)
	}
}

// `csbot import accounts FILE`: a dry run prints the counts the import then
// makes and writes nothing; progress goes to stderr as lines when it is not
// a terminal, and --quiet silences it.
func TestImportAccountsCommand(t *testing.T) {
	dir := t.TempDir()
	getenv := testEnv(t, map[string]string{"CSBOT_DATA_DIR": filepath.Join(dir, "data")})
	if out, err := runCmd(t, getenv, "", "seed", "admin", "ops", "Ops"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	file := filepath.Join(dir, "accounts.csv")
	body := "slug,name,tier,phase,owner\nacme,Acme,high,adoption,ops\nbeta,Beta,low,onboarding,nobody\n"
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		a, err := openApp(context.Background(), optionsFromEnv(getenv), slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		got, err := a.store.Accounts(context.Background(), []string{"acme", "beta"})
		if err != nil {
			t.Fatal(err)
		}
		return len(got)
	}
	steps := []struct {
		args     []string
		want     []string
		accounts int
	}{
		{[]string{"import", "accounts", file, "--dry-run"}, []string{"line 3 (beta): owner: nobody is not a registered member", "1 created, 0 updated, 0 unchanged, 1 rejected", "dry run: nothing was written"}, 0},
		{[]string{"import", "accounts", file, "--quiet"}, []string{"1 created, 0 updated, 0 unchanged, 1 rejected"}, 1},
		{[]string{"import", "accounts", file}, []string{"0 created, 0 updated, 1 unchanged, 1 rejected"}, 1},
	}
	for _, st := range steps {
		var out, errOut strings.Builder
		err := run(context.Background(), st.args, strings.NewReader(""), &out, &errOut, getenv)
		if err == nil || !strings.Contains(err.Error(), "1 rows rejected") {
			t.Errorf("csbot %v: err = %v, want 1 row rejected", st.args, err)
		}
		for _, w := range st.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("csbot %v: output lacks %q:\n%s", st.args, w, out.String())
			}
		}
		if strings.Contains(errOut.String(), "import:") {
			t.Errorf("csbot %v: a short import printed progress: %q", st.args, errOut.String())
		}
		if got := count(); got != st.accounts {
			t.Errorf("after csbot %v: %d accounts, want %d", st.args, got, st.accounts)
		}
	}
}

// `csbot import accounts FILE` reads a Shift_JIS sheet as Japanese text,
// detected or named with --encoding; read in the wrong encoding it is
// refused with its line and writes nothing.
func TestImportShiftJISCommand(t *testing.T) {
	dir := t.TempDir()
	getenv := testEnv(t, map[string]string{"CSBOT_DATA_DIR": filepath.Join(dir, "data")})
	file := filepath.Join(dir, "accounts.csv")
	body, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte("slug,name,tier,phase\r\n,さくら物流,high,adoption\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, body, 0o600); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		args    []string
		wantErr string
		want    string
		name    string // of account さくら物流, "" when absent
	}{
		{[]string{"import", "accounts", "--encoding", "euc-jp", file}, "line 2 is not valid EUC-JP text; nothing was imported", "", ""},
		{[]string{"import", "accounts", "--encoding", "latin1", file}, `unknown encoding "latin1"`, "", ""},
		{[]string{"import", "accounts", file}, "", "1 created, 0 updated, 0 unchanged, 0 rejected", "さくら物流"},
		{[]string{"import", "accounts", "--encoding", "shift_jis", file}, "", "0 created, 0 updated, 1 unchanged, 0 rejected", "さくら物流"},
	}
	for _, st := range steps {
		out, err := runCmd(t, getenv, "", st.args...)
		if st.wantErr == "" && err != nil || st.wantErr != "" && (err == nil || !strings.Contains(err.Error(), st.wantErr)) {
			t.Errorf("csbot %v: err = %v, want %q", st.args, err, st.wantErr)
		}
		if !strings.Contains(out, st.want) {
			t.Errorf("csbot %v: output lacks %q:\n%s", st.args, st.want, out)
		}
		a, err := openApp(context.Background(), optionsFromEnv(getenv), slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		acct, _ := a.store.Account(context.Background(), "さくら物流")
		a.Close()
		if acct.Name != st.name {
			t.Errorf("after csbot %v: account さくら物流 named %q, want %q", st.args, acct.Name, st.name)
		}
	}
}
