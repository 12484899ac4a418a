package config

import (
	"strings"
	"testing"
	"time"
)

func TestSecretScanningValidation(t *testing.T) {
	if err := defaultSecretScanning().validate(); err != nil {
		t.Fatalf("default: %v", err)
	}
	for _, c := range []struct {
		name string
		edit func(*SecretScanning)
		says string
	}{
		{"plain http keys", func(s *SecretScanning) { s.Scanners[0].KeysURL = "http://keys.example/x" }, "keys_url"},
		{"loopback http keys is fine", func(s *SecretScanning) { s.Scanners[0].KeysURL = "http://127.0.0.1:8080/x" }, ""},
		{"bad name", func(s *SecretScanning) { s.Scanners[0].Name = "Git Hub" }, "name"},
		{"twice", func(s *SecretScanning) { s.Scanners = append(s.Scanners, s.Scanners[0]) }, "two scanners"},
		{"window", func(s *SecretScanning) { s.ReplayWindow.Duration = time.Second }, "replay_window"},
		{"foreign", func(s *SecretScanning) { s.UploadForeignTokens = "ignore" }, "upload_foreign_tokens"},
	} {
		s := defaultSecretScanning()
		c.edit(&s)
		err := s.validate()
		if c.says == "" && err != nil || c.says != "" && (err == nil || !strings.Contains(err.Error(), c.says)) {
			t.Errorf("%s: %v, want one naming %q", c.name, err, c.says)
		}
	}
}
