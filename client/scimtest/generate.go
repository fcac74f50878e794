package scimtest

import (
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/otaccess/otaccess/client"
)

// generationTime is the tenant's "now" at generation. Fixed, so the same seed
// gives a byte-identical tenant.
var generationTime = time.Date(2025, time.June, 2, 9, 30, 0, 0, time.UTC)

// Role and organization names in OneTrust's style. Several contain " - " on
// purpose: a client must not split displayName on the first dash.
var roleNames = []string{
	"Auditor", "Site Admin", "Privacy Officer", "Assessments Manager",
	"Awareness Training Learner", "Audit Manager", "Data Mapping - Editor",
	"Vendor Manager", "Data Mapping - Viewer", "Privacy Champion", "Project Owner",
	"Respondent", "Incident Manager", "Consent Manager", "Cookie Consent Admin",
	"DSAR Manager", "DSAR - Reviewer", "Risk Manager", "Risk Owner", "Policy Manager",
	"Policy Reader", "Third-Party Risk Analyst", "Vendor Risk - Reviewer",
	"Ethics Case Manager", "ESG Reporter", "Data Discovery Admin",
	"Data Governance Steward", "Trust Center Editor", "IT Risk Manager",
	"Compliance Analyst", "Controls Owner", "Issue Manager", "Reports Viewer",
	"Integrations Admin", "Global Readiness Viewer", "Training Administrator",
	"Help Desk", "API Integration", "Read Only", "Org Admin",
}

var orgNames = []string{
	"Acme Corporation", "Legal", "Finance", "EMEA - Sales", "Engineering", "Azure AD",
	"Human Resources", "APAC - Operations", "Marketing", "North America - Sales",
	"Procurement", "IT Security", "Customer Success", "Research & Development",
	"Org5", "Org6.1", "Test Org", "Germany", "France", "United Kingdom", "Japan",
	"Brazil", "India", "Australia", "Canada", "España", "Italy", "Netherlands",
	"Nordics - Sweden", "Nordics - Denmark", "LATAM - Mexico", "Internal Audit",
	"Data Protection Office", "Risk & Compliance", "Treasury", "Facilities",
	"Product", "Design", "Support - Tier 1", "Support - Tier 2",
	"Subsidiary - Widgets GmbH", "Acme Labs", "Shared Services",
	"Corporate Communications", "Investor Relations", "Tax", "Payroll",
	"Logistics", "Manufacturing", "Quality Assurance",
}

var firstNames = []string{
	"James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda",
	"David", "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica",
	"Thomas", "Sarah", "Charles", "Karen", "Daniel", "Nancy", "Matthew", "Lisa",
	"Anthony", "Betty", "Mark", "Sandra", "Steven", "Ashley", "Paul", "Emily",
	"Andrew", "Michelle", "Joshua", "Amanda", "Chloé", "Zoë", "José", "Björn",
	"Søren", "François", "Agnieszka", "Łukasz", "Renée", "Ángel", "Jürgen", "Maëlle",
	"Siobhán", "Seán", "Noémie", "İbrahim", "Ana-María", "Jean-Luc", "Hiroshi", "Yuki",
	"Wei", "Priya", "Arjun", "Fatima", "Mohammed", "Aisha", "Olga", "Dmitri",
	"Ingrid", "Lars", "Giulia", "Matteo", "Lucía", "Mateo", "Camille", "Léa",
	"Kwame", "Amara", "Chinedu", "Nguyen", "Thảo", "Mei", "Sven", "Astrid",
	"Rahul", "Ananya", "Connor", "Niamh", "Zara", "Omar", "Elena", "Pablo",
}

var lastNames = []string{
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
	"Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson",
	"Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson",
	"White", "Harris", "Clark", "Lewis", "Robinson", "Walker", "Young", "Müller",
	"Schröder", "Weiß", "O'Brien", "O'Connor", "D'Angelo", "McAllister", "van der Berg",
	"de la Cruz", "García", "Núñez", "Ødegaard", "Kowalski", "Wiśniewska", "Dubois",
	"Lefèvre", "Rossi", "Bianchi", "Søndergaard", "Johansson", "Nakamura", "Tanaka",
	"Kim", "Park", "Chen", "Wang", "Li", "Patel", "Sharma", "Singh", "Okafor",
	"Mensah", "Nguyễn", "Trần", "Ivanov", "Petrova", "Al-Sayed", "Haddad", "Cohen",
	"Levi", "Smith-Jones", "Fitzgerald", "MacDonald", "Çelik", "Yılmaz", "Horváth",
	"Novák", "Popescu", "Papadopoulos", "Silva", "Santos", "Costa", "Ferreira",
}

var departments = []string{
	"Legal", "Finance", "Sales", "Engineering", "Human Resources", "Marketing",
	"IT", "Security", "Customer Success", "Procurement", "Operations", "Privacy Office",
	"Internal Audit", "Product", "Research & Development",
}

