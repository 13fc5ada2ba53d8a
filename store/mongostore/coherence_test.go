package mongostore_test

import (
	"context"
	"errors"
	"testing"

	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/storetest"
)

// Two replicas on one database: a role change or an unlinked chat user on
// one is seen by the other's next request, though each keeps its members
// in memory.
func TestMemberChangesReachEveryReplica(t *testing.T) {
	cfg := storetest.ExternalConfig(t)
	a, b := storetest.OpenConfig(t, cfg), storetest.OpenConfig(t, cfg)
	request := func() context.Context { return store.WithScope(context.Background()) }
	if err := a.SaveMember(request(), store.Member{ID: "aiko", Name: "Aiko", Roles: []store.Role{store.RoleCSM}, Identities: map[string]string{"slack": "U1"}}); err != nil {
		t.Fatal(err)
	}
	if m, err := b.MemberByIdentity(request(), "slack", "U1"); err != nil || !m.Has(store.RoleCSM) {
		t.Fatalf("replica b reads %+v, %v; want aiko, a CSM", m, err)
	}
	if _, err := a.UpdateMember(request(), "aiko", func(m *store.Member, _ bool) error {
		m.Roles, m.Identities = []store.Role{store.RoleLead}, nil
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	ctx := request()
	if m, err := b.Member(ctx, "aiko"); err != nil || !m.Has(store.RoleLead) {
		t.Errorf("replica b's next request reads %+v, %v; want aiko now a lead", m, err)
	}
	if _, err := b.MemberByIdentity(ctx, "slack", "U1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("replica b still finds the unlinked chat user: %v", err)
	}
	// Teams, which the access rules read on every command, too.
	if err := a.SaveTeam(request(), store.Team{ID: "tokyo", Name: "Tokyo", Region: "Kanto"}); err != nil {
		t.Fatal(err)
	}
	if team, err := b.Team(request(), "tokyo"); err != nil || team.Region != "Kanto" {
		t.Errorf("replica b reads team %+v, %v; want region Kanto", team, err)
	}
}
