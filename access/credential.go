package access

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/textsafe"
)

// Credential is what otaccess knows about the credential it connects with.
// With an API key little is known: OneTrust says nothing about a key's
// scopes or organization until a request is refused.
type Credential struct {
	// ClientID is set for OAuth client credentials, "" for an API key.
	ClientID string
	Scopes   []string // from the token's ot_scopes; nil for an API key
	// OrgID is the organization the credential lives in (orgGroupGuid,
	// else orgGroupId); OrgName its name when the tree was readable.
	OrgID, OrgName string
	// SubOrg: the credential lives below the root, so it sees only that
	// organization's subtree. OrgKnown says whether that could be told
	// (it takes the ORGANIZATION scope to read the tree).
	SubOrg, OrgKnown bool
	TenantGUID       string
}

// OAuth reports whether the credential is OAuth client credentials.
func (c Credential) OAuth() bool { return c.ClientID != "" }

// Describe is one line for sync's output: "OAuth client abc, scopes
// ORGANIZATION,SCIM,USER" and, below the root, the organization it is
// limited to.
func (c Credential) Describe() string {
	if !c.OAuth() {
		return "API key"
	}
	s := "OAuth client " + textsafe.Line(c.ClientID) + ", scopes "
	if len(c.Scopes) == 0 {
		s += "none"
	} else {
		s += textsafe.Line(strings.Join(c.Scopes, ","))
	}
	if n := c.SubOrgNote(); n != "" {
		s += "; " + n
	}
	return s
}

// SubOrgNote says the credential sees one organization's subtree only, ""
// when it lives in the root organization or that cannot be told.
func (c Credential) SubOrgNote() string {
	if !c.SubOrg {
		return ""
	}
	return "credential of organization " + c.orgLabel() + ": it sees only that organization and its sub-organizations, not the whole tenant"
}

// TitleNote is the short form for a title bar: "sub-org Legal only".
func (c Credential) TitleNote() string {
	if !c.SubOrg {
		return ""
	}
	return "sub-org " + c.orgLabel() + " only"
}

func (c Credential) orgLabel() string {
	if c.OrgName != "" {
		return textsafe.Line(c.OrgName)
	}
	return textsafe.Line(c.OrgID)
}

// UsesClientCredentials reports whether the service connects with OAuth
// client credentials (whose token tells its scopes and organization).
func (s *Service) UsesClientCredentials() bool {
	return s.Client != nil && s.Client.UsesClientCredentials()
}

// credCache remembers a Service's credential once read.
type credCache struct {
	mu   sync.Mutex
	cred *Credential
}

// Credential authenticates (fetching an access token for OAuth client
// credentials) and says which scopes the token carries and, when the
// ORGANIZATION scope lets the tree be read, whether the credential lives
// below the root organization. It is read once per Service.
func (s *Service) Credential(ctx context.Context) (Credential, error) {
	if s.Client == nil {
		return Credential{}, ErrOffline
	}
	s.creds.mu.Lock()
	defer s.creds.mu.Unlock()
	if s.creds.cred != nil {
		return *s.creds.cred, nil
	}
	info, oauth, err := s.Client.Authenticate(ctx)
	if err != nil {
		return Credential{}, err
	}
	cred := Credential{}
	if oauth {
		cred = Credential{ClientID: info.ClientID, Scopes: info.Scopes, OrgID: info.OrgGroupGUID, TenantGUID: info.TenantGUID}
		if cred.OrgID == "" {
			cred.OrgID = info.OrgGroupID
		}
		if info.HasScope(client.ScopeOrganization) {
			top, err := s.Client.Organizations(ctx)
			if err != nil {
				return Credential{}, fmt.Errorf("reading the organization tree to see where the credential lives: %w", err)
			}
			cred.OrgKnown = true
			// The tree read through a child org's credential is its
			// subtree: its top node has a parent. A token naming an org
			// other than the tree's top is below it as well.
			cred.SubOrg = top.ParentOrganizationID != "" || top.ParentExternalID != "" ||
				(info.OrgGroupGUID != "" && top.OrganizationID != "" && !strings.EqualFold(info.OrgGroupGUID, top.OrganizationID))
			if info.OrgGroupGUID == "" || strings.EqualFold(info.OrgGroupGUID, top.OrganizationID) {
				cred.OrgName = top.Name
			}
		}
	}
	s.creds.cred = &cred
	return cred, nil
}
