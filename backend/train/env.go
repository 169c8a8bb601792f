package train

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"github.com/doppelhq/doppel/models"
)

// UVVersion is the uv release used to create trainer environments (the same
// as scripts/setup-trainer.sh).
const UVVersion = "0.13.9"

// EnvPython is an explicit interpreter for the trainer (a venv with the lock
// installed); it wins over every other lookup.
const EnvPython = "DOPPEL_TRAINER_PYTHON"

// ErrNoTrainerEnv is returned by FindPython when no ready environment exists.
var ErrNoTrainerEnv = errors.New("the trainer's Python environment is not set up")

// Env finds or creates the trainer's Python environment and its source.
type Env struct {
	// DataDir is the app's data dir; an environment created by the app lives
	// under DataDir/trainer.
	DataDir string

	mu sync.Mutex
}

// RequirementsHash is the first 12 hex digits of the lock's sha256, the
// same key scripts/setup-trainer.sh uses.
func RequirementsHash() string {
	s := sha256.Sum256(models.TrainerRequirements())
	return hex.EncodeToString(s[:])[:12]
}

// CacheDir is $DOPPEL_CACHE or ~/.cache/doppel.
func CacheDir() string {
	if d := os.Getenv("DOPPEL_CACHE"); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "doppel-cache")
	}
	return filepath.Join(home, ".cache", "doppel")
}

func venvPython(venv string) string {
	if os.PathSeparator == '\\' {
		return filepath.Join(venv, "Scripts", "python.exe")
	}
	return filepath.Join(venv, "bin", "python")
}

// candidates lists the ready environments to try, in order.
func (e *Env) candidates() []string {
	h := RequirementsHash()
	return []string{
		filepath.Join(CacheDir(), "trainer-venv-"+h),
		filepath.Join(e.DataDir, "trainer", "venv-"+h),
	}
}

// FindPython returns a ready trainer interpreter without creating anything.
func (e *Env) FindPython() (string, error) {
	if p := os.Getenv(EnvPython); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%s=%s: %w", EnvPython, p, err)
		}
		return p, nil
	}
	for _, v := range e.candidates() {
		if _, err := os.Stat(filepath.Join(v, ".complete")); err == nil {
			return venvPython(v), nil
		}
	}
	return "", fmt.Errorf("%w (looked for %s): it is created on first use, or by scripts/setup-trainer.sh", ErrNoTrainerEnv, strings.Join(e.candidates(), ", "))
}

// EnsurePython returns a ready interpreter, creating the environment under
// the data dir on first use. Every step is written to logw (the visible
// setup log); the full log is also kept in DataDir/trainer/setup.log.
func (e *Env) EnsurePython(ctx context.Context, logw io.Writer) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if p, err := e.FindPython(); err == nil {
		return p, nil
	} else if os.Getenv(EnvPython) != "" {
		return "", err
	}
	dir := filepath.Join(e.DataDir, "trainer")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create %s: %w", dir, err)
	}
	lf, err := os.Create(filepath.Join(dir, "setup.log"))
	if err != nil {
		return "", fmt.Errorf("create trainer setup log: %w", err)
	}
	defer lf.Close()
	w := io.MultiWriter(lf, logw)
	venv := filepath.Join(dir, "venv-"+RequirementsHash())
	fmt.Fprintf(w, "creating the trainer environment in %s (first use; several GB of wheels on Linux)\n", venv)
	py, err := systemPython()
	if err != nil {
		return "", err
	}
	uv, err := e.ensureUV(ctx, py, w)
	if err != nil {
		return "", err
	}
	req := filepath.Join(dir, "requirements-"+RequirementsHash()+".txt")
	if err := os.WriteFile(req, models.TrainerRequirements(), 0o644); err != nil {
		return "", fmt.Errorf("write %s: %w", req, err)
	}
	_ = os.RemoveAll(venv)
	steps := [][]string{
		{uv, "venv", "--quiet", "--python", py, venv},
		{uv, "pip", "install", "--no-deps", "--python", venvPython(venv), "-r", req},
		{venvPython(venv), "-c", "import torch, transformers, peft, trl, datasets, accelerate, gguf, safetensors; print('trainer environment ok, torch', torch.__version__)"},
	}
	for _, s := range steps {
		fmt.Fprintf(w, "$ %s\n", strings.Join(s, " "))
		cmd := exec.CommandContext(ctx, s[0], s[1:]...)
		cmd.Stdout, cmd.Stderr = w, w
		cmd.Env = append(os.Environ(), "UV_CACHE_DIR="+filepath.Join(CacheDir(), "uv-cache"))
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("set up the trainer environment (%s): %w; see %s", filepath.Base(s[0])+" "+s[1], err, lf.Name())
		}
	}
	if err := os.WriteFile(filepath.Join(venv, ".complete"), nil, 0o644); err != nil {
		return "", err
	}
	fmt.Fprintln(w, "trainer environment ready")
	return venvPython(venv), nil
}

