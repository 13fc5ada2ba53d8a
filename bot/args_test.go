package bot

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/csbot/csbot/bot/i18n"
)

// grammars are argument lists of every shape csbot's commands use.
var grammars = map[string][]Arg{
	"health": {{Name: "account", Kind: Account, Required: true},
		{Name: "view", Kind: Enum, Choices: []string{"why", "chart"}}, {Name: "share", Kind: Flag}},
	"note": {{Name: "account", Kind: Account, Required: true}, {Name: "text", Kind: Text, Required: true}},
	"accounts": {{Name: "scope", Kind: Enum, Choices: []string{"mine", "team", "all"}}, {Name: "owner", Kind: Member},
		{Name: "tier", Kind: Enum, Option: true, Choices: []string{"high", "low", "tech"}}, {Name: "region", Option: true}, {Name: "risk", Kind: Flag}},
	"kpi": {{Name: "scope", Kind: Enum, Choices: []string{"mine", "team", "all"}}, {Name: "team", Option: true},
		{Name: "period", Kind: Enum, Option: true, Choices: []string{"30d", "90d", "qtd", "ytd"}},
		{Name: "chart", Kind: Enum, Option: true, Bare: "nrr", Choices: []string{"nrr", "nps"}}},
	"assign": {{Name: "account", Kind: Account, Required: true}, {Name: "owner", Kind: Member, Required: true}},
	"checklist-assign": {{Name: "new-hire", Kind: Member, Required: true}, {Name: "template", Required: true},
		{Name: "mentor", Kind: Member, Option: true, Spaced: true}, {Name: "start", Kind: Date, Option: true, Spaced: true}},
	"checklist-done": {{Name: "new-hire", Kind: Member}, {Name: "item", Required: true}, {Name: "evidence", Kind: Text}},
	"snooze":         {{Name: "for", Kind: Duration, Required: true, Choices: []string{"1d", "1w"}}, {Name: "id", Required: true}},
	"member":         {{Name: "id", Kind: Member, Required: true}, {Name: "name", Option: true}, {Name: "team", Option: true}, {Name: "lead", Kind: Member, Option: true}},
	"wait":           {{Name: "for", Kind: Duration, Required: true}},
}

