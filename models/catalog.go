// Package models holds Doppel's model catalog, the chat templates written
// into Ollama Modelfiles, and (in trainer/) the Python trainer.
package models

import (
	"embed"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

//go:embed catalog.json templates/*.tmpl
var files embed.FS

// Offline says where a model's files ship inside a PyPI package.
type Offline struct {
	PyPI    string `json:"pypi"`
	Version string `json:"version"`
	File    string `json:"file,omitempty"`
	Dir     string `json:"dir,omitempty"`
}

// Entry is one model in the catalog.
type Entry struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Kind        string   `json:"kind"`
	Family      string   `json:"family"`
	Params      string   `json:"params"`
	Dimensions  int      `json:"dimensions,omitempty"`
	Description string   `json:"description"`
	Offline     *Offline `json:"offline,omitempty"`
	HFRepo      string   `json:"hf_repo,omitempty"`
	// Template names a file in templates/ (without .tmpl).
	Template        string   `json:"template,omitempty"`
	Stop            []string `json:"stop,omitempty"`
	Context         int      `json:"context,omitempty"`
	TrainDefaultFor []string `json:"train_default_for,omitempty"`
}

// Catalog returns the catalog entries.
func Catalog() ([]Entry, error) {
	b, err := files.ReadFile("catalog.json")
	if err != nil {
		return nil, fmt.Errorf("read model catalog: %w", err)
	}
	var c struct {
		Models []Entry `json:"models"`
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("parse model catalog: %w", err)
	}
	return c.Models, nil
}

// Lookup finds an entry by id or Ollama name (a missing tag means :latest).
func Lookup(nameOrID string) (Entry, bool) {
	c, err := Catalog()
	if err != nil {
		return Entry{}, false
	}
	for _, e := range c {
		if e.ID == nameOrID || e.Name == nameOrID || normalize(e.Name) == normalize(nameOrID) {
			return e, true
		}
	}
	return Entry{}, false
}

func normalize(n string) string {
	if !strings.Contains(n, ":") {
		return n + ":latest"
	}
	return n
}

// CacheDir is where scripts/fetch-models.sh unpacks the offline models:
// $DOPPEL_CACHE/models, else ~/.cache/doppel/models.
func CacheDir() string {
	if c := os.Getenv("DOPPEL_CACHE"); c != "" {
		return filepath.Join(c, "models")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "doppel", "models")
}

// OfflinePath is the unpacked file or folder of an offline catalog model,
// checked to exist.
func OfflinePath(e Entry) (string, error) {
	if e.Offline == nil {
		return "", fmt.Errorf("model %s has no offline package", e.Name)
	}
	member := e.Offline.File
	if member == "" {
		member = e.Offline.Dir
	}
	p := filepath.Join(CacheDir(), e.ID+"-"+e.Offline.Version, filepath.FromSlash(member))
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("offline model %s is not in the cache (%s): run scripts/fetch-models.sh: %w", e.Name, p, err)
	}
	return p, nil
}

// Template returns the Ollama Go template text named by an entry.
func Template(name string) (string, error) {
	b, err := files.ReadFile("templates/" + name + ".tmpl")
	if err != nil {
		return "", fmt.Errorf("chat template %q: %w", name, err)
	}
	return string(b), nil
}
