// Command gpx_stackcapture is the Stack Capture app's backend, started by Grafana.
package main

import (
	"os"

	"github.com/grafana/grafana-plugin-sdk-go/backend/app"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"

	"github.com/seed/stackcapture/pkg/plugin"
)

func main() {
	if err := app.Manage(plugin.PluginID, plugin.NewAppFactory(plugin.DefaultDeps()), app.ManageOpts{}); err != nil {
		log.DefaultLogger.Error("serve the plugin", "error", err)
		os.Exit(1)
	}
}