func systemPython() (string, error) {
	for _, n := range []string{"python3", "python"} {
		if p, err := exec.LookPath(n); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no python3 on PATH: the trainer needs Python 3.10-3.13")
}

func (e *Env) ensureUV(ctx context.Context, py string, w io.Writer) (string, error) {
	if p, err := exec.LookPath("uv"); err == nil {
		return p, nil
	}
	for _, d := range []string{filepath.Join(CacheDir(), "uv-"+UVVersion), filepath.Join(e.DataDir, "trainer", "uv-"+UVVersion)} {
		if p := filepath.Join(d, "bin", "uv"); fileExists(p) {
			return p, nil
		}
	}
	d := filepath.Join(e.DataDir, "trainer", "uv-"+UVVersion)
	fmt.Fprintf(w, "$ %s -m pip install --target %s uv==%s\n", py, d, UVVersion)
	cmd := exec.CommandContext(ctx, py, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--target", d+".partial", "uv=="+UVVersion)
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("install uv %s with %s -m pip: %w", UVVersion, py, err)
	}
	_ = os.RemoveAll(d)
	if err := os.Rename(d+".partial", d); err != nil {
		return "", err
	}
	return filepath.Join(d, "bin", "uv"), nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// Source writes the embedded trainer (doppel_trainer/) under
// DataDir/trainer/src-<hash> once and returns that folder (the PYTHONPATH).
func (e *Env) Source() (string, error) {
	dir := filepath.Join(e.DataDir, "trainer", "src-"+models.TrainerSourceHash())
	if fileExists(filepath.Join(dir, ".complete")) {
		return dir, nil
	}
	tmp := dir + ".partial"
	_ = os.RemoveAll(tmp)
	err := fs.WalkDir(models.Trainer(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		dst := filepath.Join(tmp, filepath.FromSlash(p))
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := fs.ReadFile(models.Trainer(), p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err == nil {
		err = os.WriteFile(filepath.Join(tmp, ".complete"), nil, 0o644)
	}
	if err == nil {
		_ = os.RemoveAll(dir)
		err = os.Rename(tmp, dir)
	}
	if err != nil {
		return "", fmt.Errorf("write the trainer source to %s: %w", dir, err)
	}
	return dir, nil
}

// Detection is the trainer's `--detect` answer.
type Detection struct {
	Hardware    map[string]any `json:"hardware"`
	Proposal    map[string]any `json:"proposal"`
	ModelParams *int64         `json:"model_params,omitempty"`
}

// Device is the detected device: cuda, mps or cpu.
func (d *Detection) Device() string {
	if s, ok := d.Hardware["device"].(string); ok {
		return s
	}
	return "cpu"
}

// Detect runs `python -m doppel_trainer --detect` for a base model.
func (e *Env) Detect(ctx context.Context, python, base, backend string) (*Detection, error) {
	src, err := e.Source()
	if err != nil {
		return nil, err
	}
	args := []string{"-m", "doppel_trainer", "--detect"}
	if base != "" {
		args = append(args, "--base", base)
	}
	if backend != "" {
		args = append(args, "--backend", backend)
	}
	cmd := exec.CommandContext(ctx, python, args...)
	cmd.Env = trainerEnv(src)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("detect hardware with %s: %w: %s", python, err, tail(errb.String(), 5))
	}
	for _, line := range strings.Split(out.String(), "\n") {
		ev, err := parseEvent([]byte(line))
		if err == nil && ev.Event == "hardware" {
			var d Detection
			if err := jsonUnmarshal(ev.raw, &d); err != nil {
				return nil, err
			}
			return &d, nil
		}
	}
	return nil, fmt.Errorf("detect hardware with %s: no hardware event in %q", python, tail(out.String(), 3))
}

func trainerEnv(src string) []string {
	env := os.Environ()
	pp := src
	if old := os.Getenv("PYTHONPATH"); old != "" {
		pp += string(os.PathListSeparator) + old
	}
	return append(env, "PYTHONPATH="+pp, "HF_HUB_OFFLINE=1", "TOKENIZERS_PARALLELISM=false", "PYTHONUNBUFFERED=1")
}

func tail(s string, lines int) string {
	parts := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(parts) > lines {
		parts = parts[len(parts)-lines:]
	}
	return strings.Join(parts, "\n")
}
