// Package console is the terminal adapter: one command per line in, plain
// text out. It serves `csbot console` and scripted runs with piped stdin.
package console

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/bot/i18n"
)

// Adapter reads commands from In and writes replies to Out.
type Adapter struct {
	router *bot.Router
	in     io.Reader
	out    io.Writer
	user   string
	// prompt shows "> " before each command: on for a terminal, off for pipes.
	prompt bool
	mu     sync.Mutex
	// ImageDir is where replies' images (charts) are saved for the user to
	// open; empty means the system's temporary folder.
	ImageDir string
}

var _ bot.Adapter = (*Adapter)(nil)

// New returns a console adapter acting as the member user.
func New(router *bot.Router, in io.Reader, out io.Writer, user string, prompt bool) *Adapter {
	return &Adapter{router: router, in: in, out: out, user: user, prompt: prompt}
}

// Name implements bot.Adapter.
func (a *Adapter) Name() string { return "console" }

// Wait implements bot.Adapter: the console answers a line before it reads
// the next, so no answer is ever left in flight.
func (a *Adapter) Wait() {}

// Run answers each line until EOF, "exit"/"quit", or ctx is done.
func (a *Adapter) Run(ctx context.Context) error {
	lines := make(chan string)
	errc := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(a.in)
		// A line longer than the router takes must still reach it to be refused politely.
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
		errc <- sc.Err()
	}()
	for {
		a.write("> ", a.prompt)
		select {
		case <-ctx.Done():
			return nil
		case err := <-errc:
			a.write("\n", a.prompt)
			if err != nil {
				return fmt.Errorf("read console input: %w", err)
			}
			return nil
		case line := <-lines:
			line = strings.TrimSpace(line)
			switch line {
			case "":
				continue
			case "exit", "quit":
				return nil
			}
			if !a.prompt {
				a.write("> "+line+"\n", true)
			}
			a.write(a.show(a.router.Handle(ctx, a.Name(), a.user, line))+"\n", true)
		}
	}
}

// Send implements bot.Adapter by printing the message with its recipient.
func (a *Adapter) Send(_ context.Context, to bot.Destination, r bot.Reply) error {
	dest := "@" + to.Member
	if to.Channel != "" {
		dest = "#" + to.Channel
	}
	a.write(fmt.Sprintf("[to %s]\n%s\n", dest, a.show(r)), true)
	return nil
}

// show renders a reply and saves its image, if any, to a file of its own
// in ImageDir, naming the file: a terminal cannot show a PNG.
func (a *Adapter) show(r bot.Reply) string {
	text := Render(r)
	if r.Image == nil {
		return text
	}
	f, err := os.CreateTemp(a.ImageDir, "csbot-*-"+filepath.Base(r.Image.Name))
	if err != nil {
		return text + fmt.Sprintf("\n[chart not saved: %v]", err)
	}
	_, err = f.Write(r.Image.PNG)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return text + fmt.Sprintf("\n[chart not saved: %v]", err)
	}
	return text + "\n[chart saved to " + f.Name() + "]"
}

func (a *Adapter) write(s string, show bool) {
	if !show {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	io.WriteString(a.out, s)
}

var bandMark = map[string]string{"green": "●", "yellow": "◐", "red": "○"}

// Render draws a reply as plain text.
func Render(r bot.Reply) string {
	var b strings.Builder
	if r.Title != "" {
		if m := bandMark[r.Band]; m != "" {
			b.WriteString(m + " ")
		}
		b.WriteString(r.Title + "\n")
	}
	if r.Text != "" {
		if r.Error {
			b.WriteString("! ")
		}
		b.WriteString(r.Text + "\n")
	}
	width := 0
	for _, f := range r.Fields {
		width = max(width, i18n.Columns(f.Name))
	}
	for _, f := range r.Fields {
		pad := strings.Repeat(" ", width-i18n.Columns(f.Name))
		value := strings.ReplaceAll(f.Value, "\n", "\n  "+strings.Repeat(" ", width+2))
		fmt.Fprintf(&b, "  %s%s  %s\n", f.Name, pad, value)
	}
	for _, s := range r.Sections {
		if s.Title != "" {
			b.WriteString(s.Title + "\n")
		}
		for _, l := range s.Lines {
			b.WriteString("  " + l + "\n")
		}
	}
	if len(r.Buttons) > 0 {
		labels := make([]string, len(r.Buttons))
		for i, btn := range r.Buttons {
			labels[i] = "[" + btn.Label + "]"
		}
		b.WriteString(strings.Join(labels, " ") + "\n")
	}
	if r.Footer != "" {
		b.WriteString("-- " + r.Footer + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}
