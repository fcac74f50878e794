package config

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// checkCredentials: a profile uses an API key or client credentials, and
// client credentials take an id and one place for the secret.
func (p Profile) checkCredentials() error {
	token := p.TokenCommand != "" || p.TokenFile != ""
	secret := p.ClientSecretCommand != "" || p.ClientSecretFile != ""
	switch {
	case p.ClientSecretCommand != "" && p.ClientSecretFile != "":
		return errors.New("sets both client_secret_command and client_secret_file; keep one")
	case token && (p.ClientID != "" || secret):
		return errors.New("sets both an API token (token_command/token_file) and OAuth client credentials (client_id); keep one")
	case p.ClientID != "" && !secret:
		return errors.New("client_id needs client_secret_command or client_secret_file (the secret never goes in the config file)")
	case p.ClientID == "" && secret:
		return errors.New("client_secret_command/client_secret_file need client_id")
	}
	return nil
}

// resolveClient picks the OAuth client credentials. The environment's
// OTACCESS_CLIENT_ID and OTACCESS_CLIENT_SECRET go together; an API key
// given in the environment or by flag is another credential, and both at
// once is an error rather than a silent choice.
func (s *Settings) resolveClient(fl Flags, p Profile, getenv func(string) string) error {
	envID, envSecret := strings.TrimSpace(getenv(EnvClientID)), getenv(EnvClientSecret) != ""
	switch {
	case envID != "" && !envSecret && p.ClientID == "":
		return errors.New(EnvClientID + " is set but " + EnvClientSecret + " is not: set both, or neither to use an API key")
	case envID == "" && envSecret && p.ClientID == "":
		return errors.New(EnvClientSecret + " is set but " + EnvClientID + " is not: set both, or neither to use an API key")
	}
	apiKey := s.tokenFromEnv || fl.TokenFile != ""
	switch {
	case envID != "" || envSecret:
		if apiKey {
			return errors.New("both an API key (" + EnvToken + " or --token-file) and OAuth client credentials (" + EnvClientID + ") are given; unset one")
		}
		// The environment's credential wins over the profile's.
		s.tokenFile, s.tokenCommand = "", ""
		s.clientID, s.secretFromEnv = first(envID, p.ClientID), envSecret
		if !envSecret {
			s.clientSecretFile, s.clientSecretCommand = p.ClientSecretFile, p.ClientSecretCommand
		}
	case p.ClientID != "" && !apiKey:
		s.clientID, s.clientSecretFile, s.clientSecretCommand = p.ClientID, p.ClientSecretFile, p.ClientSecretCommand
	}
	var err error
	s.clientSecretFile, err = expandHome(s.clientSecretFile, getenv)
	return err
}

// HasClientCredentials reports whether OAuth client credentials are
// configured (without reading the secret).
func (s Settings) HasClientCredentials() bool { return s.clientID != "" }

// ClientID is the configured OAuth client id ("" for none). It is not a
// secret: messages name it.
func (s Settings) ClientID() string { return s.clientID }

// ClientSecret reads the OAuth client secret: OTACCESS_CLIENT_SECRET, else
// the profile's client_secret_file, else its client_secret_command. Errors
// never include the secret or the command's output.
func (s Settings) ClientSecret(ctx context.Context) (string, error) {
	switch {
	case s.clientID == "":
		return "", nil
	case s.secretFromEnv:
		sec := strings.TrimSpace(s.getenv(EnvClientSecret))
		if sec == "" {
			return "", errors.New(EnvClientSecret + " is set but blank: set it to the client secret")
		}
		return sec, nil
	case s.clientSecretFile != "":
		return readSecretFile(s.clientSecretFile, "client secret file")
	case s.clientSecretCommand != "":
		return runSecretCommand(ctx, s.clientSecretCommand, "client_secret_command")
	}
	return "", errors.New("no client secret for client id " + s.clientID + ": set " + EnvClientSecret + ", or give the profile a client_secret_command or client_secret_file")
}

func readSecretFile(path, what string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", what, err)
	}
	sec := strings.TrimSpace(string(data))
	if sec == "" {
		return "", fmt.Errorf("%s %s is empty", what, path)
	}
	return sec, nil
}

// runSecretCommand runs a password manager's command; its output is the
// secret, so none of it goes into an error.
func runSecretCommand(ctx context.Context, command, what string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", command)
	cmd.Stderr = os.Stderr // a password manager may prompt
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s failed: %v", what, err)
	}
	sec := strings.TrimSpace(string(out))
	if sec == "" {
		return "", errors.New(what + " printed nothing")
	}
	return sec, nil
}
