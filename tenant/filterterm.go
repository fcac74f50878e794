package tenant

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// makeTerm turns one key:value of a query into a term, resolving role,
// org, group and under: names against the snapshot (with suggestions when
// none matches) and stale:/login: against the last logins.
func (ix *Index) makeTerm(key, value string) (term, error) {
	lv := appendLower(nil, value)
	switch key {
	case "":
		return term{kind: termText, text: lv}, nil
	case "status":
		v := string(lv)
		switch {
		case strings.HasPrefix("active", v):
			return term{kind: termStatus, active: true}, nil
		case strings.HasPrefix("inactive", v):
			return term{kind: termStatus, active: false}, nil
		}
		return term{}, fmt.Errorf("%w: status:%s: want status:active or status:inactive", ErrQuery, value)
	case "stale", "login":
		return ix.loginTerm(key, string(lv))
	case "type":
		mask := make([]bool, len(ix.types))
		for i, t := range ix.types {
			mask[i] = strings.Contains(t, string(lv))
		}
		if !anyTrue(mask) && len(ix.types) > 0 {
			return term{}, noMatch("user type", value, ix.types)
		}
		return term{kind: termType, mask: mask}, nil
	}
	s := ix.s
	mask := make([]bool, len(s.Groups))
	v := string(lv)
	switch key {
	case "role":
		roles := make([]bool, len(ix.roleNames))
		for r, name := range ix.roleNames {
			roles[r] = strings.Contains(name, v)
		}
		if !anyTrue(roles) {
			return term{}, noMatch("role", value, roleNames(s))
		}
		for g := range s.Groups {
			mask[g] = !s.Groups[g].Plain() && roles[s.Groups[g].Role]
		}
	case "org":
		orgs := make([]bool, len(ix.orgNames))
		for o, name := range ix.orgNames {
			orgs[o] = strings.Contains(name, v)
		}
		if !anyTrue(orgs) {
			return term{}, noMatch("organization", value, orgNames(s))
		}
		for g := range s.Groups {
			mask[g] = !s.Groups[g].Plain() && orgs[s.Groups[g].Org]
		}
	case "under":
		orgs, err := ix.orgsUnder(value)
		if err != nil {
			return term{}, err
		}
		for g := range s.Groups {
			mask[g] = !s.Groups[g].Plain() && orgs[s.Groups[g].Org]
		}
	case "group":
		for g, name := range ix.groupNames {
			mask[g] = strings.Contains(name, v)
		}
		if !anyTrue(mask) {
			names := make([]string, len(s.Groups))
			for g := range s.Groups {
				names[g] = s.Groups[g].DisplayName
			}
			return term{}, noMatch("group", value, names)
		}
	}
	return term{kind: termGroups, mask: mask}, nil
}

func roleNames(s *Snapshot) []string {
	out := make([]string, len(s.Roles))
	for i := range s.Roles {
		out[i] = s.Roles[i].Name
	}
	return out
}

func orgNames(s *Snapshot) []string {
	out := make([]string, len(s.Orgs))
	for i := range s.Orgs {
		out[i] = s.Orgs[i].Name
	}
	return out
}

// loginTerm is stale:Nd (no successful login in the last N days, or never)
// or login:never. A snapshot without last logins cannot answer it: the
// error says why, rather than matching nobody.
func (ix *Index) loginTerm(key, v string) (term, error) {
	if !ix.s.Access.Logins.Read {
		return term{}, fmt.Errorf("%w: %s:%s needs last logins: not available — %s", ErrQuery, key, v, ix.s.Access.Logins.Reason())
	}
	if key == "login" {
		if v != "never" {
			return term{}, fmt.Errorf("%w: login:%s: want login:never (or stale:90d)", ErrQuery, v)
		}
		return term{kind: termLogin}, nil
	}
	n, err := strconv.Atoi(strings.TrimSuffix(v, "d"))
	if err != nil || n < 0 || n > 100_000 || !strings.HasSuffix(v, "d") {
		return term{}, fmt.Errorf("%w: stale:%s: want a number of days, e.g. stale:90d", ErrQuery, v)
	}
	now := time.Now
	if ix.Now != nil {
		now = ix.Now
	}
	return term{kind: termLogin, since: now().Add(-time.Duration(n) * 24 * time.Hour)}, nil
}

// orgsUnder marks the orgs (Snapshot.Orgs) of the tree nodes named value
// and of every node under them.
func (ix *Index) orgsUnder(value string) ([]bool, error) {
	s := ix.s
	if s.OrgTree == nil {
		return nil, fmt.Errorf("%w: under:%s needs the organization tree: %s", ErrQuery, value, s.OrgTreeNote())
	}
	nodes := s.OrgTree.Find(value)
	if len(nodes) == 0 {
		names := make([]string, len(s.OrgTree.Nodes))
		for i, n := range s.OrgTree.Nodes {
			names[i] = n.Name
		}
		return nil, noMatch("organization in the tree", value, names)
	}
	orgs := make([]bool, len(s.Orgs))
	for _, n := range nodes {
		for _, o := range s.OrgTree.OrgsUnder(n) {
			orgs[o] = true
		}
	}
	return orgs, nil
}
