package scimtest

import (
	"fmt"
	"net/url"
	"sync"
	"testing"

	"github.com/otaccess/otaccess/client"
)

// Many clients read, filter and write at once; under -race this checks the
// locking, and afterwards both sides of every membership must still agree.
func TestConcurrentUse(t *testing.T) {
	ts := newTS(t, Config{Users: 400, Roles: 5, Orgs: 4, Seed: 77, UserPageCap: 50})
	users := ts.Users()
	groups := ts.Groups()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	check := func(r response, err error, want ...int) {
		if err != nil {
			errs <- err
			return
		}
		for _, w := range want {
			if r.status == w {
				return
			}
		}
		errs <- fmt.Errorf("status %d: %s", r.status, trunc(r.body))
	}
	auth := "Bearer " + testToken
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				u := users[(w*25+i)%len(users)]
				g := groups[(w+i)%len(groups)]
				switch i % 6 {
				case 0:
					r, err := send(ts, "GET", fmt.Sprintf("/Users?startIndex=%d&count=50", 1+i*10), auth, nil)
					check(r, err, 200)
				case 1:
					r, err := send(ts, "GET", "/Users?filter="+url.QueryEscape(`userName sw "a" and active eq true`), auth, nil)
					check(r, err, 200)
				case 2:
					r, err := send(ts, "PATCH", "/Groups/"+g.ID, auth, patch(client.AddMemberOp(u.ID)))
					check(r, err, 204, 400) // 400 if another worker deleted u
				case 3:
					r, err := send(ts, "PATCH", "/Groups/"+g.ID, auth, patch(client.RemoveMemberOp(u.ID)))
					check(r, err, 204, 400)
				case 4:
					r, err := send(ts, "POST", "/Users", auth, map[string]any{"userName": fmt.Sprintf("w%d-%d@example.com", w, i)})
					check(r, err, 201)
				case 5:
					if i%12 == 5 {
						r, err := send(ts, "DELETE", "/Users/"+u.ID, auth, nil)
						check(r, err, 204, 404)
					} else {
						r, err := send(ts, "GET", "/Groups/"+g.ID, auth, nil)
						check(r, err, 200)
					}
				}
				_ = ts.Users()
				_ = ts.IsMember(u.ID, g.ID)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	consistent(t, ts.Server)
	if ts.Requests() < 200 {
		t.Errorf("Requests() = %d", ts.Requests())
	}
}
