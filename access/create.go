package access

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/tenant"
)

// NewUser is a user to create. Email is also the userName, as OneTrust
// has it. Manager is a user id ("" none).
type NewUser struct {
	Email, Given, Family string
	UserType             string // Internal (default) or External
	ExternalID           string
	Title, Department    string
	Manager              string
	ManagerLabel         string // who Manager is, for the plan
}

// CreatePlan is create's plan: POST /Users, then the grants, then the
// activation when asked.
type CreatePlan struct {
	User     NewUser
	Grants   []Change // UserID is filled in once the user exists
	Activate bool
}

// Validate checks the new user as the forms and the CLI do before sending:
// the email's shape, the names, the userType, a userName already taken in
// snap (the tenant would answer 409).
func (p *CreatePlan) Validate(snap *tenant.Snapshot) error {
	u := &p.User
	u.Email, u.Given, u.Family = strings.TrimSpace(u.Email), strings.TrimSpace(u.Given), strings.TrimSpace(u.Family)
	u.UserType = NormalUserType(strings.TrimSpace(u.UserType))
	if u.UserType == "" {
		u.UserType = "Internal"
	}
	if err := ValidEmail(u.Email); err != nil {
		return err
	}
	for f, v := range map[Field]string{FieldGiven: u.Given, FieldFamily: u.Family, FieldUserType: u.UserType,
		FieldExternalID: u.ExternalID, FieldTitle: u.Title, FieldDepartment: u.Department} {
		if err := ValidField(f, v); err != nil {
			return err
		}
	}
	if snap != nil {
		if i, taken := UserNameTaken(snap, u.Email); taken {
			return fmt.Errorf("%w: %s (id %s) already has userName or email %q", ErrUserNameTaken, snap.Users[i].Name(), snap.Users[i].ID, u.Email)
		}
	}
	return nil
}

// ErrUserNameTaken is a create refused because the userName exists, in the
// snapshot or on the server (409).
var ErrUserNameTaken = errors.New("that userName is taken")

// Steps lists the plan in words.
func (p CreatePlan) Steps() []string {
	out := []string{fmt.Sprintf("create %s (POST /Users, %s; inactive, with the default role and org)", p.User.Email, p.User.UserType)}
	for _, c := range p.Grants {
		out = append(out, "grant "+c.Group)
	}
	if p.Activate {
		out = append(out, "activate the user (active: true)")
	}
	return out
}

func (u NewUser) wire() *client.User {
	w := &client.User{
		UserName:   u.Email,
		Name:       client.Name{GivenName: u.Given, FamilyName: u.Family},
		UserType:   u.UserType,
		ExternalID: u.ExternalID,
		Title:      u.Title,
		Emails:     []client.MultiValue{{Value: u.Email, Type: "work", Primary: true}},
	}
	if u.Department != "" || u.Manager != "" {
		w.Enterprise = &client.EnterpriseUser{Department: u.Department}
		if u.Manager != "" {
			w.Enterprise.Manager = &client.Manager{Value: u.Manager}
		}
	}
	return w
}

// CreateResult is what create did: the user as created (with the default
// memberships OneTrust gave it), each step, and the user re-read after.
type CreateResult struct {
	Created  *tenant.ReadUser // as POST answered; nil when it failed
	Defaults []string         // memberships the tenant gave the new user
	StepsResult
}

// Create POSTs the user (one audit row; the user is put in the cache with
// what the answer says), reports the default memberships OneTrust gave it
// as the first step, then runs the grants and the activation as steps like
// a deprovisioning's, and re-reads the user. A POST is never resent: a
// lost answer may have created the user (search before retrying).
func (s *Service) Create(ctx context.Context, p CreatePlan, report func(StepResult)) CreateResult {
	var res CreateResult
	if s.Client == nil {
		res.Steps = []StepResult{{Name: "connect", Err: ErrOffline}}
		return res
	}
	name := "create " + p.User.Email
	mark, err := s.store.Mark(ctx)
	var wire *client.User
	if err == nil {
		wire, err = s.Client.CreateUser(ctx, p.User.wire())
	}
	var ce *client.Error
	if errors.As(err, &ce) && ce.Status == http.StatusConflict {
		err = fmt.Errorf("%w: the tenant already has a user with userName %q (409); nothing was created", ErrUserNameTaken, p.User.Email)
	}
	detail := "POST /Users userName=" + p.User.Email
	if wire != nil {
		detail += " id=" + wire.ID
	}
	if aerr := s.audit(ctx, "create", p.User.Email, detail, err); aerr != nil && err == nil {
		err = fmt.Errorf("created on the server, but %w", aerr)
	}
	if wire == nil {
		res.Steps = []StepResult{{Name: name, Err: err}}
		if report != nil {
			report(res.Steps[0])
		}
		return res
	}
	u := readUser(wire)
	res.Created = &u
	for _, g := range u.Groups {
		label := g.Name // as the tenant names it: "Role - Org"
		if label == "" {
			label = g.ID
		}
		res.Defaults = append(res.Defaults, label)
	}
	if perr := s.store.PutUser(ctx, u, mark); perr != nil && err == nil {
		err = fmt.Errorf("created on the server, but the cache was not updated (run sync): %w", perr)
	}
	first := StepResult{Name: name, Err: err}
	if len(res.Defaults) > 0 {
		first.Name += " (default: " + strings.Join(res.Defaults, ", ") + ")"
	} else {
		first.Name += " (the tenant gave no default role)"
	}
	var steps []step
	for _, ch := range p.Grants {
		ch.UserID, ch.UserLabel = u.ID, u.Label()
		if u.HasGroup(ch.GroupID) { // the default role: nothing to send
			steps = append(steps, step{name: "grant " + ch.Group + " (held already: the default)", do: func(context.Context) error { return nil }})
			continue
		}
		steps = append(steps, s.grantStep(ch))
	}
	if p.Activate {
		steps = append(steps, step{name: "activate the user", do: func(ctx context.Context) error {
			_, err := s.activate(ctx, u.ID, u.Label(), "")
			return err
		}})
	}
	if report != nil {
		report(first)
	}
	rest := s.runSteps(ctx, u.ID, u.Label(), steps, func(r StepResult) {
		r.Index++
		if report != nil {
			report(r)
		}
	})
	for i := range rest.Steps {
		rest.Steps[i].Index++
	}
	res.StepsResult = rest
	res.Steps = append([]StepResult{first}, rest.Steps...)
	return res
}
