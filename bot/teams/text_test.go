package teams

import (
	"html"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCommandText(t *testing.T) {
	tests := []struct {
		name, in, bot, want string
	}{
		{"plain mention", "<at>csbot</at> health acme", "csbot", "health acme"},
		{"trailing newline", "<at>csbot</at> health acme\n", "csbot", "health acme"},
		{"nbsp entity", "<at>csbot</at>&nbsp;health&nbsp;acme", "csbot", "health acme"},
		{"nbsp character", "<at>csbot</at>\u00a0health\u00a0acme", "csbot", "health acme"},
		{"paragraph wrapper", "<p><at>csbot</at> health acme</p>", "csbot", "health acme"},
		{"div and br", "<div><div><at>csbot</at> accounts<br>risk</div></div>", "csbot", "accounts risk"},
		{"quotes as entities", `<at>csbot</at> health &quot;Sakura Logistics&quot;`, "csbot", `health "Sakura Logistics"`},
		{"escaped angle brackets stay text", "<at>csbot</at> note acme said &lt;b&gt;hi&lt;/b&gt; &amp; left", "csbot", "note acme said <b>hi</b> & left"},
		{"inline markup vanishes", "<at>csbot</at> health <b>acme</b>", "csbot", "health acme"},
		{"bot name in another case", "<at>CSBot</at> whoami", "csbot", "whoami"},
		{"bot named with a space", "<at>CS Bot</at> whoami", "cs bot", "whoami"},
		{"words before the mention are dropped", "hey <at>csbot</at> whoami", "csbot", "whoami"},
		{"another mention first", "<at>Ken Sato</at> see <at>csbot</at> accounts mine", "csbot", "accounts mine"},
		{"other mention keeps its name", "<at>csbot</at> team show <at>Tokyo CS</at>", "csbot", "team show Tokyo CS"},
		{"renamed webhook: first mention", "<at>cs-helper</at> whoami", "csbot", "whoami"},
		{"mention with attributes", `<at id="0">csbot</at> risk team`, "csbot", "risk team"},
		{"zero-width space", "<at>csbot</at>\u200b health acme", "csbot", "health acme"},
		{"no mention", "health acme", "csbot", "health acme"},
		{"mention only", "<at>csbot</at>", "csbot", ""},
		{"japanese", "<at>csbot</at>\u00a0note acme 打ち合わせ済み", "csbot", "note acme 打ち合わせ済み"},
		{"unclosed at", "<at>csbot health acme", "csbot", "csbot health acme"},
		{"lone less-than", "<at>csbot</at> note acme a < b", "csbot", "note acme a < b"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := CommandText(tc.in, tc.bot); got != tc.want {
				t.Errorf("CommandText(%q, %q) = %q, want %q", tc.in, tc.bot, got, tc.want)
			}
		})
	}
}

// FuzzCommandText: any text parses without panicking into a command line
// that is trimmed, free of the spaces Teams' editor inserts and of markup
// tags, and that survives a round trip through Teams' escaping.
func FuzzCommandText(f *testing.F) {
	for _, s := range []string{
		"<at>csbot</at> health acme", "<p><at>csbot</at>&nbsp;note acme &lt;x&gt;</p>", "<at>csbot</at>",
		"<at>a</at><at>b</at> c", "<div><br/>&#160;&#x200b;</div>", "&amp;lt;at&amp;gt;", "<at\n>csbot</ at >x", "\u00a0\u200b", "<at>csbot",
	} {
		f.Add(s, "csbot")
	}
	f.Fuzz(func(t *testing.T, in, botName string) {
		got := CommandText(in, botName)
		if got != strings.TrimSpace(got) {
			t.Errorf("CommandText(%q) = %q: not trimmed", in, got)
		}
		if strings.ContainsAny(got, "\u00a0\u200b") {
			t.Errorf("CommandText(%q) = %q: keeps a non-breaking or zero-width space", in, got)
		}
		if !utf8.ValidString(in) {
			return
		}
		if !utf8.ValidString(got) {
			t.Errorf("CommandText(%q) = %q: invalid UTF-8 from valid input", in, got)
		}
		if strings.ContainsAny(botName, "<>&") || strings.TrimSpace(botName) != botName || botName == "" {
			return
		}
		again := CommandText("<p><at>"+botName+"</at>&nbsp;"+html.EscapeString(got)+"</p>", botName)
		if again != got {
			t.Errorf("round trip of %q: %q, want %q", in, again, got)
		}
	})
}
