package playbooks_test

import (
	"fmt"
	"time"

	"github.com/csbot/csbot/playbooks"
	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/health"
)

func ExampleSet_DueSteps() {
	set, err := playbooks.Load("") // the built-in playbooks; pass CSBOT_PLAYBOOKS_DIR to override
	if err != nil {
		panic(err)
	}
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	acme := store.Account{
		Slug: "acme", Name: "Acme Corp", Tier: store.TierLow, Phase: store.PhaseAdoption, Owner: "aiko",
		Renewal: time.Date(2026, 6, 8, 0, 0, 0, 0, time.UTC), LastTouch: now.AddDate(0, 0, -3),
	}
	as := health.Assessment{Result: health.Result{Score: 72, Band: health.Green}}
	for _, d := range set.DueSteps(acme, as, now, nil) {
		fmt.Printf("%s/%s to %s:\n%s\n", d.Playbook, d.Step, d.To, d.Text)
	}
	// Output:
	// low-touch/renewal-reminder to owner:
	// Acme Corp renews on 2026-06-08, 90 days from now. Start the renewal conversation: confirm who decides and recap the value they got this year.
}

func ExampleParse() {
	_, err := playbooks.Parse("high-touch.yaml", []byte(`name: high-touch
steps:
  - name: weekly-check-in
    evry: 7d
    to: owner
    message: Check in with {{.Account}}.
`))
	fmt.Println(err)
	// Output:
	// high-touch.yaml:4: steps[0].evry: unknown field (did you mean every?)
}
