package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/otaccess/otaccess/client/scimtest"
)

// fakeServerOptions are fake-server's flags.
type fakeServerOptions struct {
	*app
	listen        string
	users         int
	roles, orgs   int
	orgLevels     int
	token         string
	seed          int64
	latency       time.Duration
	pageCap       int
	groupPageCap  int
	ratePerMinute int
	ratePerHour   int
	faults        string
	clientID      string
	clientSecret  string
	clientOrg     string
	scopes        string
	tokenLifetime time.Duration
}

func newCmdFakeServer(a *app, runF func(context.Context, *fakeServerOptions) error) *cobra.Command {
	f := &fakeServerOptions{app: a}
	cmd := &cobra.Command{
		Use:   "fake-server",
		Short: "Serve a fake OneTrust SCIM tenant on loopback (for trying otaccess and for tests)",
		Long: `Serve a deterministic fake OneTrust tenant: users, roles x organizations as
groups "roleId:orgId" named "Role - Org", paged lists, SCIM filters on users,
PATCH members add/remove, and the documented quirks. Prints its base URL.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), f)
			}
			return fakeServerRun(cmd.Context(), f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.listen, "listen", "127.0.0.1:8089", "loopback address to listen on (port 0 picks one)")
	fl.IntVar(&f.users, "users", 1000, "number of users")
	fl.IntVar(&f.roles, "roles", 20, "number of roles")
	fl.IntVar(&f.orgs, "orgs", 5, "number of organizations")
	fl.IntVar(&f.orgLevels, "org-levels", 3, "levels of the organization tree (GET /api/access/v1/external/organizations) the orgs are spread over")
	fl.StringVar(&f.token, "token", "", "API key the server accepts as a bearer token (this or --client-id is required)")
	fl.StringVar(&f.clientID, "client-id", "", "OAuth client id the token endpoint /api/access/v1/oauth/token accepts")
	// A test fixture: the fake's own secret, on its command line. otaccess
	// itself reads a client secret only from the environment, a file or a
	// command, never from a flag that ps would show.
	fl.StringVar(&f.clientSecret, "client-secret", "", "OAuth client secret the token endpoint accepts (a fixture for tests: visible in ps)")
	fl.StringVar(&f.clientOrg, "client-org", "", "organization (name) the OAuth credential lives in; default the root (a child org's credential sees only its subtree)")
	fl.StringVar(&f.scopes, "scopes", "SCIM,USER,ORGANIZATION", "API scopes every credential has; a missing scope makes its API family answer 403")
	fl.DurationVar(&f.tokenLifetime, "token-lifetime", time.Hour, "how long an issued access token lasts (expires_in)")
	fl.Int64Var(&f.seed, "seed", 1, "generator seed: the same seed gives the same tenant")
	fl.DurationVar(&f.latency, "latency", 0, "injected latency per request, e.g. 20ms")
	fl.IntVar(&f.pageCap, "page-cap", 0, "max users per page (default 1000)")
	fl.IntVar(&f.groupPageCap, "group-page-cap", 0, "max groups per page (default 25, as OneTrust)")
	fl.StringVar(&f.faults, "faults", "", `inject faults, e.g. "429:3,retry-after=1;500:2;drop:1,method=PATCH" (see scimtest.ParseFaults)`)
	fl.IntVar(&f.ratePerMinute, "rate-limit", scimtest.OneTrustPerMinute, "requests per minute per endpoint before 429, with OneTrust's 200,000 an hour per account (0 turns both off)")
	return cmd
}

// fakeServerRun serves until ctx ends (ctrl+c), printing the base URL
// first so that a script can read it.
func fakeServerRun(ctx context.Context, f *fakeServerOptions) error {
	faults, err := scimtest.ParseFaults(f.faults)
	if err != nil {
		return fmt.Errorf("--faults: %w", err)
	}
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return fmt.Errorf("--listen %s: %w", f.listen, err)
	}
	limitsOff := f.ratePerMinute == 0
	if limitsOff {
		f.ratePerMinute, f.ratePerHour = -1, -1 // scimtest's "none"
	}
	srv := scimtest.NewServer(scimtest.Config{
		Users: f.users, Roles: f.roles, Orgs: f.orgs, OrgLevels: f.orgLevels, Seed: f.seed, Token: f.token,
		Latency: f.latency, UserPageCap: f.pageCap, GroupPageCap: f.groupPageCap,
		RateLimitPerMinute: f.ratePerMinute, RateLimitPerHour: f.ratePerHour,
		ClientID: f.clientID, ClientSecret: f.clientSecret, ClientOrg: f.clientOrg,
		Scopes: scopeList(f.scopes), TokenLifetime: f.tokenLifetime,
	})
	if f.clientOrg != "" && !strings.EqualFold(srv.CredentialOrg().Name, f.clientOrg) {
		ln.Close()
		return fmt.Errorf("--client-org %q: the tenant has no such organization (its root is %q)", f.clientOrg, srv.RootOrg().Name)
	}
	limits := fmt.Sprintf("OneTrust's limits enforced (%d requests a minute per endpoint, %d an hour)", srv.Config().RateLimitPerMinute, srv.Config().RateLimitPerHour)
	if limitsOff {
		limits = "no rate limits"
	}
	for _, flt := range faults {
		srv.InjectFault(flt)
	}
	base := "http://" + ln.Addr().String() + srv.BasePath()
	srv.SetPublicURL("http://" + ln.Addr().String())
	fmt.Fprintln(f.io.Out, base)
	var creds []string
	if f.token != "" {
		creds = append(creds, fmt.Sprintf("token %q", f.token))
	}
	if f.clientID != "" {
		// The secret is the caller's own fixture; it is not echoed.
		creds = append(creds, fmt.Sprintf("OAuth client %q in org %q (tokens last %s)", f.clientID, srv.CredentialOrg().Name, f.tokenLifetime))
	}
	fmt.Fprintf(f.io.ErrOut, "fake OneTrust tenant: %d users, %d roles x %d orgs; %s; %s; scopes %s; ctrl+c to stop\n",
		f.users, f.roles, f.orgs, limits, strings.Join(creds, ", "), strings.Join(scopeList(f.scopes), ","))
	return serveUntilDone(ctx, ln, srv)
}

func (f *fakeServerOptions) validate() error {
	host, _, err := net.SplitHostPort(f.listen)
	if err != nil {
		return fmt.Errorf("--listen %q: want HOST:PORT, e.g. 127.0.0.1:8089", f.listen)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("--listen %q: the fake server only listens on loopback", f.listen)
	}
	for _, sc := range scopeList(f.scopes) {
		if sc != scimtest.ScopeSCIM && sc != scimtest.ScopeUser && sc != scimtest.ScopeOrganization {
			return fmt.Errorf("--scopes: unknown scope %q (known: SCIM, USER, ORGANIZATION)", sc)
		}
	}
	switch {
	case f.token == "" && f.clientID == "":
		return errors.New("--token or --client-id is required: the fake server checks bearer auth like the real one")
	case f.clientID != "" && f.clientSecret == "":
		return errors.New("--client-id needs --client-secret")
	case f.tokenLifetime < time.Second:
		return errors.New("--token-lifetime must be at least 1s")
	case f.users < 0 || f.users > 1_000_000:
		return errors.New("--users must be between 0 and 1,000,000")
	case f.roles < 1 || f.roles > 500 || f.orgs < 1 || f.orgs > 500:
		return errors.New("--roles and --orgs must be between 1 and 500")
	case f.orgLevels < 1 || f.orgLevels > 20:
		return errors.New("--org-levels must be between 1 and 20")
	case f.latency < 0 || f.latency > time.Minute:
		return errors.New("--latency must be between 0 and 1m")
	case f.pageCap < 0 || f.groupPageCap < 0 || f.ratePerMinute < 0:
		return errors.New("--page-cap, --group-page-cap and --rate-limit must not be negative")
	}
	return nil
}

// scopeList splits "SCIM,USER" into upper-case scopes; an empty list is
// no scope at all (every API answers 403), not all of them.
func scopeList(s string) []string {
	out := []string{}
	for _, sc := range strings.Split(s, ",") {
		if sc = strings.ToUpper(strings.TrimSpace(sc)); sc != "" {
			out = append(out, sc)
		}
	}
	return out
}

// serveUntilDone serves until ctx ends, then shuts down: gracefully for
// up to 2 s, then closing what is left.
func serveUntilDone(ctx context.Context, ln net.Listener, h http.Handler) error {
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := hs.Shutdown(sctx); !errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		// Still busy after the grace: a client's spare connection that
		// never sent a request counts as busy for 5 s. Stopping is what
		// was asked for, so cut what is left.
		return hs.Close()
	}
}