func TestParseArgs(t *testing.T) {
	tests := []struct {
		grammar, line string
		want          map[string]string
		err           string
	}{
		{"health", "acme", map[string]string{"account": "acme"}, ""},
		{"health", "Acme Corp share", map[string]string{"account": "Acme Corp", "share": "true"}, ""},
		{"health", `"Sakura Logistics" share`, map[string]string{"account": "Sakura Logistics", "share": "true"}, ""},
		{"health", "acme WHY share", map[string]string{"account": "acme", "view": "why", "share": "true"}, ""},
		{"health", "acme share why", map[string]string{"account": "acme", "view": "why", "share": "true"}, ""},
		// One view only: the other word is read as part of the name.
		{"health", "acme why chart", map[string]string{"account": "acme why", "view": "chart"}, ""},
		// A lone word is the account, even when it reads like a view.
		{"health", "why", map[string]string{"account": "why"}, ""},
		{"health", "", nil, "Which account? Give its name or slug."},
		// Free text is taken as typed: quotes, colons and spacing.
		{"note", `acme call: the CTO said "SSO first"`, map[string]string{"account": "acme", "text": `call: the CTO said "SSO first"`}, ""},
		{"note", `"Sakura Logistics"   email:  sent`, map[string]string{"account": "Sakura Logistics", "text": "email:  sent"}, ""},
		{"note", "acme", nil, "`text` is missing."},
		{"accounts", "", map[string]string{}, ""},
		{"accounts", "all tier:HIGH risk", map[string]string{"scope": "all", "tier": "high", "risk": "true"}, ""},
		{"accounts", `@Aiko region:"Kanto East"`, map[string]string{"owner": "aiko", "region": "Kanto East"}, ""},
		{"accounts", "low", map[string]string{"tier": "low"}, ""},
		{"accounts", "tier:gold", nil, "`tier` must be one of high, low, tech."},
		{"accounts", "mine team", nil, "`scope` is given twice (mine and team)."},
		{"accounts", "risk risk", nil, "`risk` is given twice (true and risk)."},
		{"accounts", "region:a region:b", nil, "`region` is given twice (a and region:b)."},
		{"accounts", "everyone", nil, "`scope` must be one of mine, team, all."},
		{"accounts", "all everyone", nil, "I do not understand 'everyone'."},
		{"accounts", "colour:blue", nil, "'colour:blue' is not a setting here; use tier, region (as key:value)."},
		{"kpi", "team", map[string]string{"scope": "team"}, ""},
		{"kpi", "team:tokyo 90d chart", map[string]string{"team": "tokyo", "period": "90d", "chart": "nrr"}, ""},
		{"kpi", "chart:nps period:qtd", map[string]string{"chart": "nps", "period": "qtd"}, ""},
		{"kpi", "period:7d", nil, "`period` must be one of 30d, 90d, qtd, ytd."},
		{"assign", "Acme Corp @Ken", map[string]string{"account": "Acme Corp", "owner": "ken"}, ""},
		{"assign", "acme ken", nil, "`owner` is missing: give a member id, e.g. @aiko."},
		{"assign", "@ken", nil, "`owner` is missing: give a member id, e.g. @aiko."},
		{"checklist-assign", "@yuki csm-30-60-90 mentor @mei start 2026-11-02",
			map[string]string{"new-hire": "yuki", "template": "csm-30-60-90", "mentor": "mei", "start": "2026-11-02"}, ""},
		{"checklist-assign", "@yuki csm mentor:@mei start:2026-11-02", map[string]string{"new-hire": "yuki", "template": "csm", "mentor": "mei", "start": "2026-11-02"}, ""},
		{"checklist-assign", "yuki csm", map[string]string{"new-hire": "yuki", "template": "csm"}, ""},
		{"checklist-assign", "@yuki csm start 2026-13-01", nil, "'2026-13-01' is not a date: `start` takes YYYY-MM-DD, e.g. 2026-12-01."},
		{"checklist-assign", "@yuki csm buddy @mei", nil, "I do not understand 'buddy'."},
		{"checklist-assign", "@yuki", nil, "`template` is missing."},
		{"checklist-done", "1", map[string]string{"item": "1"}, ""},
		{"checklist-done", "@sora 1", map[string]string{"new-hire": "sora", "item": "1"}, ""},
		{"checklist-done", "shadow notes: https://wiki/x  y", map[string]string{"item": "shadow", "evidence": "notes: https://wiki/x  y"}, ""},
		{"snooze", "1w reminder/a/b", map[string]string{"for": "1w", "id": "reminder/a/b"}, ""},
		{"snooze", "2d reminder/a/b", nil, "`for` must be one of 1d, 1w."},
		{"snooze", "1d", nil, "`id` is missing."},
		{"snooze", "1d a b", nil, "I do not understand 'b'."},
		{"member", `eve name:"Eve Mori" team:`, map[string]string{"id": "eve", "name": "Eve Mori", "team": ""}, ""},
		{"member", "eve lead:@Hiro", map[string]string{"id": "eve", "lead": "hiro"}, ""},
		{"member", "eve colour:blue", nil, "'colour:blue' is not a setting here; use name, team, lead (as key:value)."},
		{"wait", "3D", map[string]string{"for": "3d"}, ""},
		{"wait", "3y", nil, "'3y' is not a duration: use a number and m, h, d or w, e.g. 1d (`for`)."},
	}
	for _, tc := range tests {
		t.Run(tc.grammar+" "+tc.line, func(t *testing.T) {
			got, err := parseArgs(grammars[tc.grammar], tc.line)
			if tc.err != "" {
				ue, ok := AsUserError(err)
				if !ok || ue.Msg != tc.err || !ue.Usage {
					t.Errorf("parse = %v, %v; want the usage error %q", got, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("parse (-want +got):\n%s", diff)
			}
		})
	}
}

func TestArgsUsage(t *testing.T) {
	tests := map[string]string{
		"health":           "<account> [why|chart] [share]",
		"note":             "<account> <text>",
		"accounts":         "[mine|team|all] [@owner] [tier:high|low|tech] [region:<region>] [risk]",
		"kpi":              "[mine|team|all] [team:<team>] [period:30d|90d|qtd|ytd] [chart[:nrr|nps]]",
		"assign":           "<account> @owner",
		"checklist-assign": "@new-hire <template> [mentor @id] [start YYYY-MM-DD]",
		"checklist-done":   "[@new-hire] <item> [evidence]",
		"snooze":           "1d|1w <id>",
	}
	for name, want := range tests {
		if got := ArgsUsage(grammars[name]); got != want {
			t.Errorf("%s: usage %q, want %q", name, got, want)
		}
	}
	many := []Arg{{Name: "id", Required: true}}
	for _, n := range []string{"a", "b", "c", "d", "e", "f"} {
		many = append(many, Arg{Name: n, Option: true})
	}
	if got := ArgsUsage(many); got != "<id> [key:value ...]" {
		t.Errorf("many options: usage %q", got)
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"30m": 30 * time.Minute, "12h": 12 * time.Hour, "1D": 24 * time.Hour, "2w": 14 * 24 * time.Hour} {
		if got, err := ParseDuration(in); err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "1", "d", "1y", "-1d", "1.5d", "99999d"} {
		if _, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) accepted", in)
		}
	}
}

