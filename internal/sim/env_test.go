package sim

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteEnv(t *testing.T) {
	srv := startTestServer(t)
	dir := filepath.Join(t.TempDir(), "state")
	settings, err := srv.WriteEnv("--state-dir "+dir, dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, kv := range settings {
		names = append(names, kv[0])
	}
	if got := strings.Join(names, " "); got != "DFNS_API_URL DFNS_AUTH_TOKEN DFNS_CRED_ID DFNS_PRIVATE_KEY" {
		t.Fatalf("settings %s", got)
	}
	if settings[0][1] != srv.URL() || settings[1][1] != srv.Token() || settings[2][1] != srv.CredentialID() {
		t.Errorf("settings %q do not name the server", settings[:3])
	}
	pem := settings[3][1]
	if !filepath.IsAbs(pem) || pem != filepath.Join(dir, "credential.pem") {
		t.Errorf("DFNS_PRIVATE_KEY=%s, want the absolute path of credential.pem in %s", pem, dir)
	}
	b, err := os.ReadFile(pem)
	if err != nil || string(b) != string(srv.CredentialPEM()) {
		t.Fatalf("credential.pem does not hold the credential (err %v)", err)
	}
	for path, want := range map[string]os.FileMode{dir: 0o700, pem: 0o600} {
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v (err %v), want %04o", path, fi.Mode().Perm(), err, want)
		}
	}
}

func TestWriteEnvRefusesALinkOrASharedDir(t *testing.T) {
	srv := startTestServer(t)
	base := t.TempDir()
	private := filepath.Join(base, "private")
	if err := os.Mkdir(private, 0o700); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(base, "link")
	if err := os.Symlink(private, link); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.WriteEnv("--state-dir link", link); err == nil || !strings.Contains(err.Error(), "--state-dir link is a symbolic link") {
		t.Errorf("a link: err %v", err)
	}
	shared := filepath.Join(base, "shared")
	if err := os.Mkdir(shared, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(shared, 0o777); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.WriteEnv("--state-dir shared", shared); err == nil || !strings.Contains(err.Error(), "can be written by group or others") {
		t.Errorf("a shared directory: err %v", err)
	}
	for _, d := range []string{private, shared} {
		if _, err := os.Stat(filepath.Join(d, "credential.pem")); !os.IsNotExist(err) {
			t.Errorf("%s/credential.pem written (stat err %v)", d, err)
		}
	}
}

func startTestServer(t *testing.T) *Server {
	t.Helper()
	srv, err := StartServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}
