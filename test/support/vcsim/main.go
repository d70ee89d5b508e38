// A vCenter simulator for the integration tests: govmomi's simulator library (Debian package
// golang-github-vmware-govmomi-dev) behind our own flags. Prints its URL, then a JSON line with
// the inventory counts, and serves until SIGTERM/SIGINT.
package main

import (
	"crypto/tls"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/url"
	"os"
	"os/signal"
	"syscall"

	"github.com/vmware/govmomi/simulator"
	_ "github.com/vmware/govmomi/vapi/simulator"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on")
	user := flag.String("user", "", "the only user name Login accepts")
	password := flag.String("password", "", "the only password Login accepts")
	cert := flag.String("cert", "", "PEM certificate (without it: plain HTTP)")
	key := flag.String("key", "", "PEM private key")
	model := simulator.VPX()
	flag.IntVar(&model.Datacenter, "dc", model.Datacenter, "datacenters")
	flag.IntVar(&model.Cluster, "cluster", model.Cluster, "clusters per datacenter")
	flag.IntVar(&model.ClusterHost, "cluster-host", model.ClusterHost, "hosts per cluster")
	flag.IntVar(&model.Host, "standalone-host", model.Host, "standalone hosts per datacenter")
	flag.IntVar(&model.Machine, "vms", model.Machine, "VMs per resource pool (each cluster and standalone host has one)")
	flag.Parse()

	if err := model.Create(); err != nil {
		log.Fatal(err)
	}
	usePagingCollector(model)
	model.Service.RegisterEndpoints = true
	model.Service.Listen = &url.URL{Host: *listen}
	if *user != "" {
		model.Service.Listen.User = url.UserPassword(*user, *password)
	}
	if *cert != "" {
		pair, err := tls.LoadX509KeyPair(*cert, *key)
		if err != nil {
			log.Fatal(err)
		}
		model.Service.TLS = &tls.Config{Certificates: []tls.Certificate{pair}}
	}
	server := model.Service.NewServer()

	shown := *server.URL
	shown.User = nil // the harness knows the credentials; never print them
	counts := model.Count()
	inventory, _ := json.Marshal(map[string]int{"datacenters": counts.Datacenter, "clusters": counts.Cluster, "hosts": counts.Host, "vms": counts.Machine, "datastores": counts.Datastore})
	fmt.Println(shown.String())
	fmt.Println(string(inventory))

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
	server.Close()
	model.Remove()
}