// FuzzParseArgs feeds any line to every grammar: parsing never panics,
// and what it accepts is well formed.
func FuzzParseArgs(f *testing.F) {
	for _, s := range []string{"acme why chart share", `"Sakura Logistics" share`, `acme call: "x`, "all tier:high risk @aiko",
		"@yuki csm mentor @mei start 2026-11-02", "1w reminder/a/b", `eve name:"Eve" team:`, "“Tom” ‘x’ 'y", "a:b:c :: @ @@"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		for name, args := range grammars {
			vals, err := parseArgs(args, line)
			if err != nil {
				if _, ok := AsUserError(err); !ok {
					t.Fatalf("%s %q: error %v is not a user error", name, line, err)
				}
				continue
			}
			for _, a := range args {
				v, ok := vals[a.Name]
				switch {
				case a.Required && !ok:
					t.Errorf("%s %q: required %s missing", name, line, a.Name)
				case !ok:
				case a.Kind == Enum && !a.isChoice(v), a.Kind == Flag && v != "true":
					t.Errorf("%s %q: %s = %q", name, line, a.Name, v)
				case a.Kind == Member && (strings.HasPrefix(v, "@") || strings.ToLower(v) != v):
					t.Errorf("%s %q: member %s = %q", name, line, a.Name, v)
				case a.Kind == Text && !strings.Contains(line, v):
					t.Errorf("%s %q: text %q is not as typed", name, line, v)
				case a.Kind == Duration:
					if _, err := ParseDuration(v); err != nil {
						t.Errorf("%s %q: duration %q", name, line, v)
					}
				case a.Kind == Date:
					if _, err := time.Parse(time.DateOnly, v); err != nil {
						t.Errorf("%s %q: date %q", name, line, v)
					}
				}
			}
			for k := range vals {
				if !isName(k) {
					t.Errorf("%s %q: value for unknown %q", name, line, k)
				}
			}
		}
	})
}

// Every refusal of typed arguments is written in the member's language;
// English is pinned by TestParseArgs.
func TestArgErrorsJapanese(t *testing.T) {
	ja := i18n.For("ja")
	tests := []struct{ grammar, line, want string }{
		{"health", "", "どのアカウントですか？アカウント名またはスラッグを指定してください。"},
		{"note", "acme", "`text` が指定されていません。"},
		{"accounts", "tier:gold", "`tier` には high、low、tech のいずれかを指定してください。"},
		{"accounts", "mine team", "`scope` が2回指定されています（mine と team）。"},
		{"accounts", "all everyone", "'everyone' を読み取れませんでした。"},
		{"accounts", "colour:blue", "'colour:blue' はここでは指定できません。tier、region を キー:値 の形で指定してください。"},
		{"assign", "acme ken", "`owner` が指定されていません。メンバーIDを指定してください（例: @aiko）。"},
		{"checklist-assign", "@yuki csm start 2026-13-01", "'2026-13-01' は日付として読み取れません。`start` は YYYY-MM-DD 形式で指定してください（例: 2026-12-01）。"},
		{"member", "eve team: team:x", "`team` が2回指定されています（空欄と team:x）。"},
		{"wait", "3y", "`for` の '3y' は期間として読み取れません。数字に m（分）、h（時間）、d（日）、w（週）を付けて指定してください（例: 1d）。"},
		{"member", "eve lead:a@b", "'a@b' はメンバーIDではありません。`lead` にはメンバーIDを1語で指定してください（例: @aiko）。"},
	}
	for _, tc := range tests {
		t.Run(tc.grammar+" "+tc.line, func(t *testing.T) {
			_, err := parseArgs(grammars[tc.grammar], tc.line)
			ue, ok := AsUserError(err)
			if !ok || !ue.Usage {
				t.Fatalf("parse error %v, want a usage error", err)
			}
			if got := ue.In(ja); got != tc.want {
				t.Errorf("in Japanese %q, want %q", got, tc.want)
			}
		})
	}
}
