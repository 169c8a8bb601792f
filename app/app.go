// Package app is the only Go package that imports Wails: the desktop
// window's options, the AssetServer hook that hands every API request to the
// same http.Handler `doppel serve` uses, and the few bindings only a desktop
// can offer (native file dialogs).
package app

import (
	"context"
	"fmt"
	"io/fs"
	"net/http"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/runtime"
)

// Desktop holds the bindings exposed to the UI as window.go.app.Desktop.
type Desktop struct {
	ctx context.Context
}

func (d *Desktop) startup(ctx context.Context) { d.ctx = ctx }

// PickFile opens a native dialog for a model file; "" when cancelled.
func (d *Desktop) PickFile() (string, error) {
	return runtime.OpenFileDialog(d.ctx, runtime.OpenDialogOptions{
		Title:   "Choose a file",
		Filters: []runtime.FileFilter{{DisplayName: "Models and archives (*.gguf, *.zip, *.json)", Pattern: "*.gguf;*.zip;*.json;*.csv"}, {DisplayName: "All files", Pattern: "*"}},
	})
}

// PickFolder opens a native dialog for a folder; "" when cancelled.
func (d *Desktop) PickFolder() (string, error) {
	return runtime.OpenDirectoryDialog(d.ctx, runtime.OpenDialogOptions{Title: "Choose a folder"})
}

// Options configure the window.
type Options struct {
	Assets  fs.FS
	Handler http.Handler
	// OnShutdown runs when the window closes (stop the managed Ollama…).
	OnShutdown func()
}

// Run opens the window and blocks until it is closed.
func Run(o Options) error {
	d := &Desktop{}
	err := wails.Run(&options.App{
		Title:            "Doppel",
		Width:            1280,
		Height:           800,
		MinWidth:         900,
		MinHeight:        600,
		BackgroundColour: &options.RGBA{R: 247, G: 247, B: 245, A: 255},
		AssetServer:      &assetserver.Options{Assets: o.Assets, Handler: o.Handler},
		OnStartup:        d.startup,
		OnShutdown: func(context.Context) {
			if o.OnShutdown != nil {
				o.OnShutdown()
			}
		},
		Bind: []any{d},
	})
	if err != nil {
		return fmt.Errorf("desktop window: %w", err)
	}
	return nil
}
