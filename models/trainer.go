package models

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"sort"
)

// The Python trainer (trainer/doppel_trainer) and its pinned lock travel
// inside the binary, so the app can run it without a source checkout.
//
//go:embed trainer/requirements.txt trainer/CONTRACT.md trainer/doppel_trainer/*.py
var trainerFiles embed.FS

// Trainer returns the embedded trainer files: requirements.txt, CONTRACT.md
// and doppel_trainer/*.py (paths relative to models/trainer).
func Trainer() fs.FS {
	sub, err := fs.Sub(trainerFiles, "trainer")
	if err != nil {
		panic(err) // the embed pattern guarantees the folder
	}
	return sub
}

// TrainerRequirements returns the trainer's lock file.
func TrainerRequirements() []byte {
	b, _ := trainerFiles.ReadFile("trainer/requirements.txt")
	return b
}

// TrainerSourceHash identifies the embedded trainer source (for caching its
// extracted copy).
func TrainerSourceHash() string {
	h := sha256.New()
	var names []string
	_ = fs.WalkDir(trainerFiles, "trainer", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, p)
		}
		return nil
	})
	sort.Strings(names)
	for _, n := range names {
		b, _ := trainerFiles.ReadFile(n)
		h.Write([]byte(n))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}
