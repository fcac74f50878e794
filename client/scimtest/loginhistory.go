package scimtest

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"time"
)

// LoginRecord is one login attempt, as GET /api/access/v1/login-history
// answers it.
type LoginRecord struct {
	UserID    string    `json:"userId"`
	UserName  string    `json:"userName"`
	IPAddress string    `json:"ipAddress"`
	UserAgent string    `json:"userAgentString"`
	At        time.Time `json:"-"`
	CreateDT  string    `json:"createDT"`
	Status    string    `json:"status"` // Success | Failure
}

// historyWindow is how far back login history reaches (ONETRUST-API.md 7).
const historyWindow = 365 * 24 * time.Hour

// loginHistory makes a user's attempts, newest first, from its seed: the
// latest success at lastLogin, earlier ones every few days back to a
// year before the anchor (a typo's failure now and then), and the failed
// attempts after the last success. The same user always gets the same
// history, and its newest Success is lastLoginDate.
func (s *Server) loginHistoryOf(u *userRec) []LoginRecord {
	a := &u.acc
	r := rand.New(rand.NewPCG(a.loginSeed, a.loginSeed^0x10c1))
	ips := []string{
		fmt.Sprintf("198.51.100.%d", 1+r.IntN(254)),
		fmt.Sprintf("203.0.113.%d", 1+r.IntN(254)),
		fmt.Sprintf("2001:db8::%x", 1+r.IntN(0xfffe)),
	}
	agent := userAgents[r.IntN(len(userAgents))]
	rec := func(at time.Time, ok bool) LoginRecord {
		st := "Failure"
		if ok {
			st = "Success"
		}
		ip := ips[0]
		if r.IntN(4) == 0 {
			ip = ips[1+r.IntN(2)]
		}
		if !ok && r.IntN(2) == 0 {
			ip = fmt.Sprintf("192.0.2.%d", 1+r.IntN(254)) // someone else trying
		}
		return LoginRecord{UserID: u.u.ID, UserName: u.u.UserName, IPAddress: ip, UserAgent: agent, At: at, CreateDT: at.UTC().Format(zuluSeconds), Status: st}
	}
	var out []LoginRecord
	after := a.lastLogin
	if after.IsZero() {
		after = s.anchor.Add(-30 * 24 * time.Hour)
	}
	for i := a.failedAfter; i > 0; i-- {
		at := after.Add(time.Duration(i) * time.Duration(1+r.IntN(48)) * time.Hour).Truncate(time.Second)
		if at.After(s.anchor) {
			at = s.anchor.Add(-time.Duration(i) * time.Minute)
		}
		out = append(out, rec(at, false))
	}
	if !a.lastLogin.IsZero() {
		from := s.anchor.Add(-historyWindow)
		at := a.lastLogin
		for n := 0; n < 40 && at.After(from); n++ {
			out = append(out, rec(at, true))
			if r.IntN(10) == 0 {
				out = append(out, rec(at.Add(-time.Duration(1+r.IntN(120))*time.Second), false))
			}
			at = at.Add(-time.Duration(6+r.IntN(20*24)) * time.Hour)
		}
	}
	slices.SortStableFunc(out, func(x, y LoginRecord) int { return y.At.Compare(x.At) })
	return out
}

// LoginHistory returns a user's login attempts, newest first (nil for an
// unknown user), as the endpoint serves them.
func (s *Server) LoginHistory(userID string) []LoginRecord {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u := s.userByID(userID)
	if u == nil {
		return nil
	}
	return s.loginHistoryOf(u)
}

// parseHistoryTime reads startDate / endDate (YYYY-MM-DDTHH:MM:SSZ, or
// any RFC 3339 time).
func parseHistoryTime(v string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(v))
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date-time of the form YYYY-MM-DDTHH:MM:SSZ", v)
	}
	return t, nil
}

// loginHistory serves the endpoint: with userId, that user's attempts of
// the last 365 days; without, everyone's of the last 7 days; a range
// narrows either and may not reach beyond 365 days back.
func (s *Server) loginHistory(w http.ResponseWriter, c *call) {
	q := c.r.URL.Query()
	page, size, err := springPage(q)
	if err != nil {
		accessError(w, http.StatusBadRequest, "%v", err)
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	userID := strings.TrimSpace(q.Get("userId"))
	from, to := s.anchor.Add(-7*24*time.Hour), s.anchor
	if userID != "" {
		from = s.anchor.Add(-historyWindow)
	}
	sd, ed := q.Get("startDate"), q.Get("endDate")
	if sd != "" || ed != "" {
		if sd == "" || ed == "" {
			accessError(w, http.StatusBadRequest, "startDate and endDate go together")
			return
		}
		if from, err = parseHistoryTime(sd); err == nil {
			to, err = parseHistoryTime(ed)
		}
		if err != nil {
			accessError(w, http.StatusBadRequest, "%v", err)
			return
		}
		if from.Before(s.anchor.Add(-historyWindow)) {
			accessError(w, http.StatusBadRequest, "the date range reaches beyond the last 365 days")
			return
		}
	}
	var users []*userRec
	if userID != "" {
		u := s.userByID(userID)
		if u == nil {
			accessError(w, http.StatusNotFound, "user %s not found", userID)
			return
		}
		users = []*userRec{u}
	} else {
		for _, u := range s.visibleUsers(c.view(), s.users) {
			if !u.acc.lastLogin.Before(from) || u.acc.failedAfter > 0 {
				users = append(users, u)
			}
		}
	}
	var recs []LoginRecord
	for _, u := range users {
		for _, l := range s.loginHistoryOf(u) {
			if !l.At.Before(from) && !l.At.After(to) {
				recs = append(recs, l)
			}
		}
	}
	slices.SortStableFunc(recs, func(x, y LoginRecord) int { return cmp.Or(y.At.Compare(x.At), strings.Compare(x.UserID, y.UserID)) })
	writeAccessJSON(w, http.StatusOK, pageOf(len(recs), page, size, true, func(i int) LoginRecord { return recs[i] }))
}
