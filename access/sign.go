package access

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hiddeco/sshsig"
	"golang.org/x/crypto/ssh"

	"github.com/otaccess/otaccess/textsafe"
)

// ErrKeyEncrypted: the signing key needs its passphrase.
var ErrKeyEncrypted = errors.New("the key is protected by a passphrase: run at a terminal to type it, or use a key without one")

// ParseSigningKey reads an OpenSSH (or PEM) private key. passphrase is
// called only for an encrypted key (nil: ErrKeyEncrypted).
func ParseSigningKey(pemBytes []byte, passphrase func() ([]byte, error)) (ssh.Signer, error) {
	signer, err := ssh.ParsePrivateKey(pemBytes)
	var missing *ssh.PassphraseMissingError
	if errors.As(err, &missing) {
		if passphrase == nil {
			return nil, ErrKeyEncrypted
		}
		pw, perr := passphrase()
		if perr != nil {
			return nil, perr
		}
		signer, err = ssh.ParsePrivateKeyWithPassphrase(pemBytes, pw)
	}
	if err != nil {
		return nil, fmt.Errorf("not a usable SSH private key: %w", err)
	}
	return signer, nil
}

// SignManifest signs manifest with signer in the evidence namespace and
// returns the armored signature, as `ssh-keygen -Y sign -n
// otaccess-evidence` writes it (SHA-512, the ssh-keygen default).
func SignManifest(manifest []byte, signer ssh.Signer) ([]byte, error) {
	sig, err := sshsig.Sign(bytes.NewReader(manifest), signer, sshsig.HashSHA512, EvidenceNamespace)
	if err != nil {
		return nil, fmt.Errorf("signing the manifest: %w", err)
	}
	return sshsig.Armor(sig), nil
}

// allowedSigner is one line of an ssh-keygen allowed_signers file.
type allowedSigner struct {
	principals string
	key        ssh.PublicKey
	namespaces []string // nil: any
}

// parseAllowedSigners reads ssh-keygen's allowed_signers format:
// "PRINCIPALS [OPTIONS] KEYTYPE BASE64 [COMMENT]" per line, # comments.
// Certificate authorities (cert-authority) are not supported and are
// skipped, as are lines that do not parse; the namespaces="…" option is
// kept.
func parseAllowedSigners(data []byte) ([]allowedSigner, error) {
	var out []allowedSigner
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		principals, rest, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		key, _, options, _, err := ssh.ParseAuthorizedKey([]byte(strings.TrimSpace(rest)))
		if err != nil {
			continue
		}
		s := allowedSigner{principals: principals, key: key}
		ca := false
		for _, o := range options {
			name, val, _ := strings.Cut(o, "=")
			switch strings.ToLower(name) {
			case "cert-authority":
				ca = true
			case "namespaces":
				s.namespaces = strings.Split(strings.Trim(val, `"`), ",")
			}
		}
		if !ca {
			out = append(out, s)
		}
	}
	return out, sc.Err()
}

// VerifyManifestSignature checks the armored signature sig of manifest
// against the allowed signers: the signing key must be listed (for the
// evidence namespace), the namespace must be EvidenceNamespace and the
// signature must hold. It returns who signed ("principals (SHA256:…)").
func VerifyManifestSignature(manifest, sig, allowedSigners []byte) (string, error) {
	s, err := sshsig.Unarmor(sig)
	if err != nil {
		return "", fmt.Errorf("%s is not an SSH signature: %v", SignatureName, err)
	}
	if s.Namespace != EvidenceNamespace {
		return "", fmt.Errorf("the signature is for namespace %q, not %q", textsafe.Line(s.Namespace), EvidenceNamespace)
	}
	signers, err := parseAllowedSigners(allowedSigners)
	if err != nil {
		return "", fmt.Errorf("allowed signers: %w", err)
	}
	fp := ssh.FingerprintSHA256(s.PublicKey)
	want := s.PublicKey.Marshal()
	for _, a := range signers {
		if !bytes.Equal(a.key.Marshal(), want) || (a.namespaces != nil && !slices.Contains(a.namespaces, EvidenceNamespace)) {
			continue
		}
		if err := sshsig.Verify(bytes.NewReader(manifest), s, s.PublicKey, s.HashAlgorithm, EvidenceNamespace); err != nil {
			return "", fmt.Errorf("the signature by %s (%s) does not match %s: it was changed after signing, or the signature is of another manifest", textsafe.Line(a.principals), fp, ManifestName)
		}
		return textsafe.Line(a.principals) + " (" + fp + ")", nil
	}
	return "", fmt.Errorf("signed by a key that is not in the allowed signers (%s %s): refused", s.PublicKey.Type(), fp)
}
