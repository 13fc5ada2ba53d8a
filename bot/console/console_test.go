package console_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/bot/console"
	"github.com/csbot/csbot/store"
)

type directory struct{}

func (directory) MemberByIdentity(_ context.Context, platform, user string) (store.Member, error) {
	if platform == "console" && user == "aiko" {
		return store.Member{ID: "aiko"}, nil
	}
	return store.Member{}, store.ErrNotFound
}

func router(t *testing.T) *bot.Router {
	reg := bot.NewRegistry()
	err := reg.Register(bot.Command{Name: "echo", Args: []bot.Arg{{Name: "text", Kind: bot.Text}}, Handler: func(_ context.Context, r *bot.Request) (bot.Reply, error) {
		return bot.Reply{Title: "Echo", Band: "green", Text: r.Arg("text"), Fields: []bot.Field{{Name: "By", Value: r.Member.ID}}}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	return bot.NewRouter(reg, directory{}, slog.New(slog.DiscardHandler))
}

// Piped input: each command is echoed with its reply; blank lines are
// skipped; "exit" ends the session before the rest is read.
func TestRunPiped(t *testing.T) {
	in := strings.NewReader("/cs echo hello\n\n   \n/cs echo \"two words\"\nexit\n/cs echo never\n")
	var out strings.Builder
	if err := console.New(router(t), in, &out, "aiko", false).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := "> /cs echo hello\n● Echo\nhello\n  By  aiko\n> /cs echo \"two words\"\n● Echo\n\"two words\"\n  By  aiko\n"
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}

func TestRunAsUnknownMember(t *testing.T) {
	var out strings.Builder
	if err := console.New(router(t), strings.NewReader("/cs echo hi\n"), &out, "nobody", false).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "! You are not registered with csbot yet") {
		t.Errorf("output:\n%s", out.String())
	}
}

func TestSend(t *testing.T) {
	var out strings.Builder
	a := console.New(router(t), strings.NewReader(""), &out, "aiko", false)
	if err := a.Send(context.Background(), bot.Destination{Channel: "cs-tokyo"}, bot.Reply{Title: "Digest", Band: "red", Sections: []bot.Section{{Title: "At risk", Lines: []string{"acme"}}}, Buttons: []bot.Button{{ID: "done", Label: "Done"}}, Footer: "today"}); err != nil {
		t.Fatal(err)
	}
	want := "[to #cs-tokyo]\n○ Digest\nAt risk\n  acme\n[Done]\n-- today\n"
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}

// A terminal cannot show a chart: its PNG is saved to a file of its own and
// the reply names it.
func TestRunSavesImages(t *testing.T) {
	png := []byte("\x89PNG chart")
	reg := bot.NewRegistry()
	if err := reg.Register(bot.Command{Name: "chart", Handler: func(context.Context, *bot.Request) (bot.Reply, error) {
		return bot.Reply{Title: "Chart", Text: "▁▄█", Image: &bot.Image{Name: "acme-health.png", PNG: png}}, nil
	}}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var out strings.Builder
	a := console.New(bot.NewRouter(reg, directory{}, slog.New(slog.DiscardHandler)), strings.NewReader("/cs chart\n/cs chart\n"), &out, "aiko", false)
	a.ImageDir = dir
	if err := a.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	saved := regexp.MustCompile(`\[chart saved to (\S+)\]`).FindAllStringSubmatch(out.String(), -1)
	if len(saved) != 2 || saved[0][1] == saved[1][1] {
		t.Fatalf("want two charts saved to two files:\n%s", out.String())
	}
	for _, m := range saved {
		if filepath.Dir(m[1]) != dir || !strings.HasSuffix(m[1], "-acme-health.png") {
			t.Errorf("saved to %s, want a file ending in -acme-health.png in %s", m[1], dir)
		}
		if b, err := os.ReadFile(m[1]); err != nil || string(b) != string(png) {
			t.Errorf("%s holds %q, %v; want the PNG", m[1], b, err)
		}
	}
	if !strings.HasPrefix(out.String(), "> /cs chart\nChart\n▁▄█\n[chart saved to ") {
		t.Errorf("the text is not shown before the file name:\n%s", out.String())
	}

	out.Reset()
	a.ImageDir = filepath.Join(dir, "missing")
	if err := a.Send(context.Background(), bot.Destination{Member: "aiko"}, bot.Reply{Title: "Chart", Image: &bot.Image{Name: "x.png", PNG: png}}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "[chart not saved: ") {
		t.Errorf("an unwritable folder is not reported:\n%s", out.String())
	}
}