var jobTitles = []string{
	"Privacy Analyst", "Software Engineer", "Senior Counsel", "Account Executive",
	"Financial Analyst", "HR Business Partner", "Marketing Manager", "Security Engineer",
	"Data Protection Officer", "Procurement Specialist", "Operations Manager",
	"Internal Auditor", "Product Manager", "Support Engineer", "Director",
	"VP Engineering", "Compliance Officer", "IT Administrator", "Consultant", "Intern",
}

var offices = []string{"London", "Atlanta", "Munich", "Paris", "Bangalore", "Sydney", "Tokyo", "São Paulo", "Toronto", "Remote"}

var externalDomains = []string{"partner-consulting.com", "contractors.example.net", "gmail.com", "auditfirm.co.uk"}

var internalDomains = []string{"acme.co.uk", "acme.de", "acme-labs.io"}

// asciiFold maps the accented letters used above to their email spelling.
var asciiFold = map[rune]string{
	'á': "a", 'à': "a", 'â': "a", 'ä': "a", 'ã': "a", 'å': "a", 'é': "e", 'è': "e",
	'ê': "e", 'ë': "e", 'í': "i", 'ì': "i", 'î': "i", 'ï': "i", 'ı': "i", 'ó': "o",
	'ò': "o", 'ô': "o", 'ö': "o", 'õ': "o", 'ø': "o", 'ú': "u", 'ù': "u", 'û': "u",
	'ü': "u", 'ñ': "n", 'ç': "c", 'ł': "l", 'ś': "s", 'ş': "s", 'ß': "ss", 'ễ': "e",
	'ả': "a", 'ầ': "a", 'ạ': "a", 'ğ': "g", 'š': "s", 'č': "c", 'ý': "y", 'ž': "z",
}

// emailPart spells a name for an email local part: lower case, accents
// folded, spaces dropped; apostrophes optionally kept (both happen in the wild).
func emailPart(name string, keepApostrophe bool) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
			b.WriteRune(r)
		case r == '\'' && keepApostrophe:
			b.WriteRune(r)
		default:
			b.WriteString(asciiFold[r]) // spaces and unknown runes vanish
		}
	}
	return b.String()
}

// newUUID formats 16 random bytes as a version-4 UUID.
func newUUID(r *rand.Rand) string {
	var raw [16]byte
	a, b := r.Uint64(), r.Uint64()
	for i := range 8 {
		raw[i] = byte(a >> (8 * i))
		raw[8+i] = byte(b >> (8 * i))
	}
	raw[6] = raw[6]&0x0f | 0x40
	raw[8] = raw[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], raw[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], raw[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], raw[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], raw[8:10])
	out[23] = '-'
	hex.Encode(out[24:36], raw[10:16])
	return string(out[:])
}

// numbered returns list[i], or a numbered variant once the list runs out.
func numbered(list []string, i int) string {
	if i < len(list) {
		return list[i]
	}
	return fmt.Sprintf("%s %d", list[i%len(list)], i/len(list)+1)
}

// cumulative builds a cumulative Zipf-like weight table (index 0 is the most
// popular), so a few roles and orgs hold most memberships and some none.
func cumulative(n int, exponent float64) []float64 {
	c := make([]float64, n)
	sum := 0.0
	for i := range n {
		sum += 1 / math.Pow(float64(i+1), exponent)
		c[i] = sum
	}
	return c
}

