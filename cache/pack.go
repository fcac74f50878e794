package cache

import (
	"strconv"
	"strings"

	"github.com/otaccess/otaccess/tenant"
)

// packUser encodes the model fields as "<len>,<len>,...:<field><field>...":
// byte lengths first, so any content splits back exactly.
func packUser(u *tenant.User) string {
	active := "0"
	if u.Active {
		active = "1"
	}
	fields := [...]string{u.ID, u.ExternalID, u.UserName, u.GivenName, u.FamilyName, u.DisplayName, u.Email, u.UserType, u.Title,
		u.Department, u.Division, u.Organization, u.CostCenter, u.EmployeeID, u.ManagerID, u.ManagerName, active, u.Created, u.LastModified}
	return packFields(fields[:]...)
}

func unpackUser(s string, u *tenant.User) bool {
	var active string
	ok := unpack(s, &u.ID, &u.ExternalID, &u.UserName, &u.GivenName, &u.FamilyName, &u.DisplayName, &u.Email, &u.UserType, &u.Title,
		&u.Department, &u.Division, &u.Organization, &u.CostCenter, &u.EmployeeID, &u.ManagerID, &u.ManagerName, &active,
		&u.Created, &u.LastModified)
	u.Active = active == "1"
	return ok
}

// unpack splits a packUser value into dst; false when malformed.
func unpack(s string, dst ...*string) bool {
	colon := strings.IndexByte(s, ':')
	if colon < 0 {
		return false
	}
	header, body := s[:colon], s[colon+1:]
	for i, d := range dst {
		n, rest, ok := leadingLen(header, len(body))
		if !ok {
			return false
		}
		switch {
		case i < len(dst)-1 && rest != "" && rest[0] == ',':
			header = rest[1:]
		case i == len(dst)-1 && rest == "":
		default:
			return false
		}
		*d, body = body[:n], body[n:]
	}
	return body == ""
}

// leadingLen parses the decimal length at the start of s, at most limit:
// Load parses two million of them, which strconv.Atoi on a cut string
// made a third of its decoding.
func leadingLen(s string, limit int) (n int, rest string, ok bool) {
	i := 0
	for ; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
		n = n*10 + int(s[i]-'0')
		if n > limit {
			return 0, "", false
		}
	}
	return n, s[i:], i > 0
}

// packIDs encodes ids as "<len>:<id>" repeated. users.group_ids holds a
// user's group ids packed, sorted and without duplicates.
func packIDs(ids []string) string {
	n := 0
	for _, id := range ids {
		n += len(id) + 4
	}
	b := make([]byte, 0, n)
	for _, id := range ids {
		b = strconv.AppendInt(b, int64(len(id)), 10)
		b = append(b, ':')
		b = append(b, id...)
	}
	return string(b)
}

func unpackIDs(s string, fn func(id string)) bool {
	for s != "" {
		n, rest, ok := leadingLen(s, len(s))
		if !ok || rest == "" || rest[0] != ':' || n > len(rest)-1 {
			return false
		}
		fn(rest[1 : 1+n])
		s = rest[1+n:]
	}
	return true
}
