package cache

import (
	"reflect"
	"strings"
	"testing"

	"github.com/otaccess/otaccess/tenant"
)

// FuzzUnpack: any stored string decodes or is refused, never panics; what
// decodes packs back to a string that decodes to the same; and packed
// values always decode to what was packed.
func FuzzUnpack(f *testing.F) {
	u := tenant.User{ID: "u1", UserName: "a@b", DisplayName: "Ann", Email: "a@b", Active: true, Created: "2020"}
	for _, s := range []string{packUser(&u), packIDs([]string{"r:o", "", "x"}), packPage([]pageEntry{{packUser(&u), packIDs([]string{"g"})}}),
		"", ":", "1:", "2:a", "0,0:", "99999999999999999999:x", "-1:a", "1,:a", "3:abc4:", "01:a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var got tenant.User
		if unpackUser(s, &got) {
			var again tenant.User
			if !unpackUser(packUser(&got), &again) || !reflect.DeepEqual(again, got) {
				t.Fatalf("%q: user does not round-trip: %+v", s, got)
			}
		}
		var ids []string
		if unpackIDs(s, func(id string) { ids = append(ids, id) }) {
			var again []string
			unpackIDs(packIDs(ids), func(id string) { again = append(again, id) })
			if strings.Join(again, "\x00") != strings.Join(ids, "\x00") || len(again) != len(ids) {
				t.Fatalf("%q: ids do not round-trip: %q", s, ids)
			}
		}
		unpackPage(s, func(pageEntry) {})
		packedID(s)

		// Fields cut from s pack and unpack exactly.
		parts := strings.SplitN(s, "|", 19)
		var x tenant.User
		fs := []*string{&x.ID, &x.ExternalID, &x.UserName, &x.GivenName, &x.FamilyName, &x.DisplayName, &x.Email, &x.UserType, &x.Title,
			&x.Department, &x.Division, &x.Organization, &x.CostCenter, &x.EmployeeID, &x.ManagerID, &x.ManagerName, &x.Created, &x.LastModified}
		for i, p := range parts {
			if i < len(fs) {
				*fs[i] = p
			}
		}
		var back tenant.User
		if !unpackUser(packUser(&x), &back) || !reflect.DeepEqual(back, x) {
			t.Fatalf("%+v does not round-trip: %+v", x, back)
		}
	})
}
