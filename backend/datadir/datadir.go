// Package datadir decides where Doppel keeps its data: the --data-dir flag,
// else $DOPPEL_HOME, else the OS user data dir.
package datadir

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// EnvVar names the environment variable that overrides the default.
const EnvVar = "DOPPEL_HOME"

// Resolve returns the data dir to use given the --data-dir flag value.
func Resolve(flag string) (string, error) {
	if flag != "" {
		return filepath.Abs(flag)
	}
	if v := os.Getenv(EnvVar); v != "" {
		return filepath.Abs(v)
	}
	return Default()
}

// Default is the per-user data dir of the OS:
// Linux $XDG_DATA_HOME/doppel (~/.local/share/doppel), macOS
// ~/Library/Application Support/Doppel, Windows %LocalAppData%\Doppel.
func Default() (string, error) {
	switch runtime.GOOS {
	case "windows":
		if d := os.Getenv("LocalAppData"); d != "" {
			return filepath.Join(d, "Doppel"), nil
		}
	case "darwin":
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("find home dir: %w", err)
		}
		return filepath.Join(home, "Library", "Application Support", "Doppel"), nil
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "doppel"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find home dir: %w", err)
	}
	return filepath.Join(home, ".local", "share", "doppel"), nil
}
