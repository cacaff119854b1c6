// Command gpx_stackcapture is the Stack Capture app's backend, started by Grafana.
package main

import (
	"context"
	"os"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend/app"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"

	"github.com/seed/stackcapture/pkg/plugin"
)

func main() {
	apps := plugin.NewApps(plugin.DefaultDeps())
	err := app.Manage(plugin.PluginID, apps.Factory(), app.ManageOpts{})
	// Grafana is stopping the plugin: let captures in flight finish briefly, then close the
	// database cleanly. What does not finish is failed by the next start's recovery.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	if cerr := apps.Close(ctx); cerr != nil {
		log.DefaultLogger.Warn("stop the plugin", "error", cerr)
	}
	cancel()
	if err != nil {
		log.DefaultLogger.Error("serve the plugin", "error", err)
		os.Exit(1)
	}
}
