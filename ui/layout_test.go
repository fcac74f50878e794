package ui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/otaccess/otaccess/client/scimtest"
)

// awkwardTenant has names that stress layout: very long, wide (CJK, emoji),
// combining marks, and role/org names with " - " and control characters.
func awkwardTenant(t *testing.T) (*testTenant, string) {
	long := userNamed("Maximiliana Wilhelmina Theodora von und zu Hohenzollern-Sigmaringen-Liechtenstein-Habsburg", "maximiliana.wilhelmina.theodora.hohenzollern-sigmaringen@very-long-subdomain.example.org")
	wide := userNamed("王小明 李大龍 🙂🙂", "wang@example.cn")
	tn := newTenant(t, scimtest.Config{Users: 60}, func(s *scimtest.TestServer) {
		id := s.AddUser(long)
		roles, orgs := s.Roles(), s.Orgs()
		_ = s.RenameRole(roles[0].ID, "Data Subject Access Request - Senior Reviewer (Global, all regions)")
		_ = s.RenameOrg(orgs[0].ID, "Département Conformité \x1b[7mEurope\x1b[0m - Zürich Außenstelle")
		_ = s.RenameOrg(orgs[1].ID, "日本法人 - 東京")
		for _, r := range roles {
			for _, o := range orgs {
				if gid, ok := s.GroupID(r.Name, o.Name); ok {
					_ = s.SetMember(id, gid, true)
				}
			}
		}
		s.AddUser(wide)
	})
	return tn, long.Emails[0].Value
}

func TestLayoutAtEverySize(t *testing.T) {
	tn, _ := awkwardTenant(t)
	sizes := [][2]int{{80, 24}, {200, 50}, {40, 10}, {57, 14}, {120, 35}, {39, 9}, {20, 5}}
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			d := tn.model(t, sz[0], sz[1]) // every frame is checked by the driver
			if sz[0] < minWidth || sz[1] < minHeight {
				d.contains("terminal too small")
				d.key("enter", "2", "?", "q")
				return
			}
			d.key("/")
			d.typeText("maximiliana")
			d.key("enter")
			if sz[0] <= 120 {
				d.contains("Maximiliana", ellipsis)
			}
			d.key("s", "s", "s", "S", "enter") // detail of the long user
			d.key("l", "l", "l", "j", "j", "z", "z", "G", "space")
			d.contains("Revoke access")
			d.key("esc", "D")
			d.contains("Deprovision")
			d.contains("Yes, deprovision") // the buttons survive a long plan
			d.key("down")
			d.contains("to confirm")
			d.key("esc", "esc", "esc")
			d.key("2", "l", "l", "j", "enter", "/")
			d.typeText("wang")
			d.key("enter", "esc", "esc")
			d.key("3", "/")
			d.typeText("zürich")
			d.key("enter", "s", "s", "enter", "esc", "?")
			d.contains("otaccess keys")
			for range 100 {
				d.key("pgdown")
			}
			shared := d.m.keys.sharedKeys() // the last section
			last := shared[len(shared)-1]
			d.contains(last.uses[len(last.uses)-1].desc)
			d.key("q", "1", "/")
			d.typeText("王小明")
			d.contains("1 of 62 users")
		})
	}
}

func TestResizeKeepsFrames(t *testing.T) {
	tn, _ := awkwardTenant(t)
	d := tn.model(t, 80, 24)
	d.key("enter")
	for _, sz := range [][2]int{{200, 50}, {80, 24}, {45, 11}, {30, 6}, {100, 40}, {80, 24}} {
		d.send(resize(sz[0], sz[1]))
		checkFrame(t, d.m.View().Content, sz[0], sz[1])
		got := strings.Count(d.m.View().Content, "\n") + 1
		if got != sz[1] {
			t.Fatalf("%dx%d: frame has %d lines", sz[0], sz[1], got)
		}
	}
}

func TestLongNamesAreTruncatedAndNamedInFull(t *testing.T) {
	tn, _ := awkwardTenant(t)
	d := tn.model(t, 200, 40)
	d.key("2")
	// Truncated labels; the one under the cursor is named in full below.
	// At 200 columns the labels may take 40 cells (they were capped at 28).
	d.contains("Data Subject Access Request - Senior Re" + ellipsis)
	d.key("home", "down", "down", "down", "down", "right")
	s := d.screen()
	if !strings.Contains(s, "Data Subject Access Request - Senior Reviewer (Global, all regions) — Département Conformité Europe - Zürich Außenstelle: 18 members") {
		t.Fatalf("the hint line does not name the role in full:\n%s", s)
	}
	if strings.Contains(d.m.View().Content, "\x1b[7mEurope") {
		t.Fatal("an org name's escape sequence reached the screen")
	}
}
