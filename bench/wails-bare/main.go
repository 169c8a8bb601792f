// Command wails-bare is the baseline for the desktop start-up benchmark: the
// smallest Wails v2 app, built with the same tags as Doppel's, painting one
// page with the same navigation colour that scripts/bench-foundation.sh
// watches for.
package main

import (
	"embed"
	"log"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
)

//go:embed all:dist
var assets embed.FS

func main() {
	err := wails.Run(&options.App{
		Title:       "bare",
		Width:       1280,
		Height:      800,
		AssetServer: &assetserver.Options{Assets: assets},
	})
	if err != nil {
		log.Fatal(err)
	}
}