func pick(r *rand.Rand, cum []float64) int {
	x := r.Float64() * cum[len(cum)-1]
	lo, hi := 0, len(cum)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if cum[mid] < x {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// membershipCount draws how many groups a user holds: ~2% none, most 1–4, a
// long tail of power users; the mean is about 3.
func membershipCount(r *rand.Rand) int {
	x := r.Float64()
	switch {
	case x < 0.02:
		return 0
	case x < 0.30:
		return 1
	case x < 0.56:
		return 2
	case x < 0.75:
		return 3
	case x < 0.87:
		return 4
	case x < 0.97:
		return 5 + r.IntN(3)
	case x < 0.995:
		return 8 + r.IntN(9)
	default:
		return 20 + r.IntN(31)
	}
}

func randomTime(r *rand.Rand, from, to time.Time) time.Time {
	span := to.Sub(from) / time.Millisecond
	if span <= 0 {
		return from
	}
	// Millisecond resolution, as OneTrust's timestamps.
	return from.Add(time.Duration(r.Int64N(int64(span))) * time.Millisecond)
}

// generate fills s with roles, orgs, all role x org groups and cfg.Users users.
func generate(s *Server, cfg Config) {
	seed := uint64(cfg.Seed)
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	s.rng = r
	s.clock = generationTime
	tenantStart := generationTime.AddDate(-4, 0, 0)

	s.roles = make([]Role, cfg.Roles)
	for i := range s.roles {
		s.roles[i] = Role{ID: newUUID(r), Name: numbered(roleNames, i)}
	}
	s.orgs = make([]Org, cfg.Orgs)
	for i := range s.orgs {
		s.orgs[i] = Org{ID: newUUID(r), Name: numbered(orgNames, i)}
	}

	s.groups = make([]*groupRec, 0, cfg.Roles*cfg.Orgs)
	for ri := range s.roles {
		for oi := range s.orgs {
			role, org := &s.roles[ri], &s.orgs[oi]
			created := randomTime(r, tenantStart, generationTime.AddDate(0, -1, 0))
			g := &groupRec{
				id:            role.ID + ":" + org.ID,
				role:          role,
				org:           org,
				displayName:   role.Name + " - " + org.Name,
				category:      org.Name,
				description:   role.Name + " has access to this " + org.Name,
				created:       formatTime(created),
				modified:      formatTime(randomTime(r, created, generationTime)),
				shortLocation: r.IntN(5) == 0,
				members:       map[*userRec]struct{}{},
			}
			// As in the documents, a few categories name another organization.
			if len(s.orgs) > 1 && r.IntN(40) == 0 {
				g.category = s.orgs[(oi+1+r.IntN(len(s.orgs)-1))%len(s.orgs)].Name
			}
			s.groups = append(s.groups, g)
			s.groupIdx[g.id] = g
		}
	}
	// Guarantee at least one mismatched category whenever there can be one.
	if len(s.orgs) > 1 {
		g := s.groups[len(s.groups)-1]
		if g.category == g.org.Name {
			g.category = s.orgs[0].Name
		}
	}

	generateUsers(s, r, cfg.Users, tenantStart)
	generateAccess(s, cfg)
}

func generateUsers(s *Server, r *rand.Rand, n int, tenantStart time.Time) {
	if n <= 0 {
		return
	}
	s.users = make([]*userRec, 0, n)
	roleCum := cumulative(len(s.roles), 1.0)
	orgCum := cumulative(len(s.orgs), 0.75)
	taken := make(map[string]int, n) // email → how many users wanted it
	// Managers come from the first few percent of users, as a hierarchy would.
	managerPool := max(1, n/25)

	for i := range n {
		first := firstNames[r.IntN(len(firstNames))]
		last := lastNames[r.IntN(len(lastNames))]
		userType, domain := "Internal", "acme.com"
		if r.IntN(100) < 15 {
			userType, domain = "External", externalDomains[r.IntN(len(externalDomains))]
		} else if r.IntN(10) == 0 {
			domain = internalDomains[r.IntN(len(internalDomains))]
		}
		local := emailPart(first, false) + "." + emailPart(last, r.IntN(2) == 0)
		email := local + "@" + domain
		if k := taken[email]; k > 0 {
			taken[email] = k + 1
			cand := local + strconv.Itoa(k+1)
			for taken[cand+"@"+domain] > 0 { // "john.smith2" may itself be taken
				cand += "x"
			}
			email = cand + "@" + domain
		}
		taken[email]++

		created := randomTime(r, tenantStart, generationTime.AddDate(0, 0, -1))
		u := client.User{
			ID:          newUUID(r),
			UserName:    email,
			Name:        client.Name{GivenName: first, FamilyName: last},
			DisplayName: first + " " + last,
			UserType:    userType,
			Active:      r.IntN(100) >= 8,
			Emails:      []client.MultiValue{{Value: email, Display: email, Primary: true, Type: "work"}},
			Meta:        client.Meta{Created: formatTime(created)},
		}
		// OneTrust sometimes sends lastModified: null for never-edited users.
		if r.IntN(100) != 0 {
			u.Meta.LastModified = formatTime(randomTime(r, created, generationTime))
		}
		if r.IntN(10) < 7 {
			u.ExternalID = fmt.Sprintf("E%06d", 100000+i)
		}
		if r.IntN(5) != 0 { // some tenants leave the extension empty
			ent := &client.EnterpriseUser{
				Department: departments[r.IntN(len(departments))],
				JobTitle:   jobTitles[r.IntN(len(jobTitles))],
			}
			if r.IntN(3) == 0 {
				ent.OfficeLocation = offices[r.IntN(len(offices))]
			}
			if r.IntN(4) == 0 {
				ent.EmployeeID = strconv.Itoa(20000 + i)
			}
			if i > 0 && r.IntN(10) < 6 {
				m := s.users[r.IntN(min(i, managerPool))]
				ent.Manager = &client.Manager{Value: m.u.ID, DisplayName: m.u.DisplayName}
			}
			u.Enterprise = ent
		}
		if r.IntN(20) == 0 {
			u.Title = jobTitles[r.IntN(len(jobTitles))]
		}

		rec := &userRec{u: u, shortLocation: r.IntN(10) == 0}
		s.insertUser(rec)

		k := min(membershipCount(r), len(s.groups))
		if k == 0 {
			continue
		}
		home := pick(r, orgCum)
		for tries := 0; len(rec.groups) < k && tries < 4*k+8; tries++ {
			org := home
			if r.IntN(4) == 0 {
				org = pick(r, orgCum)
			}
			link(rec, s.groups[pick(r, roleCum)*len(s.orgs)+org])
		}
	}
}
